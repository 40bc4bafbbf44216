import type Database from "better-sqlite3";
import { SegmentError } from "../errors.js";
import type { ReceiveResult, SincroNode } from "../node/sincroNode.js";
import { decodeSegment, decodeSnapshot, type SnapshotRow } from "../wire/segmentCodec.js";
import { CATALOGUE, SEDE, producerOf, type StreamName } from "../wire/streams.js";
import { mayShip } from "../node/route.js";
import type { EventEnvelope } from "../events/envelope.js";

/**
 * The named steps of a sync, in order. A {@link StepHook} is called at each; a hook that throws
 * simulates a crash there (tests prove every step recoverable). `apply` and `cursor-update`
 * run inside the segment's transaction, so a crash there rolls the whole segment back.
 */
export type SyncStep = "seal" | "upload" | "rename" | "apply" | "cursor-update" | "ack-write" | "prune";

export type StepHook = (step: SyncStep, where: { stream: StreamName; file?: string }) => void;

const noHook: StepHook = () => {};

export interface Cursor {
  stream: StreamName;
  /** Last segment applied (or covered by the snapshot applied); -1 before anything was. */
  segment: number;
  offset: number;
  sha256: string;
  acked: number;
  blocked: string | null;
  lastSync: string | null;
}

/**
 * The receiver side of shipping: applies verified segments and snapshots strictly in order,
 * each in one transaction together with the stream cursor, so every event is applied exactly
 * once whatever fails when (DESIGN §4.3–4.4).
 */
export class Inbox {
  private readonly db: Database.Database;

  constructor(private readonly node: SincroNode) {
    this.db = node.db;
  }

  cursor(stream: StreamName): Cursor | undefined {
    return this.db
      .prepare(
        `SELECT stream, segment, offset, sha256, acked, blocked, last_sync AS lastSync FROM inbox_cursors WHERE stream = ?`,
      )
      .get(stream) as Cursor | undefined;
  }

  cursors(): Cursor[] {
    return this.db
      .prepare(`SELECT stream, segment, offset, sha256, acked, blocked, last_sync AS lastSync FROM inbox_cursors ORDER BY stream`)
      .all() as Cursor[];
  }

  private setCursor(stream: StreamName, segment: number, offset: number, sha256: string): void {
    this.db
      .prepare(
        `INSERT INTO inbox_cursors (stream, segment, offset, sha256, last_sync) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (stream) DO UPDATE SET segment = excluded.segment, offset = excluded.offset, sha256 = excluded.sha256,
         blocked = NULL, last_sync = excluded.last_sync`,
      )
      .run(stream, segment, offset, sha256, new Date(this.node.nowMs()).toISOString());
  }

  /** On a restored office: the stream goes on after `segment` (its events up to `offset` are back), as if applied. */
  moveTo(stream: StreamName, segment: number, offset: number, sha256: string): void {
    this.setCursor(stream, segment, offset, sha256);
  }

  /** Marks the stream blocked (a file failed verification); the next sync tries again. */
  block(stream: StreamName, reason: string): void {
    this.db
      .prepare(
        `INSERT INTO inbox_cursors (stream, segment, offset, sha256, blocked) VALUES (?, -1, 0, '', ?)
         ON CONFLICT (stream) DO UPDATE SET blocked = excluded.blocked`,
      )
      .run(stream, reason);
  }

  /** The stream is no longer blocked: what stopped it is gone and nothing is missing (nothing new was applied, so the cursor stays). */
  unblock(stream: StreamName): void {
    this.db.prepare(`UPDATE inbox_cursors SET blocked = NULL WHERE stream = ?`).run(stream);
  }

  markAcked(stream: StreamName, segment: number): void {
    this.db.prepare(`UPDATE inbox_cursors SET acked = ? WHERE stream = ?`).run(segment, stream);
  }

  touch(stream: StreamName): void {
    this.db.prepare(`UPDATE inbox_cursors SET last_sync = ? WHERE stream = ?`).run(new Date(this.node.nowMs()).toISOString(), stream);
  }

