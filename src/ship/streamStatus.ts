import type { SincroNode } from "../node/sincroNode.js";
import { Inbox } from "./inbox.js";
import { CATALOGUE, SEDE, agentToSede, inboundStreams, sedeToAgent, type StreamName } from "../wire/streams.js";

/** One line of `sincro status`: a stream this node produces or reads. */
export interface StreamStatus {
  stream: StreamName;
  direction: "out" | "in";
  /** out: events recorded but not yet on the server (unsealed, or sealed and waiting for upload; not those a first snapshot made unnecessary). */
  pending: number;
  /** out: segments on the server that some reader has not acknowledged yet. */
  unacked: number;
  /** in: last segment applied (-1 before anything was). */
  segment: number | null;
  /** in: why the stream is stopped, if it is. */
  blocked: string | null;
  lastSync: string | null;
}

export function streamStatus(node: SincroNode): StreamStatus[] {
  const agents = node.role === "sede" ? node.read.agents().map((a) => a.code) : [];
  const produced = node.role === "sede" ? [CATALOGUE, ...agents.map(sedeToAgent)] : [agentToSede(node.id)];
  const out: StreamStatus[] = produced.map((stream) => {
    const files = node.outbox.files(stream).filter((f) => f.kind === "segment");
    const notUploaded = files.filter((f) => f.uploaded === null && f.pruned === null).reduce((n, f) => n + f.last - f.first + 1, 0);
    const readers = stream === CATALOGUE ? agents : [stream.startsWith(SEDE) ? stream.slice(stream.indexOf(">") + 1) : SEDE];
    const acks = readers.map((r) => node.outbox.readerAck(stream, r));
    const minAck = acks.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...acks);
    const uploaded = files.filter((f) => f.uploaded !== null);
    return {
      stream,
      direction: "out",
      pending: node.outbox.pending(stream) + notUploaded,
      unacked: uploaded.filter((f) => f.number > minAck).length,
      segment: null,
      blocked: null,
      lastSync:
        node.outbox
          .files(stream)
          .map((f) => f.uploaded)
          .filter((u): u is string => u !== null)
          .sort()
          .at(-1) ?? null,
    };
  });
  const inbox = new Inbox(node);
  const incoming: StreamStatus[] = inboundStreams(node.id, agents).map((stream) => {
    const c = inbox.cursor(stream);
    return {
      stream,
      direction: "in",
      pending: 0,
      unacked: c && c.segment > c.acked ? 1 : 0,
      segment: c?.segment ?? -1,
      blocked: c?.blocked ?? null,
      lastSync: c?.lastSync ?? null,
    };
  });
  return [...out, ...incoming];
}

/** Per origin: the events received whose HLC was beyond the skew threshold ahead of this PC's clock (recorded by the inbox). */
export function clockSkewByOrigin(node: SincroNode): Array<{ origin: string; events: number; maxAheadMs: number; lastSeen: string }> {
  return node.db
    .prepare(`SELECT origin, count(*) AS events, max(ahead_ms) AS maxAheadMs, max(seen) AS lastSeen FROM clock_skew GROUP BY origin ORDER BY origin`)
    .all() as Array<{ origin: string; events: number; maxAheadMs: number; lastSeen: string }>;
}

/** An event as `status` and the sync summary count it: its type and payload text. */
export interface EventGist {
  origin: string;
  type: string;
  data: string;
}

/** The highest log position, to tell afterwards what a sync added (0 for an empty log). */
export function lastPosition(node: SincroNode): number {
  return (node.db.prepare(`SELECT coalesce(max(pos), 0) FROM events`).pluck(true).get() as number) ?? 0;
}

/** Events appended after log position `pos` that another node recorded, and snapshots loaded (what a sync received). */
export function receivedSince(node: SincroNode, pos: number): EventGist[] {
  return node.db
    .prepare(`SELECT origin, type, data FROM events WHERE pos > ? AND (origin <> ? OR type = 'SnapshotApplied') ORDER BY pos`)
    .all(pos, node.id) as EventGist[];
}

