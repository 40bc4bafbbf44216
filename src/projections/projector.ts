import type Database from "better-sqlite3";
import type { DecodedEvent, EventPayloads, OrderLine } from "../events/eventTypes.js";
import { SEDE } from "../events/nodeIds.js";
import type { SnapshotRow } from "../wire/segmentCodec.js";
import { CATALOGUE } from "../wire/streams.js";
import { compareStamps } from "./lastWriterWins.js";

/** Loads the rows of a snapshot this node applied, by its SHA-256 (kept in `inbox_snapshots`). */
export type SnapshotLoader = (sha256: string) => { stream: string; rows: Iterable<SnapshotRow> };

type Stmt = Database.Statement;

/**
 * Applies one event to the read models: the `evolve` of every projection, written as SQL
 * upserts with prepared statements because this runs once per event on rebuild and bulk receive.
 * Must be called inside the transaction that appends the event.
 */
export class Projector {
  private readonly s: Record<string, Stmt>;

  constructor(
    private readonly db: Database.Database,
    private readonly loadSnapshot: SnapshotLoader,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      agent: p(`INSERT INTO agents (code, name, order_type, customer_prefix, event_id) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (code) DO UPDATE SET name = excluded.name, order_type = excluded.order_type,
                customer_prefix = excluded.customer_prefix, event_id = excluded.event_id`),
      orderType: p(`INSERT INTO order_types (code, description, agent, origin) VALUES (?, ?, ?, ?)
                    ON CONFLICT (code) DO UPDATE SET description = excluded.description, agent = excluded.agent, origin = excluded.origin`),
      product: p(`INSERT INTO products (code, description, unit, vat, active, event_id) VALUES (?, ?, ?, ?, 1, ?)
                  ON CONFLICT (code) DO UPDATE SET description = excluded.description, unit = excluded.unit,
                  vat = excluded.vat, active = 1, event_id = excluded.event_id`),
      discontinue: p(`UPDATE products SET active = 0, event_id = ? WHERE code = ?`),
      priceList: p(`INSERT INTO price_lists (code, description) VALUES (?, ?)
                    ON CONFLICT (code) DO UPDATE SET description = excluded.description`),
      price: p(`INSERT INTO prices (list, product, price, event_id) VALUES (?, ?, ?, ?)
                ON CONFLICT (list, product) DO UPDATE SET price = excluded.price, event_id = excluded.event_id`),
      removePrice: p(`DELETE FROM prices WHERE list = ? AND product = ?`),
      customerOtherOrigin: p(`SELECT created_by FROM customers WHERE code = ? AND created_by <> ? LIMIT 1`),
      customerSameOrigin: p(`SELECT event_id FROM customers WHERE code = ? AND created_by = ?`),
      customerInsert: p(`INSERT OR IGNORE INTO customers (code, created_by, name, agent, list, vat_number, city, event_id)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      customerUpdate: p(`UPDATE customers SET name = ?, list = ?, vat_number = ?, city = ?, event_id = ?
                         WHERE code = ? AND created_by = ?`),
      specialGet: p(`SELECT hlc, origin, event_id AS id FROM special_prices WHERE customer = ? AND product = ?`),
      specialPut: p(`INSERT INTO special_prices (customer, product, price, discounts, removed, hlc, origin, event_id)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                     ON CONFLICT (customer, product) DO UPDATE SET price = excluded.price, discounts = excluded.discounts,
                     removed = excluded.removed, hlc = excluded.hlc, origin = excluded.origin, event_id = excluded.event_id`),
      orderSameNumber: p(`SELECT id, origin FROM orders WHERE type = ? AND number = ? AND origin <> ? LIMIT 1`),
      orderTypeAgent: p(`SELECT agent FROM order_types WHERE code = ?`),
      orderInsert: p(`INSERT OR IGNORE INTO orders (id, type, number, year, date, customer, agent, origin, status, event_id)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'placed', ?)`),
      lineInsert: p(`INSERT INTO order_lines (order_id, line_no, product, qty, price, discounts) VALUES (?, ?, ?, ?, ?, ?)`),
      linesDelete: p(`DELETE FROM order_lines WHERE order_id = ?`),
      orderStatus: p(`UPDATE orders SET status = ?, event_id = ? WHERE id = ?`),
      conflict: p(`INSERT INTO conflicts (kind, key, detail, event_id, other_id, winner_id) VALUES (?, ?, ?, ?, ?, ?)`),
    };
  }

  private run(name: string, ...params: unknown[]): Database.RunResult {
    return (this.s[name] as Stmt).run(...params);
  }

  private get<T>(name: string, ...params: unknown[]): T | undefined {
    return (this.s[name] as Stmt).get(...params) as T | undefined;
  }

  apply(e: DecodedEvent): void {
    switch (e.type) {
      case "AgentRegistered":
        this.run("agent", e.data.code, e.data.name, e.data.orderType, e.data.customerPrefix, e.id);
        return;
      case "OrderTypeDefined":
        this.run("orderType", e.data.code, e.data.description, e.data.agent, e.origin);
        return;
      case "ProductSaved":
        this.run("product", e.data.code, e.data.description, e.data.unit, e.data.vat, e.id);
        return;
      case "ProductDiscontinued":
        this.run("discontinue", e.id, e.data.code);
        return;
      case "PriceListSaved":
        this.run("priceList", e.data.code, e.data.description);
        return;
      case "GenericPriceSet":
        this.run("price", e.data.list, e.data.product, e.data.price, e.id);
        return;
      case "GenericPriceRemoved":
        this.run("removePrice", e.data.list, e.data.product);
        return;
      case "CustomerCreated":
        this.customerCreated(e.id, e.origin, e.data);
        return;
      case "CustomerUpdated": {
        const d = e.data;
        this.run("customerUpdate", d.name, d.list, d.vatNumber, d.city, e.id, d.code, d.createdBy);
        return;
      }
      case "SpecialPriceSet":
      case "SpecialPriceRemoved":
        this.specialPrice(e);
        return;
      case "OrderPlaced":
        this.orderPlaced(e.id, e.origin, e.data);
        return;
      case "OrderAmended":
        this.run("linesDelete", e.data.order);
        this.insertLines(e.data.order, e.data.lines);
        this.run("orderStatus", "amended", e.id, e.data.order);
        return;
      case "OrderCancelled":
        this.run("orderStatus", "cancelled", e.id, e.data.order);
        return;
      case "SnapshotApplied": {
        const snapshot = this.loadSnapshot(e.data.sha256);
        this.applySnapshot(snapshot.stream, snapshot.rows);
        return;
      }
    }
  }

  /**
   * Applies a snapshot's rows over the current state (DESIGN §4.4). The catalogue stream is the
   * sede's alone and a snapshot of it is newer than anything held from it, so it replaces the
   * catalogue whole; customers are added if absent (records are not propagated again); special
   * prices compete by the most-recent rule, tombstones included.
   */
  applySnapshot(stream: string, rows: Iterable<SnapshotRow>): void {
    if (stream === CATALOGUE) this.db.exec(`DELETE FROM products; DELETE FROM price_lists; DELETE FROM prices;`);
    for (const row of rows) {
      switch (row[0]) {
        case "P":
          this.run("product", row[1], row[2], row[3], row[4], "");
          if (row[5] === 0) this.run("discontinue", "", row[1]);
          break;
        case "L":
          this.run("priceList", row[1], row[2]);
          break;
        case "R":
          this.run("price", row[1], row[2], row[3], "");
          break;
        case "O":
          this.run("orderType", row[1], row[2], row[3], SEDE);
          break;
        case "C":
          this.run("customerInsert", row[1], row[2], row[3], row[4], row[5], row[6], row[7], "");
          break;
        case "S": {
          const [, customer, product, price, discounts, hlc, origin] = row;
          const current = this.get<{ hlc: string; origin: string; id: string }>("specialGet", customer, product);
          if (current && compareStamps({ hlc, origin, id: "" }, current) <= 0) break;
          if (price === null) this.run("specialPut", customer, product, null, "[]", 1, hlc, origin, "");
          else this.run("specialPut", customer, product, price, JSON.stringify(discounts), 0, hlc, origin, "");
          break;
        }
      }
    }
  }

  private customerCreated(id: string, origin: string, d: EventPayloads["CustomerCreated"]): void {
    const other = this.get<{ created_by: string }>("customerOtherOrigin", d.code, origin);
    const twice = this.get<{ event_id: string }>("customerSameOrigin", d.code, origin);
    if (twice) {
      // Only two PCs with one agent code can do this: keep the first, report the second.
      this.run(
        "conflict",
        "customer-code",
        d.code,
        `customer code ${d.code} was created twice by ${origin} (two PCs with one agent code?); the first is kept, the second (${d.name}) is only in the log`,
        id,
        twice.event_id,
        twice.event_id,
      );
      return;
    }
    this.run("customerInsert", d.code, origin, d.name, d.agent, d.list, d.vatNumber, d.city, id);
    if (other) {
      this.run(
        "conflict",
        "customer-code",
        d.code,
        `customer code ${d.code} was created by both ${other.created_by} and ${origin}; both are kept, rename one by hand`,
        id,
        null,
        null,
      );
    }
  }

  private specialPrice(e: Extract<DecodedEvent, { type: "SpecialPriceSet" | "SpecialPriceRemoved" }>): void {
    const d = e.data;
    const incoming = { hlc: e.hlc, origin: e.origin, id: e.id };
    const current = this.get<{ hlc: string; origin: string; id: string }>("specialGet", d.customer, d.product);
    const wins = !current || compareStamps(incoming, current) > 0;
    // A change made without seeing the current one, by another node: both sides edited it.
    if (current && current.origin !== e.origin && d.supersedes !== current.hlc) {
      const winner = wins ? incoming : current;
      this.run(
        "conflict",
        "special-price",
        `${d.customer}/${d.product}`,
        `edited on both ${current.origin} and ${e.origin}; the most recent change (${winner.origin}, ${winner.hlc}) wins`,
        e.id,
        current.id,
        winner.id,
      );
    }
    if (!wins) return;
    if (e.type === "SpecialPriceSet") {
      this.run("specialPut", d.customer, d.product, e.data.price, JSON.stringify(e.data.discounts), 0, e.hlc, e.origin, e.id);
    } else {
      this.run("specialPut", d.customer, d.product, null, "[]", 1, e.hlc, e.origin, e.id);
    }
  }

  private orderPlaced(id: string, origin: string, d: EventPayloads["OrderPlaced"]): void {
    const inserted = this.run("orderInsert", id, d.type, d.number, d.year, d.date, d.customer, d.agent, origin, id);
    if (inserted.changes === 0) return;
    this.insertLines(id, d.lines);
    const same = this.get<{ id: string; origin: string }>("orderSameNumber", d.type, d.number, origin);
    if (same) {
      this.run("conflict", "order-number", `${d.type}/${d.number}`, `order ${d.type}/${d.number} was placed by both ${same.origin} and ${origin}; both are kept`, id, same.id, null);
    }
    if (origin !== SEDE) {
      const owner = this.get<{ agent: string | null }>("orderTypeAgent", d.type);
      if (!owner || owner.agent !== origin) {
        this.run("conflict", "order-type", `${d.type}/${d.number}`, `agent ${origin} sent an order in type ${d.type}, which is ${owner ? (owner.agent === null ? "the sede's" : `agent ${owner.agent}'s`) : "not defined here"}`, id, null, null);
      }
    }
  }

  private insertLines(orderId: string, lines: OrderLine[]): void {
    lines.forEach((l, i) => this.run("lineInsert", orderId, i + 1, l.product, l.qty, l.price, JSON.stringify(l.discounts)));
  }
}