  /**
   * Verifies segment `number` of `stream` and applies it with the cursor in one transaction.
   * Refuses (SegmentError naming `file`) a segment that is not the next one or does not chain
   * to the last one applied.
   */
  applySegment(stream: StreamName, number: number, file: string, bytes: Buffer, hook: StepHook = noHook): ReceiveResult & { events: number } {
    const { header, events, sha256 } = decodeSegment(bytes, file, { stream, number });
    checkAuthority(stream, file, header.producer, events);
    return this.node.batch(() => {
      const cursor = this.cursor(stream);
      const at = cursor && cursor.segment >= 0 ? cursor : { segment: 0, offset: 0, sha256: "" };
      if (number !== at.segment + 1) {
        throw new SegmentError(file, `apply ${file}: expected segment ${at.segment + 1} of ${stream}, got ${number}`, { code: "OUT_OF_ORDER" });
      }
      if (header.prev !== at.sha256) {
        throw new SegmentError(
          file,
          `apply ${file}: does not chain to segment ${at.segment} of ${stream} (previous-segment hash differs): the stream was rewritten, or another PC publishes under this code`,
          { code: "BROKEN_CHAIN" },
        );
      }
      if (header.first !== at.offset + 1) {
        throw new SegmentError(file, `apply ${file}: starts at offset ${header.first}, expected ${at.offset + 1}`, { code: "OUT_OF_ORDER" });
      }
      hook("apply", { stream, file });
      const result = this.node.receive(events, { source: file });
      const seen = new Date(this.node.nowMs()).toISOString();
      const skew = this.db.prepare(`INSERT OR IGNORE INTO clock_skew (origin, seq, ahead_ms, seen) VALUES (?, ?, ?, ?)`);
      for (const s of result.skewed) skew.run(s.origin, s.seq, s.aheadMs, seen);
      hook("cursor-update", { stream, file });
      this.setCursor(stream, number, header.last, sha256);
      return { ...result, events: events.length };
    });
  }

  /**
   * Verifies a snapshot and, if it is ahead of the cursor, loads it: the bytes are kept, a
   * `SnapshotApplied` event records it, its rows are projected, and the cursor moves to the
   * segment it covers — one transaction.
   */
  applySnapshot(stream: StreamName, number: number, file: string, bytes: Buffer, hook: StepHook = noHook): { rows: number; applied: boolean } {
    const { header, sha256, rows } = decodeSnapshot(bytes, file, { stream, number });
    return this.node.batch(() => {
      const cursor = this.cursor(stream);
      if (cursor && cursor.segment >= header.segment) return { rows: header.count, applied: false };
      this.db
        .prepare(`INSERT OR IGNORE INTO inbox_snapshots (sha256, stream, number, bytes) VALUES (?, ?, ?, ?)`)
        .run(sha256, stream, number, bytes);
      hook("apply", { stream, file });
      // An agent's snapshot holds special prices with the HLCs that set them; the catalogue's rows carry none.
      const seen = stream === CATALOGUE ? undefined : newestHlc(rows());
      this.node.recordSystemEvent({ type: "SnapshotApplied", data: { stream, segment: header.segment, sha256, rows: header.count } }, seen);
      hook("cursor-update", { stream, file });
      this.setCursor(stream, header.segment, header.offset, header.segmentSha256);
      return { rows: header.count, applied: true };
    });
  }
}

/**
 * A stream's segments speak for its producer only (DESIGN §7): every event's origin is the
 * producer, and of a type that role ships. Otherwise the whole file is refused, naming the line.
 */
export function checkAuthority(stream: StreamName, file: string, producer: string, events: readonly EventEnvelope[]): void {
  const writer = producerOf(stream);
  if (producer !== writer) {
    throw new SegmentError(file, `read ${file}: header names producer ${JSON.stringify(producer).slice(0, 40)}, but only ${writer} writes ${stream}`, { code: "NOT_AUTHORIZED" });
  }
  const role = writer === SEDE ? "sede" : "agent";
  events.forEach((e, i) => {
    if (e.origin !== writer) {
      throw new SegmentError(file, `read ${file}: event line ${i + 2} claims origin ${JSON.stringify(e.origin).slice(0, 40)}, but ${stream} carries only ${writer}'s own events`, {
        code: "NOT_AUTHORIZED",
      });
    }
    if (!mayShip(e.type, role)) {
      throw new SegmentError(file, `read ${file}: event line ${i + 2} is a ${JSON.stringify(e.type).slice(0, 40)}, which ${role === "sede" ? "the sede" : "an agent"} never sends`, {
        code: "NOT_AUTHORIZED",
      });
    }
  });
}

/** The highest HLC among a snapshot's special-price rows (the only rows that carry one). */
function newestHlc(rows: Iterable<SnapshotRow>): string | undefined {
  let newest: string | undefined;
  for (const r of rows) if (r[0] === "S" && (newest === undefined || r[5] > newest)) newest = r[5];
  return newest;
}