/** The files of this node's streams already on the server, as `stream/kind/number` keys. */
export function uploadedFiles(node: SincroNode): Set<string> {
  const rows = node.db.prepare(`SELECT stream, kind, number FROM outbox_files WHERE uploaded IS NOT NULL`).all() as Array<{ stream: string; kind: string; number: number }>;
  return new Set(rows.map((r) => `${r.stream}/${r.kind}/${r.number}`));
}

/** The distinct events the segments uploaded since `before` carried (a sync's sent events); and how many snapshots went up. */
export function sentSince(node: SincroNode, before: Set<string>): { events: EventGist[]; snapshots: number } {
  const rows = node.db.prepare(`SELECT stream, kind, number, first, last FROM outbox_files WHERE uploaded IS NOT NULL`).all() as Array<{
    stream: string;
    kind: string;
    number: number;
    first: number;
    last: number;
  }>;
  const fresh = rows.filter((r) => !before.has(`${r.stream}/${r.kind}/${r.number}`));
  const inFile = node.db.prepare(
    `SELECT e.pos, e.origin, e.type, e.data FROM stream_entries s JOIN events e ON e.pos = s.pos WHERE s.stream = ? AND s.offset BETWEEN ? AND ?`,
  );
  const events = new Map<number, EventGist>();
  for (const f of fresh.filter((r) => r.kind === "segment")) {
    for (const e of inFile.all(f.stream, f.first, f.last) as Array<EventGist & { pos: number }>) events.set(e.pos, { origin: e.origin, type: e.type, data: e.data });
  }
  return { events: [...events.values()], snapshots: fresh.filter((r) => r.kind === "snapshot").length };
}

/** The events of `stream` (one this node produces) not yet on the server: what the next sync sends. */
export function unsentEvents(node: SincroNode, stream: StreamName): EventGist[] {
  const frontier = node.db.prepare(`SELECT coalesce(max(last), 0) FROM outbox_files WHERE stream = ? AND uploaded IS NOT NULL`).pluck(true).get(stream) as number;
  return node.db
    .prepare(`SELECT e.origin, e.type, e.data FROM stream_entries s JOIN events e ON e.pos = s.pos WHERE s.stream = ? AND s.offset > ? ORDER BY s.offset`)
    .all(stream, frontier) as EventGist[];
}

/**
 * What `reader` confirmed receiving of `stream` (one this node produces), from its last ack
 * file: when it wrote it, and the last order placed among what it covers. Undefined before any ack.
 */
export function readerReceipt(node: SincroNode, stream: StreamName, reader: string): { at: string; lastOrder: string | null } | undefined {
  const ack = node.db
    .prepare(
      `SELECT r.at AS at, coalesce((SELECT max(f.last) FROM outbox_files f WHERE f.stream = r.stream AND f.number <= r.segment), 0) AS covered
       FROM reader_acks r WHERE r.stream = ? AND r.reader = ? AND r.segment >= 0`,
    )
    .get(stream, reader) as { at: string; covered: number } | undefined;
  if (!ack) return undefined;
  const order = node.db
    .prepare(
      `SELECT e.data FROM stream_entries s JOIN events e ON e.pos = s.pos WHERE s.stream = ? AND s.offset <= ? AND e.type = 'OrderPlaced' ORDER BY s.offset DESC LIMIT 1`,
    )
    .pluck(true)
    .get(stream, ack.covered) as string | undefined;
  return { at: ack.at, lastOrder: order ?? null };
}

/** Events `origin` recorded at or after `since` (ISO) that this node holds: what arrived from it today. */
export function recordedSince(node: SincroNode, origin: string, since: string): EventGist[] {
  return node.db.prepare(`SELECT origin, type, data FROM events WHERE origin = ? AND at >= ? ORDER BY pos`).all(origin, since) as EventGist[];
}
