import { IntegrityError, SegmentError, say } from "../errors.js";
import { missingWhileLater } from "./blockedReason.js";
import { SEDE, parseFileName, producerOf, resendPath, segmentName, streamFolder, type StreamName } from "../wire/streams.js";
import { requestResend } from "./resend.js";
import type { RemoteFile } from "./transports/transport.js";
import { type SyncRun, warn } from "./syncRun.js";
import { keepOfficeFile } from "./sedeRestore.js";
import { inTransitLimit } from "./retiredFolders.js";

/** What the listing of a stream's folder offers a reader at segment `at`. */
export type NextStep =
  | { kind: "segment"; number: number }
  | { kind: "snapshot"; number: number }
  | { kind: "wait"; missing: number; later: number }
  | { kind: "done" };

/**
 * Where a reader starts in a stream's folder: after the last segment it applied; with none, from
 * a snapshot if the folder has one, else before segment 1 if it has segments (-1: nothing yet).
 */
export function startingPoint(applied: number | undefined, segments: ReadonlySet<number>, snapshots: readonly number[]): number {
  if (applied !== undefined && applied >= 0) return applied;
  return snapshots.length === 0 && segments.size > 0 ? 0 : -1;
}

/**
 * The reader's next move, given the last segment it applied (`at`, see {@link startingPoint})
 * and the segment and snapshot numbers listed: with nothing applied, the newest snapshot; then
 * the next segment in order; when it is gone, catch up from the newest snapshot past `at`; a gap
 * with later segments present waits. Pure.
 */
export function nextStep(at: number, segments: ReadonlySet<number>, snapshots: readonly number[]): NextStep {
  if (at < 0) {
    const newest = snapshots.at(-1);
    return newest === undefined ? { kind: "done" } : { kind: "snapshot", number: newest };
  }
  if (segments.has(at + 1)) return { kind: "segment", number: at + 1 };
  const catchUp = snapshots.filter((n) => n > at).at(-1);
  if (catchUp !== undefined) return { kind: "snapshot", number: catchUp };
  const later = [...segments].filter((n) => n > at + 1).length;
  return later > 0 ? { kind: "wait", missing: at + 1, later } : { kind: "done" };
}

/**
 * Applies what the stream's folder holds past this node's cursor, strictly in number order
 * (DESIGN §4.3–4.4). A file that fails verification stops only this stream: it is reported,
 * the stream is marked blocked, and the producer is asked to upload it again.
 */
