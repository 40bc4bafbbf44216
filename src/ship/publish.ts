import { IntegrityError, SegmentError, SincroError, TransportError, say } from "../errors.js";
import type { OutboxFile } from "../node/outbox.js";
import { decodeSegment, decodeSnapshot } from "../wire/segmentCodec.js";
import { SEDE, segmentName, snapshotName, streamFolder, type StreamName } from "../wire/streams.js";
import { isTempName, type RemoteFile } from "./transports/transport.js";
import { type SyncRun, warn } from "./syncRun.js";

/**
 * Which sealed files of a stream go to the server now, and which are marked pruned without
 * ever going: segments covered by a stream's first snapshot are never needed on the server
 * (no reader can hold a cursor before that snapshot exists, so every reader starts from it).
 * Pure.
 */
export function planUpload(files: readonly OutboxFile[]): { skip: OutboxFile[]; upload: OutboxFile[] } {
  const firstSnapshot = files.find((f) => f.kind === "snapshot");
  const skip =
    firstSnapshot && firstSnapshot.uploaded === null
      ? files.filter((f) => f.kind === "segment" && f.uploaded === null && f.number <= firstSnapshot.number)
      : [];
  const upload = files.filter((f) => f.uploaded === null && f.pruned === null && !skip.includes(f));
  return { skip, upload };
}

/**
 * Uploads what each produced stream has sealed and not yet published: under a temporary name,
 * then renamed (the transport's `write`), or, where the transport has `writeNew`, created only if
 * the name is free, so that the store itself refuses a second writer of one name. A final name
 * that already holds the same bytes is success (a retry); a damaged copy is replaced from the
 * sealed bytes; another valid file under that name is a fork, and the sync stops.
 */
export async function publish(run: SyncRun): Promise<void> {
  const { outbox } = run.node;
  if (run.node.role === "agent") await uploadAgainWhatWentMissing(run);
  for (const stream of run.producedStreams()) {
    const { skip, upload } = planUpload(outbox.files(stream));
    for (const f of skip) outbox.markPruned(stream, f.kind, f.number, run.now());
    if (upload.length === 0) continue;
    const folder = streamFolder(stream);
    const listed = await run.list(folder);
    const present = new Map(listed.map((f) => [f.name, f]));
    // This folder has one writer, this node, and nothing of ours is uploading now: a temporary
    // name here is what an interrupted upload left behind.
    for (const leftover of listed.filter((f) => isTempName(f.name))) {
      await run.transport.delete(`${folder}/${leftover.name}`);
      run.report.pruned++;
    }
    for (const f of upload) await publishFile(run, stream, f, present.get(fileName(f)));
  }
}

/**
 * At an agent: a segment it uploaded that the office has not acknowledged yet and that is no
 * longer on the server (deleted there before the office read it) is uploaded again from its
 * sealed copy: the listing is the truth. With nothing unacknowledged, nothing is listed.
 */
async function uploadAgainWhatWentMissing(run: SyncRun): Promise<void> {
  const { outbox } = run.node;
  for (const stream of run.producedStreams()) {
    const acked = outbox.readerAck(stream, SEDE);
    const unacked = outbox.files(stream).filter((f) => f.kind === "segment" && f.uploaded !== null && f.pruned === null && f.number > acked);
    if (unacked.length === 0) continue;
    const folder = streamFolder(stream);
    const present = new Set((await run.list(folder)).map((f) => f.name));
    for (const f of unacked) {
      if (present.has(fileName(f))) continue;
      warn(run.report, `${folder}/${fileName(f)} is missing from the server and the office has not read it yet: uploaded again from this PC's sealed copy`, say("warn.reuploadedUnread", { file: `${folder}/${fileName(f)}` }));
      run.node.db.prepare(`UPDATE outbox_files SET uploaded = NULL WHERE stream = ? AND kind = ? AND number = ?`).run(stream, f.kind, f.number);
    }
  }
}

const fileName = (f: Pick<OutboxFile, "kind" | "number">): string => (f.kind === "segment" ? segmentName(f.number) : snapshotName(f.number));

