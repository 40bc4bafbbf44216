import type Database from "better-sqlite3";
import { decodeEnvelope } from "../wire/envelopeCodec.js";
import type { EventEnvelope } from "../events/envelope.js";
import type { DecodedEvent, EventType } from "../events/eventTypes.js";
import { AGENT_TO_SEDE_TYPES, SEDE_TO_AGENT_TYPES, routeEvent, type RouteLookup } from "./route.js";
import { Keyring } from "./keyring.js";
import { snapshotState } from "../projections/snapshotState.js";
import { encodeFile, encodeSegment, SNAPSHOT_FORMAT } from "../wire/segmentCodec.js";
import { inAgentSnapshot } from "../wire/snapshotRows.js";
import { SEDE, sedeToAgent, type StreamName } from "../wire/streams.js";

export interface OutboxFile {
  stream: StreamName;
  kind: "segment" | "snapshot";
  number: number;
  first: number;
  last: number;
  sha256: string;
  size: number;
  sealed: string;
  uploaded: string | null;
  pruned: string | null;
}

/**
 * The last offset assigned in a stream (two parameters, both the stream): the last one held here
 * or, on a reinstalled agent PC, the last one the PC it replaces published (the offset part of
 * the segment base, "offset:sha256", see `segmentBase`; on a restored office, the position its
 * newest head gives), whichever is later, else 0. Read in the routing insert
 * itself, so a command pays one statement for its offset.
 */
const LAST_OFFSET = `max(
  coalesce((SELECT offset FROM stream_entries WHERE stream = ? ORDER BY offset DESC LIMIT 1), 0),
  coalesce((SELECT CAST(substr(text, 1, instr(text, ':') - 1) AS INTEGER) FROM numbering_base WHERE kind = 'segment' AND key = ?), 0))`;

/** An SQL list of event type names (identifiers of the spec tables, so safe to inline). */
const sqlTypes = (types: readonly string[]): string => types.map((t) => `'${t}'`).join(", ");

/** The sede's events that may belong in an agent's stream: routed again when the agent is registered. */
export const BACKFILL_TYPES: readonly EventType[] = SEDE_TO_AGENT_TYPES;

/** What an agent ships to the sede that the agent's snapshot carries: received after it, they make it stale. */
export const SNAPSHOT_STALE_TYPES: readonly EventType[] = AGENT_TO_SEDE_TYPES.filter(inAgentSnapshot);

/** Most events in one segment: bounds memory when sealing and applying. */
export const SEGMENT_MAX_EVENTS = 5_000;

/**
 * The producer side of shipping, all synchronous and inside the caller's transactions:
 * routing each local event to its streams with a gapless offset, sealing runs of offsets into
 * segment files, and building snapshots (DESIGN §4.2–4.4).
 */
export class Outbox {
  private readonly s: Record<string, Database.Statement>;
  private readonly lookup: RouteLookup;
  private readonly keyring: Keyring;

