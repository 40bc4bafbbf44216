import { CATALOGUE, SEDE } from "../wire/streams.js";
import { encodeResendRequest, requestedFile, RESEND_FORMAT } from "../wire/ackFile.js";
import { ackPath, agentToSede, parseFileName, readersOf, resendPath, segmentName, snapshotName, streamFolder, type StreamName } from "../wire/streams.js";
import { SegmentError, say } from "../errors.js";
import type { RemoteFile } from "./transports/transport.js";
import { type SyncRun, warn } from "./syncRun.js";
import { sealFreshSnapshot } from "./seal.js";
import { recoveringStream } from "./sedeRestore.js";

/**
 * Producer side: a reader whose stream stopped on a damaged or missing file asks for it again (a
 * `.resend` file beside its ack, in a folder this node lists anyway): upload that file again from
 * the sealed bytes.
 */
export async function resendRequested(run: SyncRun): Promise<void> {
  for (const stream of run.producedStreams()) {
    for (const reader of readersOf(stream, run.agents)) {
      // A request lives in the reader's folder; an agent that wrote one rang the doorbell.
      if (!run.reads(reader)) continue;
      // A retiring agent's folder is read one last time for what it had parked, but nothing is
      // written for it any more: its request stays unanswered (folder seed 951000180, run 2728:
      // the office uploaded a snapshot again at every sync for an agent it had retired).
      if (reader !== SEDE && run.node.keyring.isRetiring(reader)) continue;
      const path = resendPath(stream, reader);
      const requested = await run.readSmallFile(path, "resend request");
      if (!requested) continue;
      const file = requestedFile(requested, stream);
      const parsed = parseFileName(file);
      if (!parsed) continue;
      // Nothing on the server to start from at all (a PC put back from an early copy, after the
      // office's snapshot for it was deleted): a start first.
      if (await sealStartIfNone(run, stream, [reader])) continue;
      // A file this node pruned (acknowledged, or superseded by a snapshot) is not sent again:
      // the reader moves on from the newer snapshot, even if an old copy reappears on the server.
      // One it published and still holds is, also when it has gone missing from the server.
      const sealed = run.node.outbox.files(stream).find((f) => f.kind === parsed.kind && f.number === parsed.number);
      const listed = (await run.list(streamFolder(stream))).find((f) => f.name === file);
      if (!sealed) {
        // Never written by this node, yet in its folder: forged, unless it opens as ours.
        if (listed) await removeForged(run, `${streamFolder(stream)}/${file}`, listed, reader);
        // Never written and not there: the reader waits for it because later files are there
        // that this node never wrote either (e.g. a forged 9999999999.seg): those go.
        else await removeNeverWritten(run, stream, reader);
        continue;
      }
      // Sealed, not yet published: this sync's publish puts it there (and replaces what is in the way).
      if (sealed.pruned != null || sealed.uploaded == null) continue;
      const present = listed !== undefined;
      const bytes = run.node.outbox.bytes(stream, parsed.kind, parsed.number);
      if (!bytes) {
        const asked = `${streamFolder(stream)}/${file}`;
        warn(
          run.report,
          `${path}: ${reader} asks for ${file || "a file"} of ${stream} again, but this node no longer holds it`,
          reader === SEDE ? say("warn.resendGone.sede", { file: asked }) : say("warn.resendGone.agent", { agent: reader, file: asked }),
        );
        continue;
      }
      run.report.sent.bytes += await run.put(`${streamFolder(stream)}/${file}`, bytes);
      const resent = `${streamFolder(stream)}/${file}`;
      const text = `${resent}: uploaded again from the sealed copy, as ${reader} found it ${present ? "damaged" : "missing"}`;
      if (reader === SEDE) warn(run.report, text, present ? say("warn.resentDamaged.sede", { file: resent }) : say("warn.resentMissing.sede", { file: resent }));
      else warn(run.report, text, present ? say("warn.resentDamaged.agent", { file: resent, agent: reader }) : say("warn.resentMissing.agent", { file: resent, agent: reader }));
    }
  }
}

/**
 * Sede: an agent that has acknowledged nothing of a stream it reads yet (no valid ack of it in
 * its folder, which this sync lists anyway) bootstraps from what is parked there. If that was deleted
 * from the server, its first sync would find nothing (no catalogue; or "the office published
 * nothing" for its own stream), with no file to ask for again: upload again, from the sealed
 * copies, what is missing (one listing per such stream, only until its readers have read it).
 */
