import type Database from "better-sqlite3";
import type { EventOf } from "../events/eventTypes.js";
import type { RowOf } from "../wire/snapshotRows.js";
import { specialPriceConflict, type ConflictsProjection } from "./conflicts.js";
import { replaces, type Stamp } from "./lastWriterWins.js";

/**
 * The `special_prices` table: per customer and product, the most recent change wins (highest
 * HLC, then origin, then event id, DESIGN §3); a removal is a tombstone (`removed = 1`) that
 * competes by the same rule, so the row does not depend on the order events arrive in.
 */
export class SpecialPricesProjection {
  private readonly current: Database.Statement;
  private readonly put: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly conflicts: ConflictsProjection,
  ) {
    this.current = db.prepare(`SELECT hlc, origin, event_id AS id FROM special_prices WHERE customer = ? AND product = ?`);
    this.put = db.prepare(`INSERT INTO special_prices (customer, product, price, discounts, removed, hlc, origin, event_id)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                     ON CONFLICT (customer, product) DO UPDATE SET price = excluded.price, discounts = excluded.discounts,
                     removed = excluded.removed, hlc = excluded.hlc, origin = excluded.origin, event_id = excluded.event_id`);
  }

  specialPriceSet(e: EventOf<"SpecialPriceSet">): void {
    const d = e.data;
    if (this.wins(e, d.customer, d.product, d.supersedes)) {
      this.put.run(d.customer, d.product, d.price, JSON.stringify(d.discounts), 0, e.hlc, e.origin, e.id);
    }
  }

  specialPriceRemoved(e: EventOf<"SpecialPriceRemoved">): void {
    const d = e.data;
    if (this.wins(e, d.customer, d.product, d.supersedes)) this.put.run(d.customer, d.product, null, "[]", 1, e.hlc, e.origin, e.id);
  }

  /** Whether `change` replaces the current row; reports it if both sides edited the price. */
  private wins(change: Stamp, customer: string, product: string, supersedes: string | null): boolean {
    const current = this.current.get(customer, product) as Stamp | undefined;
    const wins = replaces(change, current);
    if (current !== undefined) {
      const conflict = specialPriceConflict(customer, product, change, supersedes, current, wins);
      if (conflict) this.conflicts.record(conflict);
    }
    return wins;
  }

  /**
   * A special price in an agent's snapshot, with the HLC and origin of the change that set it:
   * it competes by the same rule (a snapshot row has no event id), tombstones included.
   */
  specialPriceRow(row: RowOf<"S">): void {
    const [, customer, product, price, discounts, hlc, origin] = row;
    if (!replaces({ hlc, origin, id: "" }, this.current.get(customer, product) as Stamp | undefined)) return;
    if (price === null) this.put.run(customer, product, null, "[]", 1, hlc, origin, "");
    else this.put.run(customer, product, price, JSON.stringify(discounts), 0, hlc, origin, "");
  }
}
