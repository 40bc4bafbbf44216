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

  /** Every event in the order to replay it (see {@link replayOrderStatement}; append order but on a restored office), streamed. */
  replayOrder(here: string): IterableIterator<EventEnvelope> {
    const { statement, params } = replayOrderStatement(this.db, here, COLUMNS.split(", ").map((c) => `x.${c}`).join(", "));
    return statement.iterate(...params) as IterableIterator<EventEnvelope>;
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

/**
 * Where a restored office's own events may stand out of number order in its log: from the first
 * number it may have lost with a backup put back (`numbering_base` kind `lost`, recorded when
 * the office went on after its signed head). Its own events published after the backup come back
 * stream by stream, so they are appended in the order the streams give them, after anything
 * entered meanwhile. Undefined for every other log.
 */
export function restoredFrom(db: Database.Database): number | undefined {
  return lostWithRestore(db)[0]?.from;
}

/** The own numbers a restored office may have lost, one range per backup put back (see {@link restoredFrom}), with when. */
export function lostWithRestore(db: Database.Database): Array<{ from: number; to: number; on: string }> {
  const hasBase = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'numbering_base'`).get();
  if (!hasBase) return [];
  const rows = db.prepare(`SELECT key, value, text FROM numbering_base WHERE kind = 'lost'`).all() as Array<{ key: string; value: number; text: string }>;
  return rows.map((r) => ({ from: Number(r.key), to: r.value, on: r.text })).sort((a, b) => a.from - b.from);
}

/**
 * A statement selecting `columns` (of table alias `x`) of every event in the order to replay it:
 * log order, except that on a restored office (see {@link restoredFrom}) its own events from
 * that number on fill the places they hold in the log in number order, as the office recorded
 * them. `where` filters on alias `x`; `pos` is the event's own position. Bound: `here` (the node).
 */
export function replayOrderStatement(db: Database.Database, here: string, columns: string, where = "1"): { statement: Database.Statement; params: unknown[] } {
  const from = restoredFrom(db);
  if (from === undefined) return { statement: db.prepare(`SELECT ${columns} FROM events x WHERE ${where} ORDER BY x.pos`), params: [] };
  const statement = db.prepare(
    `WITH slots AS (SELECT pos, row_number() OVER (ORDER BY pos) AS k FROM events WHERE origin = @here AND seq >= @from),
          numbered AS (SELECT pos, row_number() OVER (ORDER BY seq) AS k FROM events WHERE origin = @here AND seq >= @from)
     SELECT ${columns} FROM events e
       LEFT JOIN slots s ON s.pos = e.pos
       LEFT JOIN numbered n ON n.k = s.k
       JOIN events x ON x.pos = coalesce(n.pos, e.pos)
      WHERE ${where}
      ORDER BY e.pos`,
  );
  return { statement, params: [{ here, from }] };
}
