import { sedeToAgent, type StreamName } from "../wire/streams.js";
import type { SyncRun } from "./syncRun.js";
import type { Outbox } from "../node/outbox.js";
import { recoveringStream } from "./sedeRestore.js";

/**
 * Whether the sede seals a new snapshot of a stream now: it has none yet, or `snapshotEvery`
 * offsets followed the newest one. Pure.
 */
export function snapshotDue(lastOffset: number, snapshot: { last: number } | undefined, snapshotEvery: number): boolean {
  return !snapshot || lastOffset - snapshot.last >= snapshotEvery;
}

/**
 * Seals what each produced stream has pending into numbered segments (their bytes stored
 * first, so a retry uploads the very same bytes) and, at the sede, a snapshot when one is due.
 * One transaction.
 */
export function seal(run: SyncRun): void {
  const { node } = run;
  const now = run.now();
  const { outbox } = node;
  const produced = run.producedStreams();
  node.batch(() => {
    for (const stream of produced) {
      outbox.seal(stream, now);
      // A restored office's stream whose published events are not all back yet gets no snapshot: it would lack them.
      if (node.role !== "sede" || recoveringStream(node, stream)) continue;
      const lastOffset = outbox.files(stream).filter((f) => f.kind === "segment").at(-1)?.last ?? 0;
      if (snapshotDue(lastOffset, outbox.lastSnapshot(stream), run.snapshotEvery)) {
        if (outbox.lastSegmentAdopted(stream)) outbox.sealEmpty(stream, now);
        outbox.sealSnapshot(stream, now);
      }
    }
    run.hook("seal", { stream: produced[0] as StreamName });
  });
}

/**
 * After receiving, at the sede: an agent's snapshot that lacks customers or special prices the
 * agent has since sent is sealed anew (behind an empty segment, so it has a number of its own),
 * so a reinstalled PC bootstraps with what it had sent. Returns whether anything was sealed.
 */
export function refreshAgentSnapshots(run: SyncRun): boolean {
  const { outbox } = run.node;
  const now = run.now();
  let sealed = false;
  run.node.batch(() => {
    for (const agent of run.agents) {
      // Retired in this sync: nothing new is written for it.
      if (run.node.keyring.isRetiring(agent)) continue;
      const stream = sedeToAgent(agent);
      if (!outbox.agentDataSince(stream) || recoveringStream(run.node, stream)) continue;
      sealFreshSnapshot(outbox, stream, now);
      sealed = true;
    }
  });
  return sealed;
}

/**
 * Seals a snapshot of `stream` as of now under a number of its own: behind an empty segment when
 * the last segment already has a snapshot, or was adopted from a newer office head (the office
 * may have used that number for a snapshot after a backup). Call inside a transaction.
 */
export function sealFreshSnapshot(outbox: Outbox, stream: StreamName, now: Date): { number: number } {
  const lastSegment = outbox.files(stream).filter((f) => f.kind === "segment").at(-1)?.number ?? 0;
  if (outbox.lastSnapshot(stream)?.number === lastSegment || outbox.lastSegmentAdopted(stream)) outbox.sealEmpty(stream, now);
  return outbox.sealSnapshot(stream, now);
}
