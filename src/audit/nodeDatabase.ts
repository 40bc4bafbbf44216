import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { RefusedError, say } from "../errors.js";
import type { EventEnvelope } from "../events/envelope.js";
import { lostWithRestore, replayOrderStatement } from "../events/eventLog.js";
import type { SnapshotLoader } from "../projections/projector.js";
import { decodeSnapshot } from "../wire/segmentCodec.js";

/**
 * A node's database opened read-only for an audit: nothing is written to the file audited (no
 * schema upgrade, no journal mode change), so auditing cannot change what it audits.
 */
export class NodeDatabase {
  readonly db: Database.Database;
  readonly node: string;
  /** Own numbers a restored office may have lost with its backup (recorded when it was put back). */
  readonly lost: ReadonlyArray<{ from: number; to: number; on: string }>;
  readonly role: string;
  /** The last own seq (and hash) the sede held when this PC was reinstalled; null when none. */
  readonly base: { seq: number; hash: string } | null;

  /** `operation` starts every message: `audit sede.db: …`, `history sede.db: …`. */
  constructor(
    readonly file: string,
    private readonly operation = "audit",
  ) {
    if (!existsSync(file)) throw new RefusedError("db", `${operation} ${file}: no such file`, { code: "NO_NODE", say: say("refused.noSuchFile", { what: operation, file }) });
    try {
      this.db = new Database(file, { readonly: true, fileMustExist: true });
    } catch (cause) {
      throw new RefusedError("db", `${operation} ${file}: cannot open it read-only (${(cause as Error).message})`, {
        cause,
        code: "NOT_A_NODE",
        say: say("audit.refused.cannotOpen", { what: operation, file, why: (cause as Error).message }),
      });
    }
    try {
      const config = (key: string) => (this.db.prepare(`SELECT value FROM node_config WHERE key = ?`).get(key) as { value: string } | undefined)?.value;
      const node = config("node");
      if (node === undefined) throw new Error("no node id in node_config");
      this.node = node;
      this.role = config("role") ?? "";
      const hasBase = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'numbering_base'`).get();
      const row = hasBase
        ? (this.db.prepare(`SELECT value, text FROM numbering_base WHERE kind = 'seq' AND key = ?`).get(node) as { value: number; text: string } | undefined)
        : undefined;
      // A restored office holds its log from seq 1: its base only says where numbering went on.
      const holdsFirst = this.db.prepare(`SELECT 1 FROM events WHERE origin = ? AND seq = 1`).get(node) !== undefined;
      this.base = row && !holdsFirst ? { seq: row.value, hash: row.text } : null;
      this.lost = lostWithRestore(this.db);
    } catch (cause) {
      this.db.close();
      throw new RefusedError("db", `${operation} ${file}: not a sincro node database (${(cause as Error).message})`, {
        cause,
        code: "NOT_A_NODE",
        say: say("audit.refused.notANode", { what: operation, file, why: (cause as Error).message }),
      });
    }
  }

  /**
   * The log in the node's order, streamed; `pos` is the local append position. Rows are read
   * raw (as arrays), which halves better-sqlite3's per-row cost on a million-event log.
   */
  *iterate(): Generator<EventEnvelope & { pos: number }> {
    // A restored office's own events in number order, as its rebuild replays them (replayOrderStatement).
    const { statement, params } = replayOrderStatement(this.db, this.node, "x.pos, x.id, x.origin, x.seq, x.hlc, x.at, x.type, x.v, x.data, x.prev, x.hash");
    const rows = statement.raw(true).iterate(...params) as IterableIterator<[number, string, string, number, string, string, string, number, string, string, string]>;
    for (const r of rows) yield { pos: r[0], id: r[1], origin: r[2], seq: r[3], hlc: r[4], at: r[5], type: r[6], v: r[7], data: r[8], prev: r[9], hash: r[10] };
  }

  /** The events the node quarantined (DESIGN §7), by position, with why; empty for a node from before quarantine. */
  quarantined(): Map<number, string> {
    const exists = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'quarantined'`).get();
    if (!exists) return new Map();
    const rows = this.db.prepare(`SELECT pos, reason FROM quarantined`).all() as Array<{ pos: number; reason: string }>;
    return new Map(rows.map((r) => [r.pos, r.reason]));
  }

  /**
   * Ids carried by more than one event, each with the events that carry it (origin#seq, in log
   * order). The log indexes only received ids, so this is where a received copy of one of the
   * node's own ids shows.
   */
  repeatedIds(): Array<{ id: string; refs: string[] }> {
    const rows = this.db
      .prepare(
        `SELECT id, group_concat(origin || '#' || seq, ' ') AS refs FROM (SELECT pos, id, origin, seq FROM events ORDER BY pos)
         GROUP BY id HAVING count(*) > 1 ORDER BY min(pos)`,
      )
      .all() as Array<{ id: string; refs: string }>;
    return rows.map((r) => ({ id: r.id, refs: r.refs.split(" ") }));
  }

  /** Loads a snapshot the node applied, from the bytes it kept (verified again on the way). */
  readonly loadSnapshot: SnapshotLoader = (sha256) => {
    const row = this.db.prepare(`SELECT stream, number, bytes FROM inbox_snapshots WHERE sha256 = ?`).get(sha256) as
      | { stream: string; number: number; bytes: Buffer }
      | undefined;
    if (!row) throw new RefusedError("snapshot", `${this.operation} ${this.file}: snapshot ${sha256} is not kept in the database`, {
        code: "MISSING_SNAPSHOT",
        say: say("audit.refused.snapshotNotKept", { what: this.operation, file: this.file, sha256 }),
      });
    const decoded = decodeSnapshot(row.bytes, `kept snapshot ${row.stream} #${row.number}`, { stream: row.stream, number: row.number });
    return { stream: row.stream, rows: decoded.rows() };
  };

  close(): void {
    if (this.db.open) this.db.close();
  }
}