  constructor(
    private readonly db: Database.Database,
    private readonly node: string,
  ) {
    this.keyring = new Keyring(db);
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      lastOffset: p(`SELECT ${LAST_OFFSET}`).pluck(true),
      assignNext: p(`INSERT INTO stream_entries (stream, offset, pos) VALUES (?, ${LAST_OFFSET} + 1, ?)`),
      customerAgent: p(`SELECT agent FROM customers WHERE code = ? ORDER BY created_by = 'SEDE' DESC LIMIT 1`).pluck(true),
      lastFile: p(`SELECT number, last, sha256 FROM outbox_files WHERE stream = ? AND kind = 'segment' ORDER BY number DESC LIMIT 1`),
      entries: p(
        `SELECT e.id, e.origin, e.seq, e.hlc, e.at, e.type, e.v, e.data, e.prev, e.hash, s.offset
         FROM stream_entries s JOIN events e ON e.pos = s.pos WHERE s.stream = ? AND s.offset > ? ORDER BY s.offset LIMIT ?`,
      ),
      insertFile: p(
        `INSERT INTO outbox_files (stream, kind, number, first, last, sha256, bytes, size, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      lastSnapshot: p(`SELECT number, last FROM outbox_files WHERE stream = ? AND kind = 'snapshot' ORDER BY number DESC LIMIT 1`),
    };
    this.lookup = {
      customerAgent: (code) => (this.s.customerAgent?.get(code) as string | null | undefined) ?? null,
      retired: (agent) => this.keyring.isRetiring(agent),
    };
  }

  private lastOffset(stream: StreamName): number {
    return (this.s.lastOffset as Database.Statement).get(stream, stream) as number;
  }

  /**
   * The last segment sealed for `stream`, here or — on a reinstalled agent PC — by the PC this
   * one replaces (its number, last offset and hash come from the parking area at the first sync).
   */
  private lastSegment(stream: StreamName): { number: number; last: number; sha256: string } | undefined {
    return ((this.s.lastFile as Database.Statement).get(stream) as { number: number; last: number; sha256: string } | undefined) ?? this.segmentBase(stream);
  }

  private segmentBase(stream: StreamName): { number: number; last: number; sha256: string } | undefined {
    const row = this.db.prepare(`SELECT value, text FROM numbering_base WHERE kind = 'segment' AND key = ?`).get(stream) as
      | { value: number; text: string }
      | undefined;
    if (!row) return undefined;
    const [offset, sha256] = row.text.split(":") as [string, string];
    return { number: row.value, last: Number(offset), sha256 };
  }

  private assignNext(stream: StreamName, pos: number): void {
    (this.s.assignNext as Database.Statement).run(stream, stream, stream, pos);
  }

  /** Assigns a just-appended local event (at log position `pos`) to its streams. */
  route(e: DecodedEvent, pos: number): void {
    for (const stream of routeEvent(e, this.node, this.lookup)) {
      this.assignNext(stream, pos);
    }
    if (e.type === "AgentRegistered" && this.node === SEDE) this.backfill(e.data.code);
  }

  /** Assigns to a new agent's stream what the log already holds for it (DESIGN §4.2). */
  private backfill(agent: string): void {
    const stream = sedeToAgent(agent);
    const candidates = this.db
      .prepare(
        `SELECT pos, id, origin, seq, hlc, at, type, v, data, prev, hash FROM events
         WHERE origin = ? AND type IN (${sqlTypes(BACKFILL_TYPES)}) ORDER BY pos`,
      )
      .all(SEDE) as Array<EventEnvelope & { pos: number }>;
    for (const c of candidates) {
      if (routeEvent(decodeEnvelope(c), this.node, this.lookup).includes(stream)) this.assignNext(stream, c.pos);
    }
  }

  /** Offsets assigned to `stream` that no sealed segment holds yet. */
  /**
   * On a restored agent PC, once its own events are back: everything of `stream` up to the
   * office's ack (segment, last offset, hash) counts as published and pruned, so the next
   * segment follows it. False, changing nothing, when this PC's offsets do not end there.
   */
  adoptAcked(stream: StreamName, ack: { segment: number; offset: number; sha256: string }): boolean {
    if (this.lastOffset(stream) !== ack.offset) return false;
    const at = new Date().toISOString();
    const first = (this.lastSegment(stream)?.last ?? 0) + 1;
    this.db
      .prepare(`UPDATE outbox_files SET uploaded = coalesce(uploaded, ?), pruned = coalesce(pruned, ?), bytes = NULL WHERE stream = ? AND kind = 'segment' AND number <= ?`)
      .run(at, at, stream, ack.segment);
    this.db
      .prepare(
        `INSERT INTO outbox_files (stream, kind, number, first, last, sha256, bytes, size, sealed, uploaded, pruned) VALUES (?, 'segment', ?, ?, ?, ?, NULL, 0, ?, ?, ?)
         ON CONFLICT (stream, kind, number) DO UPDATE SET first = excluded.first, last = excluded.last, sha256 = excluded.sha256, bytes = NULL, uploaded = excluded.uploaded, pruned = excluded.pruned`,
      )
      .run(stream, ack.segment, Math.min(first, ack.offset), ack.offset, ack.sha256, at, at, at);
    return true;
  }

  /**
   * On a restored office database: everything of `stream` up to `at` (the last segment the
   * office published before, from its signed head) counts as published, so the next segment is
   * numbered after it and chains to it, and offsets go on after its last. Files sealed here up
   * to that number are not uploaded again (the original PC uploaded the same, or newer ones);
   * those in `stillServed` (on the server as held here) keep their bytes, published and not
   * pruned, so a reader that asks gets them again; the others count as pruned.
   */
  adoptPublished(stream: StreamName, at: { segment: number; offset: number; sha256: string }, stillServed: ReadonlyArray<{ kind: "segment" | "snapshot"; number: number }> = []): void {
    const now = new Date().toISOString();
    const served = JSON.stringify(stillServed.map((f) => `${f.kind}:${f.number}`));
    this.db
      .prepare(
        `UPDATE outbox_files SET uploaded = coalesce(uploaded, @now),
         pruned = CASE WHEN kind || ':' || number IN (SELECT value FROM json_each(@served)) THEN pruned ELSE coalesce(pruned, @now) END,
         bytes = CASE WHEN kind || ':' || number IN (SELECT value FROM json_each(@served)) THEN bytes ELSE NULL END
         WHERE stream = @stream AND number <= @upTo`,
      )
      .run({ now, served, stream, upTo: at.segment });
    this.recordPublished(stream, at.segment, at.offset - 1, at.offset, at.sha256);
    this.db
      .prepare(
        `INSERT INTO numbering_base (kind, key, value, text) VALUES ('segment', ?, ?, ?)
         ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, text = excluded.text`,
      )
      .run(stream, at.segment, `${at.offset}:${at.sha256}`);
  }

  /** The files of `stream` numbered up to `upTo` whose bytes are held here and not pruned. */
  heldUpTo(stream: StreamName, upTo: number): Array<{ kind: "segment" | "snapshot"; number: number; bytes: Buffer }> {
    return this.db
      .prepare(`SELECT kind, number, bytes FROM outbox_files WHERE stream = ? AND number <= ? AND bytes IS NOT NULL AND pruned IS NULL ORDER BY number, kind`)
      .all(stream, upTo) as Array<{ kind: "segment" | "snapshot"; number: number; bytes: Buffer }>;
  }

  /**
   * On a restored office whose copy already holds segment `at.segment` of `stream`: remembers it
   * as the head's position (see {@link lastSegmentAdopted}), changing no file.
   */
  rememberHeadPosition(stream: StreamName, at: { segment: number; offset: number; sha256: string }): void {
    this.db
      .prepare(
        `INSERT INTO numbering_base (kind, key, value, text) VALUES ('segment', ?, ?, ?)
         ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, text = excluded.text WHERE excluded.value > numbering_base.value`,
      )
      .run(stream, at.segment, `${at.offset}:${at.sha256}`);
  }

  /**
   * On a restored office: segment `number` of `stream` as published. With its `bytes` (taken back
   * from the server or an agent's copy, verified), it is kept as published and not yet pruned, so
   * a reader that finds it damaged or missing gets it again; without, as published and pruned.
   */
  recordPublished(stream: StreamName, number: number, first: number, last: number, sha256: string, bytes?: Buffer): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO outbox_files (stream, kind, number, first, last, sha256, bytes, size, sealed, uploaded, pruned) VALUES (@stream, 'segment', @number, @first, @last, @sha256, @bytes, @size, @now, @now, @pruned)
         ON CONFLICT (stream, kind, number) DO UPDATE SET first = excluded.first, last = excluded.last, sha256 = excluded.sha256, bytes = excluded.bytes, size = excluded.size,
         uploaded = coalesce(outbox_files.uploaded, excluded.uploaded), pruned = CASE WHEN excluded.bytes IS NULL THEN coalesce(outbox_files.pruned, excluded.pruned) ELSE NULL END`,
      )
      .run({ stream, number, first: Math.min(first, last + 1), last, sha256, bytes: bytes ?? null, size: bytes?.length ?? 0, now, pruned: bytes ? null : now });
  }

