import type { OutboxFile } from "../node/outbox.js";
import { CATALOGUE, SEDE, readersOf, sedeToAgent, segmentName, snapshotName, streamFolder } from "../wire/streams.js";
import type { SyncRun } from "./syncRun.js";

/** What the prune decision of one produced stream looks at. */
export interface PruneInput {
  role: "sede" | "agent";
  /** The stream's files that are on the server (uploaded, not pruned), in number order. */
  live: readonly OutboxFile[];
  /** The lowest segment every reader acknowledged (-1: some reader acknowledged nothing; Infinity: no reader, or not read because not needed). */
  acked: number;
  nowMs: number;
  /** Sede only: segments a newer snapshot covers go after this long even if unacknowledged. */
  retentionMs: number;
}

/**
 * Whether deciding needs the readers' acks at all (reading them costs requests): an agent only
 * when it has segments on the server, the sede only when its newest snapshot covers some. Pure.
 */
export function needsAcks(role: "sede" | "agent", live: readonly OutboxFile[]): boolean {
  const segments = live.filter((f) => f.kind === "segment");
  if (role === "agent") return segments.length > 0;
  const newest = live.filter((f) => f.kind === "snapshot").at(-1);
  return newest !== undefined && segments.some((f) => f.number <= newest.number);
}

/**
 * The files of one produced stream to delete from the parking area (DESIGN §4.5). An agent
 * deletes the segments the sede acknowledged. The sede keeps its newest snapshot and everything
 * after it, and deletes older snapshots and the segments the newest snapshot covers that every
 * reader acknowledged or that are older than the retention. Pure.
 */
export function planPrune({ role, live, acked, nowMs, retentionMs }: PruneInput): OutboxFile[] {
  const segments = live.filter((f) => f.kind === "segment");
  if (role === "agent") return segments.filter((f) => f.number <= acked);
  const snapshots = live.filter((f) => f.kind === "snapshot");
  const newest = snapshots.at(-1);
  if (!newest) return [];
  const covered = segments.filter((f) => f.number <= newest.number);
  const expired = (f: OutboxFile) => nowMs - Date.parse(f.sealed) > retentionMs;
  return [...snapshots.filter((f) => f.number < newest.number), ...covered.filter((f) => f.number <= acked || expired(f))];
}

/** Deletes, stream by stream, what {@link planPrune} decides, reading the readers' acks only when needed. */
export async function prune(run: SyncRun): Promise<void> {
  const { node } = run;
  const now = run.now();
  for (const stream of run.producedStreams()) {
    const live = node.outbox.files(stream).filter((f) => f.uploaded !== null && f.pruned === null);
    if (live.length === 0) continue;
    let acked = Number.POSITIVE_INFINITY;
    if (needsAcks(node.role, live)) {
      // The sede's copies of its readers' acks were brought up to date by refreshReaderAcks.
      if (node.role === "sede") for (const reader of readersOf(stream, run.agents)) acked = Math.min(acked, node.outbox.readerAck(stream, reader));
      else acked = await readerAck(run, stream, SEDE);
    }
    const folder = streamFolder(stream);
    for (const f of planPrune({ role: node.role, live, acked, nowMs: now.getTime(), retentionMs: run.retentionMs })) {
      const path = `${folder}/${f.kind === "segment" ? segmentName(f.number) : snapshotName(f.number)}`;
      await run.transport.delete(path);
      run.hook("prune", { stream, file: path });
      node.outbox.markPruned(stream, f.kind, f.number, now);
      run.report.pruned++;
    }
  }
}

/**
 * Sede: whether `reader`'s ack file of `stream` may say more than the copy last read: the copy
 * is behind the newest file of the stream on the server.
 */
export function ackMayHaveMoved(run: SyncRun, stream: string, reader: string): boolean {
  const live = run.node.outbox.files(stream).filter((f) => f.uploaded !== null && f.pruned === null);
  return live.length > 0 && run.node.outbox.readerAck(stream, reader) < Math.max(...live.map((f) => f.number));
}

/**
 * Sede, before pruning: reads the acks in the folders this sync reads (see the doorbell) where
 * they may have moved, and keeps a copy; the other agents did not ring, so their acks are as
 * last read. Prune decides on the copies.
 */
export async function refreshReaderAcks(run: SyncRun): Promise<void> {
  for (const agent of run.agents) {
    if (!run.reads(agent)) continue;
    for (const stream of [CATALOGUE, sedeToAgent(agent)]) if (ackMayHaveMoved(run, stream, agent)) await readerAck(run, stream, agent);
  }
}

/** The segment `reader` last acknowledged for `stream`, read from its ack file (-1 if none); remembered for `status`. */
async function readerAck(run: SyncRun, stream: string, reader: string): Promise<number> {
  const ack = await run.readAck(stream, reader);
  if (!ack) return -1;
  run.node.outbox.recordReaderAck(stream, reader, ack.segment, String(ack.at ?? ""), run.now());
  return ack.segment;
}
