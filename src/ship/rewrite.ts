import { ackPath, segmentName, snapshotName, streamFolder, type StreamName } from "../wire/streams.js";
import { type SyncRun, warn } from "./syncRun.js";
import { say } from "../errors.js";

/**
 * When the readers of a folder this node writes change — an agent enrolled, re-enrolled or
 * retired, or a node that wrote plain files before it had keys — every file of it still on the
 * server (or that should be: one deleted there is put back) is written again from the sealed copy, encrypted for the readers it has now, and the
 * acks there are written again at the end of the sync. So a new agent reads the catalogue
 * already parked, and a retired one cannot read what follows.
 */
export async function rewriteForNewReaders(run: SyncRun, inbound: readonly StreamName[]): Promise<void> {
  const { node } = run;
  const get = node.db.prepare(`SELECT digest FROM folder_readers WHERE folder = ?`);
  const set = node.db.prepare(`INSERT INTO folder_readers (folder, digest) VALUES (?, ?) ON CONFLICT (folder) DO UPDATE SET digest = excluded.digest`);
  for (const stream of run.producedStreams()) {
    const folder = streamFolder(stream);
    const digest = run.trust.readersDigest(folder);
    const stored = (get.get(folder) as { digest: string } | undefined)?.digest;
    if (stored === digest) continue;
    const sealed = node.outbox.files(stream).filter((f) => f.pruned === null);
    if (sealed.length > 0) {
      const present = new Set((await run.list(folder)).map((f) => f.name));
      for (const f of sealed) {
        const name = f.kind === "segment" ? segmentName(f.number) : snapshotName(f.number);
        // Not yet marked uploaded: written again only if it is there (a sync that stopped
        // between upload and bookkeeping left it encrypted for the readers of then, and publish
        // takes a file with the same content for its own); otherwise publish uploads it.
        if (f.uploaded === null && !present.has(name)) continue;
        const bytes = node.outbox.bytes(stream, f.kind, f.number);
        if (!bytes) continue;
        run.report.sent.bytes += await run.put(`${folder}/${name}`, bytes);
        if (f.uploaded === null) {
          // Now there with this node's bytes: published (publish would otherwise read it again
          // through this sync's listing, taken before this write).
          node.outbox.markUploaded(stream, f.kind, f.number, run.now());
          if (f.kind === "segment") {
            run.report.sent.segments++;
            run.report.sent.events += f.last - f.first + 1;
          } else run.report.sent.snapshots++;
        }
        // Not pruned here, yet gone from the server (deleted there): the new readers need it too.
        if (!present.has(name)) warn(run.report, `${folder}/${name}: uploaded again from the sealed copy, as it was missing from the server`, say("warn.reuploadedMissing", { file: `${folder}/${name}` }));
      }
    }
    for (const read of inbound) if (ackPath(read, node.id).startsWith(`${folder}/`)) run.inbox.markAcked(read, -1);
    set.run(folder, digest);
  }
}