  /**
   * Whether the last segment of `stream` is at or before the position a restored office took
   * from its head (only recorded as published, or sealed by this copy before the backup): a
   * snapshot must not take its number, which the office may have used for a snapshot of its own
   * after the backup; an empty segment goes first.
   */
  lastSegmentAdopted(stream: StreamName): boolean {
    const row = this.db.prepare(`SELECT number, size FROM outbox_files WHERE stream = ? AND kind = 'segment' ORDER BY number DESC LIMIT 1`).get(stream) as
      | { number: number; size: number }
      | undefined;
    if (row === undefined) return false;
    if (row.size === 0) return true;
    const adopted = this.db.prepare(`SELECT value FROM numbering_base WHERE kind = 'segment' AND key = ?`).pluck(true).get(stream) as number | undefined;
    return adopted !== undefined && row.number <= adopted;
  }

  /** The last segment of `stream` sealed here (or recorded as published), if any. */
  lastSealed(stream: StreamName): { number: number; last: number; sha256: string } | undefined {
    return this.lastSegment(stream);
  }

  /** The number of the last segment of `stream` sealed here (or, on a reinstalled PC, the one it continues after); 0 if none. */
  lastSegmentNumber(stream: StreamName): number {
    return this.lastSegment(stream)?.number ?? 0;
  }

