import type Database from "better-sqlite3";
import { decodePayload, type EventOf, type HandedPrice } from "../events/eventTypes.js";
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
  private readonly held: Database.Statement;
  private readonly dropAll: Database.Statement;
  private ownAfter: Database.Statement | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly conflicts: ConflictsProjection,
  ) {
    this.current = db.prepare(`SELECT hlc, origin, event_id AS id FROM special_prices WHERE customer = ? AND product = ?`);
    this.put = db.prepare(`INSERT INTO special_prices (customer, product, price, discounts, removed, hlc, origin, event_id)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                     ON CONFLICT (customer, product) DO UPDATE SET price = excluded.price, discounts = excluded.discounts,
                     removed = excluded.removed, hlc = excluded.hlc, origin = excluded.origin, event_id = excluded.event_id`);
    this.held = db.prepare(`SELECT 1 FROM customers WHERE code = ? LIMIT 1`).pluck(true);
    this.dropAll = db.prepare(`DELETE FROM special_prices WHERE customer = ?`);
  }

  /**
   * Run after the customers' evolve. A release drops the special prices of a code no customer
   * here has any more; a handover brings them, each competing by the most-recent rule.
   */
  customerReassigned(e: EventOf<"CustomerReassigned">): void {
    const d = e.data;
    if (d.handover === null) {
      this.dropUnheld(d.customer);
      return;
    }
    this.putHanded(d.customer, d.handover.specialPrices);
    // Prices left under an earlier code the customer no longer has (customers.ts, heldUnder).
    for (const code of d.handover.formerCodes ?? []) this.dropUnheld(code);
    if (d.to !== null && d.handover.heard !== null) this.reapplyUnheard(e, d.customer, d.to, d.handover.heard);
  }

  /**
   * The new agent's own changes to this customer's special prices that the sede had not received
   * when it handed the customer over (after event `heard`), recorded before this node applied the
   * handover: the release had dropped them here, but they reach the sede after the handover and
   * stand there, so here they compete again. On the agent these are its changes still in transit;
   * at the sede there are none (it records the handover after all it had received).
   */
  private reapplyUnheard(handover: { origin: string; seq: number }, customer: string, agent: string, heard: number): void {
    // Prepared when first needed: the log's tables are not there where only the projections are.
    this.ownAfter ??= this.db.prepare(
      `SELECT id, origin, seq, hlc, at, type, data FROM events
        WHERE origin = ? AND seq > ? AND type IN ('SpecialPriceSet', 'SpecialPriceRemoved')
          AND pos < (SELECT pos FROM events WHERE origin = ? AND seq = ?) AND pos NOT IN (SELECT pos FROM quarantined)
        ORDER BY pos`,
    );
    const rows = this.ownAfter.all(agent, heard, handover.origin, handover.seq) as Array<{ id: string; origin: string; seq: number; hlc: string; at: string; type: string; data: string }>;
    for (const row of rows) {
      const data = decodePayload(row.data) as { customer: string };
      if (data.customer !== customer) continue;
      const e = { ...row, data } as EventOf<"SpecialPriceSet"> | EventOf<"SpecialPriceRemoved">;
      if (e.type === "SpecialPriceSet") this.specialPriceSet(e);
      else this.specialPriceRemoved(e);
    }
  }

  private putHanded(customer: string, prices: readonly HandedPrice[]): void {
    for (const p of prices) {
      if (!replaces(p, this.current.get(customer, p.product) as Stamp | undefined)) continue;
      this.put.run(customer, p.product, p.price, JSON.stringify(p.price === null ? [] : p.discounts), p.price === null ? 1 : 0, p.hlc, p.origin, p.id);
    }
  }

  /**
   * Run after the customers' evolve: the new code gets the special prices the event carries (see
   * its payload), and those of the old code go once no customer here has that code any more.
   */
  customerRenamed(e: EventOf<"CustomerRenamed">): void {
    const { code, newCode } = e.data;
    this.dropAll.run(newCode);
    this.putHanded(newCode, e.data.specialPrices);
    this.dropUnheld(code);
  }

  /** The special prices of a code no customer here has any more are dropped (an X row, a release). */
  dropUnheld(customer: string): void {
    if (this.held.get(customer) === undefined) this.dropAll.run(customer);
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
