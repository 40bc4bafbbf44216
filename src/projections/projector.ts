import type Database from "better-sqlite3";
import type { DecodedEvent, EventOf, EventType } from "../events/eventTypes.js";
import type { SnapshotRow } from "../wire/segmentCodec.js";
import { CATALOGUE } from "../wire/streams.js";
import { AgentsProjection } from "./agents.js";
import { CatalogueProjection } from "./catalogue.js";
import { ConflictsProjection } from "./conflicts.js";
import { CustomersProjection } from "./customers.js";
import { OrdersProjection } from "./orders.js";
import { SpecialPricesProjection } from "./specialPrices.js";

/** Loads the rows of a snapshot this node applied, by its SHA-256 (kept in `inbox_snapshots`). */
export type SnapshotLoader = (sha256: string) => { stream: string; rows: Iterable<SnapshotRow> };

/** The read models, one per entity, each owning its tables' statements. */
interface Projections {
  readonly agents: AgentsProjection;
  readonly catalogue: CatalogueProjection;
  readonly customers: CustomersProjection;
  readonly specialPrices: SpecialPricesProjection;
  readonly orders: OrdersProjection;
  snapshotApplied(e: EventOf<"SnapshotApplied">): void;
}

type Evolve<T extends EventType> = (p: Projections, e: EventOf<T>) => void;

/** How each event type is projected: the evolve of the entity it changes (the tables every event type needs: eventSpecs.ts). */
export const EVOLVE = {
  AgentRegistered: (p, e) => p.agents.agentRegistered(e),
  OrderTypeDefined: (p, e) => p.agents.orderTypeDefined(e),
  ProductSaved: (p, e) => p.catalogue.productSaved(e),
  ProductDiscontinued: (p, e) => p.catalogue.productDiscontinued(e),
  PriceListSaved: (p, e) => p.catalogue.priceListSaved(e),
  GenericPriceSet: (p, e) => p.catalogue.genericPriceSet(e),
  GenericPriceRemoved: (p, e) => p.catalogue.genericPriceRemoved(e),
  CustomerCreated: (p, e) => p.customers.customerCreated(e),
  CustomerUpdated: (p, e) => p.customers.customerUpdated(e),
  SpecialPriceSet: (p, e) => p.specialPrices.specialPriceSet(e),
  SpecialPriceRemoved: (p, e) => p.specialPrices.specialPriceRemoved(e),
  OrderPlaced: (p, e) => p.orders.orderPlaced(e),
  OrderAmended: (p, e) => p.orders.orderAmended(e),
  OrderCancelled: (p, e) => p.orders.orderCancelled(e),
  CustomerReassigned: (p, e) => {
    p.customers.customerReassigned(e);
    p.specialPrices.customerReassigned(e);
  },
  CustomerRenamed: (p, e) => {
    p.customers.customerRenamed(e);
    p.specialPrices.customerRenamed(e);
  },
  SnapshotApplied: (p, e) => p.snapshotApplied(e),
} satisfies { [T in EventType]: Evolve<T> };

/**
 * Applies one event to the read models: a dispatcher over {@link EVOLVE}, whose entity modules
 * write SQL upserts with statements prepared once, because this runs once per event on rebuild
 * and bulk receive. Must be called inside the transaction that appends the event.
 */
export class Projector implements Projections {
  readonly agents: AgentsProjection;
  readonly catalogue: CatalogueProjection;
  readonly customers: CustomersProjection;
  readonly specialPrices: SpecialPricesProjection;
  readonly orders: OrdersProjection;

  constructor(
    db: Database.Database,
    private readonly loadSnapshot: SnapshotLoader,
    here: string | undefined,
  ) {
    const conflicts = new ConflictsProjection(db);
    this.agents = new AgentsProjection(db);
    this.catalogue = new CatalogueProjection(db);
    this.customers = new CustomersProjection(db, conflicts, here);
    this.specialPrices = new SpecialPricesProjection(db, conflicts);
    this.orders = new OrdersProjection(db, conflicts, this.agents);
  }

  apply(e: DecodedEvent): void {
    (EVOLVE[e.type] as Evolve<EventType>)(this, e);
  }

  snapshotApplied(e: EventOf<"SnapshotApplied">): void {
    const snapshot = this.loadSnapshot(e.data.sha256);
    this.applySnapshot(snapshot.stream, snapshot.rows);
  }

  /**
   * Applies a snapshot's rows over the current state (DESIGN §4.4): the catalogue's replace it
   * whole, customers are added if absent, special prices compete by the most-recent rule.
   */
  applySnapshot(stream: string, rows: Iterable<SnapshotRow>): void {
    if (stream === CATALOGUE) this.catalogue.clear();
    for (const row of rows) {
      switch (row[0]) {
        case "P":
          this.catalogue.productRow(row);
          break;
        case "L":
          this.catalogue.priceListRow(row);
          break;
        case "R":
          this.catalogue.priceRow(row);
          break;
        case "O":
          this.agents.orderTypeRow(row);
          break;
        case "C":
          this.customers.customerRow(row);
          break;
        case "S":
          this.specialPrices.specialPriceRow(row);
          break;
        case "X":
          this.customers.departedRow(row, stream.slice(stream.indexOf(">") + 1));
          this.specialPrices.dropUnheld(row[1]);
          break;
        default:
          skipUnknownRow(row);
      }
    }
  }
}

/**
 * A row kind this sincro does not know (written by a newer one) is skipped, as it always was;
 * typed `never` so that a kind added to SnapshotRow fails the typecheck until it is applied.
 */
function skipUnknownRow(_row: never): void {}