export async function restoreForFirstSync(run: SyncRun): Promise<void> {
  const { outbox } = run.node;
  for (const stream of run.producedStreams()) {
    const unread: string[] = [];
    for (const agent of readersOf(stream, run.agents)) {
      // Only agents whose folders this sync reads (the doorbell): a quiet sede sync must not
      // look at hundreds of agents that never synced; the full listing gets to them.
      if (stream !== CATALOGUE && !run.reads(agent)) continue;
      if (outbox.readerAck(stream, agent) >= 0) continue; // a valid ack of it was read before
      const path = ackPath(stream, agent);
      const listed = (run.listed(streamFolder(agentToSede(agent))) ?? []).some((f) => f.name === path.slice(path.lastIndexOf("/") + 1));
      // Read only when present; a forged one (reported, ignored) does not count as read.
      const ack = listed ? await run.readAck(stream, agent) : undefined;
      if (ack) outbox.recordReaderAck(stream, agent, ack.segment, String(ack.at ?? ""), run.now());
      // Nothing is written for a retiring agent (see resendRequested); its ack still counts as heard.
      else if (!run.node.keyring.isRetiring(agent)) unread.push(agent);
    }
    if (unread.length === 0) continue;
    const held = outbox.files(stream).filter((f) => f.pruned === null);
    const folder = streamFolder(stream);
    const present = new Set((await run.list(folder)).map((f) => f.name));
    const nameOf = (f: { kind: string; number: number }) => (f.kind === "segment" ? segmentName(f.number) : snapshotName(f.number));
    for (const f of held) {
      if (f.uploaded === null) continue;
      const name = nameOf(f);
      if (present.has(name)) continue;
      const bytes = outbox.bytes(stream, f.kind, f.number);
      if (!bytes) continue;
      run.report.sent.bytes += await run.put(`${folder}/${name}`, bytes);
      present.add(name);
      warn(
        run.report,
        `${folder}/${name}: uploaded again from the sealed copy, as it was missing from the server and ${unread.join(", ")} ha${unread.length === 1 ? "s" : "ve"} not read ${stream} yet`,
        say("warn.resentFirstSync", { file: `${folder}/${name}`, n: unread.length, agents: unread.join(", ") }),
      );
    }
    // Nothing there to start from (no snapshot, no first segment) and no copy of one here: e.g.
    // an office put back from a backup, which holds the files it published since only as
    // pruned, after someone deleted the snapshot.
    await sealStartIfNone(run, stream, unread, present);
  }
}

/**
 * When nothing in `stream`'s folder (listed, or `present` when given) lets a reader with nothing
 * start — no snapshot, no first segment, none sealed here waiting to be published — seals a new
 * snapshot of what this office holds now (this sync publishes it) and says so. Only at the
 * office, and not while a restored office still takes that stream back. Returns whether it sealed one.
 */
async function sealStartIfNone(run: SyncRun, stream: StreamName, readers: string[], present?: Set<string>): Promise<boolean> {
  // Only the office seals snapshots; an agent's stream is read from its segments (or the office asks it again for one).
  if (run.node.role !== "sede") return false;
  const { outbox } = run.node;
  const folder = streamFolder(stream);
  const names = present ?? new Set((await run.list(folder)).map((f) => f.name));
  for (const f of outbox.files(stream)) if (f.pruned === null && f.uploaded === null) names.add(f.kind === "segment" ? segmentName(f.number) : snapshotName(f.number));
  const canStart = [...names].some((n) => n.endsWith(".snap")) || names.has(segmentName(1));
  if (canStart || recoveringStream(run.node, stream)) return false;
  const { number } = run.node.batch(() => sealFreshSnapshot(outbox, stream, run.now()));
  const path = `${folder}/${snapshotName(number)}`;
  warn(
    run.report,
    `${path}: a new snapshot sealed, as nothing left on the server or on this PC lets ${readers.join(", ")} start reading ${stream}`,
    say("warn.freshSnapshotFirstSync", { file: path, n: readers.length, agents: readers.join(", ") }),
  );
  return true;
}

/** Removes the segments and snapshots in `stream`'s folder this node never sealed (see {@link removeForged}). */
async function removeNeverWritten(run: SyncRun, stream: StreamName, reader: string): Promise<void> {
  const sealed = new Set(run.node.outbox.files(stream).map((f) => `${f.kind}:${f.number}`));
  for (const f of await run.list(streamFolder(stream))) {
    const parsed = parseFileName(f.name);
    if (parsed && !sealed.has(`${parsed.kind}:${parsed.number}`)) await removeForged(run, `${streamFolder(stream)}/${f.name}`, f, reader);
  }
}

/**
 * A reader found a file in a folder only this node writes, under a name this node never sealed
 * (e.g. a forged `9999999999.snap`). If it does not open as this node's own file, someone else
 * put it there: it is deleted, so it no longer stands in the readers' way (DESIGN §7).
 */
async function removeForged(run: SyncRun, path: string, listed: RemoteFile, reader: string): Promise<void> {
  try {
    await run.fetch(path, listed);
    return; // signed by this node (an earlier database of it): not ours to judge here
  } catch (err) {
    if (!(err instanceof SegmentError)) throw err;
    await run.transport.delete(path);
    const text = `${path}: deleted, as ${reader} found it does not verify and this node never wrote it (${err.message})`;
    warn(run.report, text, reader === SEDE ? say("warn.forgedDeleted.sede", { file: path }) : say("warn.forgedDeleted.agent", { file: path, agent: reader }));
  }
}

/** Reader side: asks the producer of `stream` to upload `name` again (it failed verification here). */
export async function requestResend(run: SyncRun, stream: StreamName, name: string, reason: string): Promise<void> {
  const request = { format: RESEND_FORMAT, stream, reader: run.node.id, file: name, reason, at: run.now().toISOString() } as const;
  await run.put(resendPath(stream, run.node.id), encodeResendRequest(request));
}