export async function receive(run: SyncRun, stream: StreamName): Promise<void> {
  const folder = streamFolder(stream);
  const segments = new Map<number, RemoteFile>();
  const snapshots = new Map<number, RemoteFile>();
  // A retired agent whose last upload could not be read: only what was in transit then is read.
  const limit = run.node.role === "sede" && producerOf(stream) !== SEDE ? inTransitLimit(run, producerOf(stream)) : undefined;
  for (const f of await run.list(folder)) {
    const parsed = parseFileName(f.name);
    if (parsed !== undefined && limit !== undefined && parsed.number > limit) continue;
    if (parsed?.kind === "segment") segments.set(parsed.number, f);
    else if (parsed?.kind === "snapshot") snapshots.set(parsed.number, f);
  }
  const snapshotNumbers = [...snapshots.keys()].sort((a, b) => a - b);
  const segmentNumbers = new Set(segments.keys());
  const cursor = run.inbox.cursor(stream);
  const wasBlocked = cursor?.blocked != null;
  let at = startingPoint(cursor?.segment, segmentNumbers, snapshotNumbers);
  // Withdraw our resend request before applying anything: the first apply unblocks the cursor
  // for good, so a sync cut after it would never delete the request, and the producer would
  // upload that file again at every sync. If the file fails again, the catch below asks anew.
  if (wasBlocked) await run.transport.delete(resendPath(stream, run.node.id));
  try {
    for (;;) {
      const step = nextStep(at, segmentNumbers, snapshotNumbers);
      if (step.kind === "segment") {
        await applySegment(run, stream, step.number, segments.get(step.number) as RemoteFile);
        at = step.number;
      } else if (step.kind === "snapshot") {
        await applySnapshot(run, stream, step.number, snapshots.get(step.number) as RemoteFile);
        at = step.number;
      } else {
        if (step.kind === "wait") {
          // The producer uploads in order, so a gap with later segments present means the file
          // was deleted on the server: ask for it again from the producer's sealed copy.
          const missing = segmentName(step.missing);
          const reason = missingWhileLater(`${streamFolder(stream)}/${missing}`, step.later);
          const producer = producerOf(stream);
          const file = `${streamFolder(stream)}/${missing}`;
          warn(
            run.report,
            `${stream}: waiting for segment ${step.missing}: ${reason}; asked ${producer} to upload it again`,
            producer === SEDE ? say("warn.waiting.sede", { file }) : say("warn.waiting.agent", { file, agent: producer }),
          );
          run.inbox.block(stream, reason);
          await requestResend(run, stream, missing, reason);
        } else if (wasBlocked) {
          // The file that stopped the stream is gone (a forgery its producer deleted) and nothing
          // is missing: the stream is no longer blocked, even before anything new arrives.
          run.inbox.unblock(stream);
        }
        break;
      }
    }
    if (at >= 0) run.inbox.touch(stream);
  } catch (err) {
    if (err instanceof SegmentError || err instanceof IntegrityError) {
      const reason = err.message;
      run.inbox.block(stream, reason);
      const text = `${stream} stopped: ${reason}`;
      const file = err instanceof SegmentError ? err.file : streamFolder(stream);
      const producer = producerOf(stream);
      run.report.errors.push(text);
      run.report.said.push({ text, say: producer === SEDE ? say("sync.stopped.sede", { file, why: reason }) : say("sync.stopped.agent", { file, agent: producer, why: reason }) });
      const name = err instanceof SegmentError ? err.file.slice(err.file.lastIndexOf("/") + 1) : "";
      if (parseFileName(name)) await requestResend(run, stream, name, reason);
      return;
    }
    throw err;
  }
}

async function applySegment(run: SyncRun, stream: StreamName, number: number, file: RemoteFile): Promise<void> {
  const path = `${streamFolder(stream)}/${file.name}`;
  const { plain: bytes, sealed } = await run.fetchSealed(path, file);
  const result = run.inbox.applySegment(stream, number, path, bytes, run.hook);
  // An agent keeps the office's files it applied: a restored office takes its events back from them.
  if (run.node.role === "agent") keepOfficeFile(run, stream, number, path, sealed);
  if (run.node.role === "sede") run.node.outbox.heardFrom(producerOf(stream), run.now());
  const { received } = run.report;
  received.segments++;
  received.events += result.applied;
  received.duplicates += result.duplicates;
  for (const s of result.skewed) {
    const hours = Math.round(s.aheadMs / 360_000) / 10;
    const text = `clock skew: ${s.origin}#${s.seq} is ${(s.aheadMs / 3_600_000).toFixed(1)} h ahead of this PC's clock (check the clock of ${s.origin})`;
    warn(run.report, text, s.origin === SEDE ? say("warn.clockSkew.sede", { hours }) : say("warn.clockSkew.agent", { agent: s.origin, hours }));
  }
  for (const q of result.quarantined) {
    const text = `quarantined ${q.origin}#${q.seq} (${q.type}) from ${path}: ${q.reason}; kept in the log, not applied (see "sincro status")`;
    warn(run.report, text, q.origin === SEDE ? say("warn.quarantined.sede", { file: path }) : say("warn.quarantined.agent", { agent: q.origin, file: path }));
  }
}

async function applySnapshot(run: SyncRun, stream: StreamName, number: number, file: RemoteFile): Promise<void> {
  const path = `${streamFolder(stream)}/${file.name}`;
  const bytes = await run.fetch(path, file);
  if (run.inbox.applySnapshot(stream, number, path, bytes, run.hook).applied) run.report.received.snapshots++;
}
