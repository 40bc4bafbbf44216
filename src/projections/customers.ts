import type Database from "better-sqlite3";
import type { EventOf } from "../events/eventTypes.js";
import type { RowOf } from "../wire/snapshotRows.js";
import { customerCodeConflict, type ConflictsProjection } from "./conflicts.js";

/** Records a rename in `customer_renames` (code, created_by, new_code, agent, event_id). */
export const RECORD_RENAME = `INSERT OR REPLACE INTO customer_renames (code, created_by, new_code, agent, event_id) VALUES (?, ?, ?, ?, ?)`;

/** The rename recorded for a code of a creator (two parameters: code, created_by). */
export const RENAMED_AS = `SELECT new_code AS newCode, agent, event_id AS eventId FROM customer_renames WHERE code = ? AND created_by = ?`;

/**
 * The renames recorded for `code` of `createdBy`, one step after another to the code it has now
 * (none when it was never renamed); a cycle ends the walk. `lookup` is {@link RENAMED_AS} prepared.
 */
export function* renameSteps(
  lookup: Database.Statement,
  code: string,
  createdBy: string,
): Generator<{ code: string; newCode: string; agent: string | null; eventId: string }> {
  const seen = new Set([code]);
  for (;;) {
    const r = lookup.get(code, createdBy) as { newCode: string; agent: string | null; eventId: string } | undefined;
    if (!r || seen.has(r.newCode)) return;
    yield { code, ...r };
    seen.add(r.newCode);
    code = r.newCode;
  }
}

/**
 * The `customers` table, keyed by code and the node that created the customer: a duplicate
 * code that reaches a node is kept beside the first and reported (DESIGN §3), never merged.
 */
