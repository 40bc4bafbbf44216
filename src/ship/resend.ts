import { encodeResendRequest, requestedFile, RESEND_FORMAT } from "../wire/ackFile.js";
import { parseFileName, readersOf, resendPath, streamFolder, type StreamName } from "../wire/streams.js";
import type { SyncRun } from "./syncRun.js";

/**
 * Producer side: a reader whose stream stopped on a damaged file asks for it again (a `.resend`
 * file beside its ack, in a folder this node lists anyway): upload that file again from the
 * sealed bytes.
 */
export async function resendRequested(run: SyncRun): Promise<void> {
  for (const stream of run.producedStreams()) {
    for (const reader of readersOf(stream, run.agents)) {
      // A request lives in the reader's folder; an agent that wrote one rang the doorbell.
      if (!run.reads(reader)) continue;
      const path = resendPath(stream, reader);
      const requested = await run.readSmallFile(path, "resend request");
      if (!requested) continue;
      const file = requestedFile(requested, stream);
      const parsed = parseFileName(file);
      if (!parsed) continue;
      // A file this node pruned as superseded (or one no longer on the server) is not sent again:
      // the reader moves on from the newer snapshot, even if an old copy reappears on the server.
      const sealed = run.node.outbox.files(stream).find((f) => f.kind === parsed.kind && f.number === parsed.number);
      if (sealed?.pruned != null || !(await run.list(streamFolder(stream))).some((f) => f.name === file)) continue;
      const bytes = run.node.outbox.bytes(stream, parsed.kind, parsed.number);
      if (!bytes) {
        run.report.warnings.push(`${path}: ${reader} asks for ${file || "a file"} of ${stream} again, but this node no longer holds it`);
        continue;
      }
      run.report.sent.bytes += await run.put(`${streamFolder(stream)}/${file}`, bytes);
      run.report.warnings.push(`${streamFolder(stream)}/${file}: uploaded again from the sealed copy, as ${reader} found it damaged`);
    }
  }
}

/** Reader side: asks the producer of `stream` to upload `name` again (it failed verification here). */
export async function requestResend(run: SyncRun, stream: StreamName, name: string, reason: string): Promise<void> {
  const request = { format: RESEND_FORMAT, stream, reader: run.node.id, file: name, reason, at: run.now().toISOString() } as const;
  await run.put(resendPath(stream, run.node.id), encodeResendRequest(request));
}
