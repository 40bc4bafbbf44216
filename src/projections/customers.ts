import type Database from "better-sqlite3";
import type { EventOf } from "../events/eventTypes.js";
import type { RowOf } from "../wire/snapshotRows.js";
import { customerCodeConflict, type ConflictsProjection } from "./conflicts.js";

/**
 * The `customers` table, keyed by code and the node that created the customer: a duplicate
 * code that reaches a node is kept beside the first and reported (DESIGN §3), never merged.
 */
export class CustomersProjection {
  private readonly otherCreator: Database.Statement;
  private readonly firstId: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly update: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly conflicts: ConflictsProjection,
  ) {
    this.otherCreator = db.prepare(`SELECT created_by FROM customers WHERE code = ? AND created_by <> ? LIMIT 1`).pluck(true);
    this.firstId = db.prepare(`SELECT event_id FROM customers WHERE code = ? AND created_by = ?`).pluck(true);
    this.insert = db.prepare(`INSERT OR IGNORE INTO customers (code, created_by, name, agent, list, vat_number, city, event_id)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.update = db.prepare(`UPDATE customers SET name = ?, list = ?, vat_number = ?, city = ?, event_id = ?
                         WHERE code = ? AND created_by = ?`);
  }

  customerCreated(e: EventOf<"CustomerCreated">): void {
    const d = e.data;
    const other = this.otherCreator.get(d.code, e.origin) as string | undefined;
    const first = this.firstId.get(d.code, e.origin) as string | undefined;
    const conflict = customerCodeConflict(d.code, d.name, e.origin, e.id, first, other);
    if (first === undefined) this.insert.run(d.code, e.origin, d.name, d.agent, d.list, d.vatNumber, d.city, e.id);
    if (conflict) this.conflicts.record(conflict);
  }

  /** An edit of the customer its creator's code names; edits stay local (DESIGN §3). */
  customerUpdated(e: EventOf<"CustomerUpdated">): void {
    const d = e.data;
    this.update.run(d.name, d.list, d.vatNumber, d.city, e.id, d.code, d.createdBy);
  }

  /** A customer in an agent's snapshot: added if absent (a record is not propagated again). */
  customerRow(row: RowOf<"C">): void {
    this.insert.run(row[1], row[2], row[3], row[4], row[5], row[6], row[7], "");
  }
}