  /** This node's last event routed to `stream` (its seq and hash), if any. */
  lastEntry(stream: StreamName): { seq: number; hash: string } | undefined {
    return this.db
      .prepare(`SELECT e.seq, e.hash FROM stream_entries s JOIN events e ON e.pos = s.pos WHERE s.stream = ? ORDER BY s.offset DESC LIMIT 1`)
      .get(stream) as { seq: number; hash: string } | undefined;
  }

  /** Whether segment `number` of `stream` with that hash was sealed here or, on a reinstalled PC, is the segment it continues after. */
  holdsSegment(stream: StreamName, number: number, sha256: string): boolean {
    const here = this.db.prepare(`SELECT 1 FROM outbox_files WHERE stream = ? AND kind = 'segment' AND number = ? AND sha256 = ?`).get(stream, number, sha256);
    if (here) return true;
    const base = this.segmentBase(stream);
    return base !== undefined && (base.number > number || (base.number === number && base.sha256 === sha256));
  }

  pending(stream: StreamName): number {
    return this.lastOffset(stream) - (this.lastSegment(stream)?.last ?? 0);
  }

  /**
   * Seals the pending offsets of `stream` into segment files (at most SEGMENT_MAX_EVENTS
   * each), storing their bytes. Call inside a transaction. Returns the files sealed.
   */
  seal(stream: StreamName, now: Date): Array<{ number: number; count: number; size: number }> {
    const sealed: Array<{ number: number; count: number; size: number }> = [];
    for (;;) {
      const last = this.lastSegment(stream);
      const rows = (this.s.entries as Database.Statement).all(stream, last?.last ?? 0, SEGMENT_MAX_EVENTS) as Array<
        EventEnvelope & { offset: number }
      >;
      if (rows.length === 0) return sealed;
      const number = (last?.number ?? 0) + 1;
      const first = (rows[0] as { offset: number }).offset;
      const lastOffset = (rows.at(-1) as { offset: number }).offset;
      const { bytes, sha256 } = encodeSegment(
        { stream, segment: number, first, last: lastOffset, producer: this.node, created: now.toISOString(), prev: last?.sha256 ?? "" },
        rows,
      );
      (this.s.insertFile as Database.Statement).run(stream, "segment", number, first, lastOffset, sha256, bytes, bytes.length, now.toISOString());
      sealed.push({ number, count: rows.length, size: bytes.length });
    }
  }

  /**
   * Whether the sede received, since the newest snapshot of agent stream `stream`, customers or
   * special prices from that agent: the snapshot is then stale for a reinstalled PC, which would
   * not get back what it had sent.
   */
  agentDataSince(stream: StreamName): boolean {
    const snap = this.db
      .prepare(`SELECT first FROM outbox_files WHERE stream = ? AND kind = 'snapshot' ORDER BY number DESC LIMIT 1`)
      .get(stream) as { first: number } | undefined;
    if (!snap) return false;
    const agent = stream.slice(stream.indexOf(">") + 1);
    return (
      this.db
        .prepare(
          `SELECT 1 FROM events WHERE pos > ? AND origin = ? AND type IN (${sqlTypes(SNAPSHOT_STALE_TYPES)}) LIMIT 1`,
        )
        .get(snap.first, agent) !== undefined
    );
  }

  /**
   * Seals a segment with no events, so that a refreshed snapshot gets a number of its own
   * (a snapshot is named after the last segment it covers).
   */
  sealEmpty(stream: StreamName, now: Date): void {
    const last = this.lastSegment(stream);
    const number = (last?.number ?? 0) + 1;
    const offset = last?.last ?? 0;
    const { bytes, sha256 } = encodeSegment(
      { stream, segment: number, first: offset + 1, last: offset, producer: this.node, created: now.toISOString(), prev: last?.sha256 ?? "" },
      [],
    );
    (this.s.insertFile as Database.Statement).run(stream, "segment", number, offset + 1, offset, sha256, bytes, bytes.length, now.toISOString());
  }

  /** The newest snapshot sealed for `stream`: its number and the last offset it covers. */
  lastSnapshot(stream: StreamName): { number: number; last: number } | undefined {
    return (this.s.lastSnapshot as Database.Statement).get(stream) as { number: number; last: number } | undefined;
  }