export class CustomersProjection {
  private readonly otherCreator: Database.Statement;
  private readonly firstId: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly update: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly toOffice: Database.Statement;
  private readonly rename: Database.Statement;
  private readonly departed: Database.Statement;
  private readonly returned: Database.Statement;
  private readonly recordRename: Database.Statement;
  private readonly renamedAs: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly conflicts: ConflictsProjection,
    private readonly here: string | undefined,
  ) {
    this.otherCreator = db.prepare(`SELECT created_by FROM customers WHERE code = ? AND created_by <> ? LIMIT 1`).pluck(true);
    this.firstId = db.prepare(`SELECT event_id FROM customers WHERE code = ? AND created_by = ?`).pluck(true);
    this.insert = db.prepare(`INSERT OR IGNORE INTO customers (code, created_by, name, agent, list, vat_number, city, event_id)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.update = db.prepare(`UPDATE customers SET name = ?, list = ?, vat_number = ?, city = ?, event_id = ?
                         WHERE code = ? AND created_by = ?`);
    this.upsert = db.prepare(`INSERT INTO customers (code, created_by, name, agent, list, vat_number, city, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                         ON CONFLICT (code, created_by) DO UPDATE SET name = excluded.name, agent = excluded.agent, list = excluded.list,
                         vat_number = excluded.vat_number, city = excluded.city, event_id = excluded.event_id`);
    this.remove = db.prepare(`DELETE FROM customers WHERE code = ? AND created_by = ?`);
    this.toOffice = db.prepare(`UPDATE customers SET agent = NULL, event_id = ? WHERE code = ? AND created_by = ?`);
    this.rename = db.prepare(`UPDATE customers SET code = ?, event_id = ? WHERE code = ? AND created_by = ?`);
    this.departed = db.prepare(`INSERT OR IGNORE INTO customer_departures (agent, code, created_by) VALUES (?, ?, ?)`);
    this.returned = db.prepare(`DELETE FROM customer_departures WHERE agent = ? AND code = ? AND created_by = ?`);
    this.recordRename = db.prepare(RECORD_RENAME);
    this.renamedAs = db.prepare(RENAMED_AS);
  }

  /**
   * A move (DESIGN §3, reassignment): the release drops the customer (the old agent no longer
   * shows it; at the sede the handover that follows puts it back), the handover puts it in
   * whole, with its new agent. At the sede that recorded it, a release to the office keeps the
   * customer, with no agent: the handover to the office is never published, so a sede restored
   * from a backup takes back the release alone (convergence seed 11 lost the customer).
   */
  customerReassigned(e: EventOf<"CustomerReassigned">): void {
    const d = e.data;
    if (d.handover === null) {
      if (d.to === null && e.origin === this.here) this.toOffice.run(e.id, d.customer, d.createdBy);
      else this.remove.run(d.customer, d.createdBy);
      if (d.from !== null) this.departed.run(d.from, d.customer, d.createdBy);
      return;
    }
    const r = d.handover.record;
    const renamedFrom = e.origin === this.here ? this.heldUnder(d.customer, d.createdBy, d.handover.formerCodes) : undefined;
    if (renamedFrom !== undefined) this.renameTo(renamedFrom, d.customer, d.createdBy, e.id, d.from);
    this.upsert.run(d.customer, d.createdBy, r.name, d.to, r.list, r.vatNumber, r.city, e.id);
    if (d.to !== null) this.returned.run(d.to, d.customer, d.createdBy);
  }

  /** The customer takes its new code; the old one is remembered as having left its agent. */
  customerRenamed(e: EventOf<"CustomerRenamed">): void {
    const d = e.data;
    this.recordRename.run(d.code, d.createdBy, d.newCode, d.agent, e.id);
    this.renameTo(d.code, d.newCode, d.createdBy, e.id, d.agent);
  }

  /**
   * A customer created after its code was renamed here (only on a database put back from a
   * backup, which takes its own events back first) takes the code its renames lead to.
   */
  private followRenames(code: string, createdBy: string): void {
    for (const step of renameSteps(this.renamedAs, code, createdBy)) {
      if (this.firstId.get(step.newCode, createdBy) !== undefined) return;
      this.renameTo(step.code, step.newCode, createdBy, step.eventId, step.agent);
    }
  }

  private renameTo(code: string, newCode: string, createdBy: string, eventId: string, agent: string | null): void {
    this.rename.run(newCode, eventId, code, createdBy);
    // An office customer's old code is remembered too (under no agent, ""), so that the sede
    // never numbers a new customer with it (convergence seed 2: the next customer got it).
    const holder = agent ?? "";
    this.departed.run(holder, code, createdBy);
    this.returned.run(holder, newCode, createdBy);
  }

  /**
   * At the sede that handed a customer over: the earlier code this database still holds it
   * under, when it does not hold the handed code. Only an office database put back from a backup
   * can: the rename of an office customer stays at the sede and does not come back with it.
   */
  private heldUnder(code: string, createdBy: string, former: readonly string[] | undefined): string | undefined {
    if (!former || this.firstId.get(code, createdBy) !== undefined) return undefined;
    return former.find((c) => this.firstId.get(c, createdBy) !== undefined);
  }

  /** An X row of agent `agent`'s snapshot: the customer is no longer the agent's. */
  departedRow(row: RowOf<"X">, agent: string): void {
    const [, code, createdBy, newCode] = row;
    const held = this.firstId.get(code, createdBy) as string | undefined;
    // Renamed, and held here under the old code only: renamed, with this PC's own edits (seed 951000042).
    if (newCode !== undefined && held !== undefined && this.firstId.get(newCode, createdBy) === undefined) {
      this.renameTo(code, newCode, createdBy, held, agent);
      return;
    }
    this.remove.run(code, createdBy);
    this.departed.run(agent, code, createdBy);
  }

  customerCreated(e: EventOf<"CustomerCreated">): void {
    const d = e.data;
    const other = this.otherCreator.get(d.code, e.origin) as string | undefined;
    const first = this.firstId.get(d.code, e.origin) as string | undefined;
    const conflict = customerCodeConflict(d.code, d.name, e.origin, e.id, first, other);
    if (first === undefined) {
      this.insert.run(d.code, e.origin, d.name, d.agent, d.list, d.vatNumber, d.city, e.id);
      this.followRenames(d.code, e.origin);
    }
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
