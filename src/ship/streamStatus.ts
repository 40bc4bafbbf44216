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