  /**
   * Seals a snapshot of `stream` covering every segment sealed so far (call right after
   * `seal`, in the same transaction, so the projections are exactly at that point).
   */
  sealSnapshot(stream: StreamName, now: Date): { number: number; rows: number; size: number } {
    const last = (this.s.lastFile as Database.Statement).get(stream) as { number: number; last: number; sha256: string } | undefined;
    const number = last?.number ?? 0;
    const state = snapshotState(this.db, stream);
    const count = state.count();
    const { bytes, sha256 } = encodeFile(
      {
        format: SNAPSHOT_FORMAT,
        stream,
        segment: number,
        offset: last?.last ?? 0,
        segmentSha256: last?.sha256 ?? "",
        count,
        producer: this.node,
        created: now.toISOString(),
      },
      state.rows(),
    );
    // For a snapshot, `first` keeps the log position it saw: later changes are what it lacks.
    const seen = (this.db.prepare(`SELECT coalesce(max(pos), 0) AS p FROM events`).get() as { p: number }).p;
    (this.s.insertFile as Database.Statement).run(stream, "snapshot", number, seen, last?.last ?? 0, sha256, bytes, bytes.length, now.toISOString());
    return { number, rows: count, size: bytes.length };
  }

  files(stream?: StreamName): OutboxFile[] {
    return this.db
      .prepare(
        `SELECT stream, kind, number, first, last, sha256, size, sealed, uploaded, pruned FROM outbox_files
         WHERE (@stream IS NULL OR stream = @stream) ORDER BY stream, number, kind`,
      )
      .all({ stream: stream ?? null }) as OutboxFile[];
  }

  /** Whether this node ever put a file of its own on a parking area. */
  everUploaded(): boolean {
    return this.db.prepare(`SELECT 1 FROM outbox_files WHERE uploaded IS NOT NULL LIMIT 1`).get() !== undefined;
  }

  bytes(stream: StreamName, kind: "segment" | "snapshot", number: number): Buffer | undefined {
    const row = this.db.prepare(`SELECT bytes FROM outbox_files WHERE stream = ? AND kind = ? AND number = ?`).get(stream, kind, number) as
      | { bytes: Buffer | null }
      | undefined;
    return row?.bytes ?? undefined;
  }

  markUploaded(stream: StreamName, kind: "segment" | "snapshot", number: number, at: Date): void {
    this.db.prepare(`UPDATE outbox_files SET uploaded = ? WHERE stream = ? AND kind = ? AND number = ?`).run(at.toISOString(), stream, kind, number);
  }

  markPruned(stream: StreamName, kind: "segment" | "snapshot", number: number, at: Date): void {
    this.db
      .prepare(`UPDATE outbox_files SET pruned = ?, bytes = NULL WHERE stream = ? AND kind = ? AND number = ?`)
      .run(at.toISOString(), stream, kind, number);
  }

  /**
   * Remembers the segment `reader` last acknowledged for `stream` (read from its ack file), for
   * `status`; an ack that moved is news from that reader, heard at `seenAt`.
   */
  recordReaderAck(stream: StreamName, reader: string, segment: number, at: string, seenAt: Date): void {
    if (this.readerAck(stream, reader) !== segment) this.heardFrom(reader, seenAt);
    this.s.saveReaderAck ??= this.db.prepare(
      `INSERT INTO reader_acks (stream, reader, segment, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (stream, reader) DO UPDATE SET segment = excluded.segment, at = excluded.at`,
    );
    this.s.saveReaderAck.run(stream, reader, segment, at);
  }

  /** At the sede: agent `agent` wrote something this sync found new, at `at` (see `status`). */
  heardFrom(agent: string, at: Date): void {
    this.s.heard ??= this.db.prepare(`INSERT INTO agent_heard (agent, at) VALUES (?, ?) ON CONFLICT (agent) DO UPDATE SET at = max(at, excluded.at)`);
    this.s.heard.run(agent, at.toISOString());
  }

  /** At the sede: per agent, when it was last heard from (null: never). */
  lastHeard(agents: readonly string[]): Array<{ code: string; lastHeard: string | null }> {
    const get = this.db.prepare(`SELECT at FROM agent_heard WHERE agent = ?`).pluck(true);
    return agents.map((code) => ({ code, lastHeard: (get.get(code) as string | undefined) ?? null }));
  }

  /** The segment `reader` last acknowledged for `stream`, as last read from its ack file (-1 if never). */
  readerAck(stream: StreamName, reader: string): number {
    const row = this.db.prepare(`SELECT segment FROM reader_acks WHERE stream = ? AND reader = ?`).get(stream, reader) as { segment: number } | undefined;
    return row?.segment ?? -1;
  }

  /** Streams this node produces that have anything assigned or sealed. */
  streams(): StreamName[] {
    return (this.db.prepare(`SELECT DISTINCT stream FROM stream_entries UNION SELECT DISTINCT stream FROM outbox_files ORDER BY 1`).all() as Array<{
      stream: string;
    }>).map((r) => r.stream);
  }
}
