import type Database from "better-sqlite3";
import type { EventOf, OrderLine } from "../events/eventTypes.js";
import { SEDE } from "../events/nodeIds.js";
import type { AgentsProjection } from "./agents.js";
import { orderNumberConflict, orderTypeConflict, type ConflictsProjection } from "./conflicts.js";

/**
 * The `orders` and `order_lines` tables. An order is keyed by the id of the event that placed
 * it, so an order number placed twice is kept twice and reported (DESIGN §3), as is an agent's
 * order in a type that is not its own.
 */
export class OrdersProjection {
  private readonly insert: Database.Statement;
  private readonly sameNumber: Database.Statement;
  private readonly lineInsert: Database.Statement;
  private readonly linesDelete: Database.Statement;
  private readonly status: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly conflicts: ConflictsProjection,
    private readonly orderTypes: AgentsProjection,
  ) {
    this.insert = db.prepare(`INSERT OR IGNORE INTO orders (id, type, number, year, date, customer, agent, origin, status, event_id)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'placed', ?)`);
    this.sameNumber = db.prepare(`SELECT id, origin FROM orders WHERE type = ? AND number = ? AND origin <> ? LIMIT 1`);
    this.lineInsert = db.prepare(`INSERT INTO order_lines (order_id, line_no, product, qty, price, discounts) VALUES (?, ?, ?, ?, ?, ?)`);
    this.linesDelete = db.prepare(`DELETE FROM order_lines WHERE order_id = ?`);
    this.status = db.prepare(`UPDATE orders SET status = ?, event_id = ? WHERE id = ?`);
  }

  orderPlaced(e: EventOf<"OrderPlaced">): void {
    const d = e.data;
    const inserted = this.insert.run(e.id, d.type, d.number, d.year, d.date, d.customer, d.agent, e.origin, e.id);
    if (inserted.changes === 0) return;
    this.insertLines(e.id, d.lines);
    const same = this.sameNumber.get(d.type, d.number, e.origin) as { id: string; origin: string } | undefined;
    const numberConflict = orderNumberConflict(d.type, d.number, e.origin, e.id, same);
    if (numberConflict) this.conflicts.record(numberConflict);
    // The sede's orders are never checked (see orderTypeConflict): no need to look the type up.
    if (e.origin !== SEDE) {
      const typeConflict = orderTypeConflict(d.type, d.number, e.origin, e.id, this.orderTypes.orderTypeOwner(d.type));
      if (typeConflict) this.conflicts.record(typeConflict);
    }
  }

  orderAmended(e: EventOf<"OrderAmended">): void {
    this.linesDelete.run(e.data.order);
    this.insertLines(e.data.order, e.data.lines);
    this.status.run("amended", e.id, e.data.order);
  }

  orderCancelled(e: EventOf<"OrderCancelled">): void {
    this.status.run("cancelled", e.id, e.data.order);
  }

  private insertLines(orderId: string, lines: OrderLine[]): void {
    lines.forEach((l, i) => this.lineInsert.run(orderId, i + 1, l.product, l.qty, l.price, JSON.stringify(l.discounts)));
  }
}
