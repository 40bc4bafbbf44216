import type Database from "better-sqlite3";
import type { EventEnvelope } from "./envelope.js";

/**
 * The append-only log table (DESIGN §2). Inserting is the only write; SQLite triggers refuse
 * UPDATE and DELETE. Callers wrap appends in the transaction that also updates projections.
 */
export class EventLog {
  private readonly insertStmt: Database.Statement;
  private readonly headStmt: Database.Statement;
  private readonly bySeqStmt: Database.Statement;
  private readonly localHeadStmt: Database.Statement;
  private readonly maxHlcStmt: Database.Statement;
  private readonly quarantineStmt: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO events (id, origin, seq, hlc, at, type, v, data, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.headStmt = db.prepare(`SELECT seq, hash FROM events WHERE origin = ? ORDER BY seq DESC LIMIT 1`);
    this.bySeqStmt = db.prepare(`SELECT ${COLUMNS} FROM events WHERE origin = ? AND seq = ?`);
    this.localHeadStmt = db
      .prepare(
        `SELECT pos, seq, hash, id, (SELECT max(hlc) FROM events WHERE pos >= e.pos AND pos NOT IN (SELECT pos FROM quarantined)) FROM events e WHERE origin = ? ORDER BY seq DESC LIMIT 1`,
      )
      .raw(true);
    this.maxHlcStmt = db.prepare(`SELECT max(hlc) FROM events WHERE pos NOT IN (SELECT pos FROM quarantined)`).pluck(true);
    this.quarantineStmt = db.prepare(`INSERT INTO quarantined (pos, reason, at) VALUES (?, ?, ?)`);
  }

  /** The last event recorded for `origin`, or undefined when the log has none. */
  head(origin: string): { seq: number; hash: string } | undefined {
    return this.headStmt.get(origin) as { seq: number; hash: string } | undefined;
  }

  /**
   * The node's own last event (its seq, hash and id) and the highest HLC recorded at or after
   * it (quarantined events aside), which is the node's hybrid clock as the log implies it (local HLCs only grow, and each
   * exceeds all it followed): derived, not stored, so no extra row is written per event.
   * Undefined when the node has recorded nothing.
   */
  localHead(origin: string): { seq: number; hash: string; id: string; clock: string } | undefined {
    const row = this.localHeadStmt.get(origin) as [number, number, string, string, string] | undefined;
    return row && { seq: row[1], hash: row[2], id: row[3], clock: row[4] };
  }

  /** Marks the event at `pos` as quarantined: kept, never projected, not part of the clock. */
  quarantine(pos: number, reason: string, at: string): void {
    this.quarantineStmt.run(pos, reason, at);
  }

  /** The quarantined events, in log order, with why. */
  quarantined(): Array<{ origin: string; seq: number; type: string; hlc: string; reason: string; at: string }> {
    return this.db
      .prepare(`SELECT e.origin, e.seq, e.type, e.hlc, q.reason, q.at FROM quarantined q JOIN events e ON e.pos = q.pos ORDER BY q.pos`)
      .all() as Array<{ origin: string; seq: number; type: string; hlc: string; reason: string; at: string }>;
  }

  /** The highest HLC in the log (quarantined events aside): the clock of a node that has recorded nothing of its own yet. */
  maxHlc(): string | undefined {
    return (this.maxHlcStmt.get() as string | null) ?? undefined;
  }

  append(e: EventEnvelope): number {
    const r = this.insertStmt.run(e.id, e.origin, e.seq, e.hlc, e.at, e.type, e.v, e.data, e.prev, e.hash);
    return Number(r.lastInsertRowid);
  }

  /** The events of `origin` after `seq`, in seq order. */
  ownedAfter(origin: string, seq: number): EventEnvelope[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE origin = ? AND seq > ? ORDER BY seq`).all(origin, seq) as EventEnvelope[];
  }

  get(origin: string, seq: number): EventEnvelope | undefined {
    return this.bySeqStmt.get(origin, seq) as EventEnvelope | undefined;
  }

  count(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM events`).get() as { n: number }).n;
  }

  /** Every event in local append order, streamed (never loaded whole). */
  iterate(): IterableIterator<EventEnvelope> {
    return this.db.prepare(`SELECT ${COLUMNS} FROM events ORDER BY pos`).iterate() as IterableIterator<EventEnvelope>;
  }

  /** Events in append order after local position `afterPos`, at most `limit`. */
  page(afterPos: number, limit: number): Array<EventEnvelope & { pos: number }> {
    return this.db.prepare(`SELECT pos, ${COLUMNS} FROM events WHERE pos > ? ORDER BY pos LIMIT ?`).all(afterPos, limit) as Array<
      EventEnvelope & { pos: number }
    >;
  }

  origins(): Array<{ origin: string; events: number; lastSeq: number }> {
    return this.db
      .prepare(`SELECT origin, count(*) AS events, max(seq) AS lastSeq FROM events GROUP BY origin ORDER BY origin`)
      .all() as Array<{ origin: string; events: number; lastSeq: number }>;
  }
}

const COLUMNS = "id, origin, seq, hlc, at, type, v, data, prev, hash";
