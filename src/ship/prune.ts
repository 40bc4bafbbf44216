import type { OutboxFile } from "../node/outbox.js";
import { SEDE, readersOf, segmentName, snapshotName, streamFolder } from "../wire/streams.js";
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
      const readers = node.role === "agent" ? [SEDE] : readersOf(stream, run.agents);
      for (const reader of readers) acked = Math.min(acked, await readerAck(run, stream, reader));
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
 * The segment `reader` last acknowledged for `stream`, read from its ack file (-1 if none);
 * remembered for `status`. A reader whose folder this sync does not read (it did not ring the
 * doorbell, so its ack has not changed) counts with the ack last read.
 */
async function readerAck(run: SyncRun, stream: string, reader: string): Promise<number> {
  if (!run.reads(reader)) return run.node.outbox.readerAck(stream, reader);
  const ack = await run.readAck(stream, reader);
  if (!ack) return -1;
  run.node.outbox.recordReaderAck(stream, reader, ack.segment, String(ack.at ?? ""));
  return ack.segment;
}