async function publishFile(run: SyncRun, stream: StreamName, f: OutboxFile, present: RemoteFile | undefined): Promise<void> {
  const { outbox } = run.node;
  const path = `${streamFolder(stream)}/${fileName(f)}`;
  const bytes = outbox.bytes(stream, f.kind, f.number);
  if (!bytes) throw new IntegrityError(`publish ${path}: the sealed bytes are missing from the database`);
  // Already there: a retry after a crash between rename and bookkeeping, a copy damaged on the
  // server (replaced below by our sealed bytes), or a fork: another PC's valid file.
  if (present && settleExisting(run, stream, f, path, bytes, await openedOrDamaged(run, path, () => run.fetch(path, present))) === "same") return;
  run.options.progress?.({ phase: "upload", file: path, bytes: bytes.length });
  run.hook("upload", { stream, file: path });
  let sent: number;
  if (!present && run.transport.writeNew) {
    // The listing said the name was free; the store checks it again as it creates the file, so
    // another PC publishing the same name since then is caught here, not overwritten.
    const created = await run.putNew(path, bytes);
    sent = created.bytes;
    if (created.result === "exists") {
      const remote = await openedOrDamaged(run, path, async () => {
        const raw = await run.transport.read(path);
        if (raw === null) {
          throw new TransportError(`publish ${path}: the server said the file exists, then that it does not; sync again`, {
            code: "VANISHED",
            say: say("error.syncAgain", { file: path }),
          });
        }
        run.report.received.bytes += raw.length;
        return run.trust.open(path, raw);
      });
      if (settleExisting(run, stream, f, path, bytes, remote) === "same") return;
      sent = await run.put(path, bytes);
    }
  } else {
    sent = await run.put(path, bytes);
  }
  run.hook("rename", { stream, file: path });
  outbox.markUploaded(stream, f.kind, f.number, run.now());
  run.report.sent.bytes += sent;
  if (f.kind === "segment") {
    run.report.sent.segments++;
    run.report.sent.events += f.last - f.first + 1;
  } else run.report.sent.snapshots++;
}

/**
 * Decides about a file found under the name `f` is published as: the same bytes are our file,
 * published (marked uploaded: `same`); another valid file is a fork (throws); anything else is a
 * damaged copy to replace (`damaged`, with a warning).
 */
function settleExisting(run: SyncRun, stream: StreamName, f: OutboxFile, path: string, bytes: Buffer, remote: Buffer | undefined): "same" | "damaged" {
  if (remote?.equals(bytes)) {
    run.node.outbox.markUploaded(stream, f.kind, f.number, run.now());
    return "same";
  }
  if (remote && isValidFile(stream, f.kind, f.number, path, remote)) {
    throw new SincroError(
      "FORK",
      `publish ${path}: the server already holds a different ${f.kind} under this name. Two PCs are publishing as ${
        stream.startsWith(SEDE) ? "the sede" : `agent ${run.node.id}`
      }: stop syncing on one of them and reinstall it from the office (see README, "A second PC with the same agent code")`,
      { exitCode: 1, say: stream.startsWith(SEDE) ? say("error.twoOffices", { file: path }) : say("error.twoPcs", { file: path, agent: run.node.id }) },
    );
  }
  warn(run.report, `${path} was damaged on the server; uploaded it again from this node's sealed copy`, say("warn.damagedReplaced", { file: path }));
  return "damaged";
}

/**
 * The content of a file already under our name, or undefined when it does not open: damaged, or
 * not signed with this node's current key (e.g. left by a PC whose keys the office revoked).
 */
async function openedOrDamaged(run: SyncRun, path: string, read: () => Promise<Buffer>): Promise<Buffer | undefined> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof SegmentError) return undefined;
    throw err;
  }
}

/** Whether `bytes` is a complete, verified file of `stream` under that number (whoever wrote it). */
function isValidFile(stream: StreamName, kind: "segment" | "snapshot", number: number, path: string, bytes: Buffer): boolean {
  try {
    if (kind === "segment") decodeSegment(bytes, path, { stream, number });
    else decodeSnapshot(bytes, path, { stream, number });
    return true;
  } catch (err) {
    if (err instanceof SegmentError) return false;
    throw err;
  }
}
