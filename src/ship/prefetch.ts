import { CATALOGUE, ackPath, agentToSede, parseFileName, resendPath, sedeToAgent, streamFolder, type StreamName } from "../wire/streams.js";
import { ackMayHaveMoved } from "./prune.js";
import { nextStep, startingPoint } from "./receive.js";
import type { RemoteFile } from "./transports/transport.js";
import type { SyncRun } from "./syncRun.js";

/**
 * Sede: lists the folders of `agents` and downloads what the later steps will read there (the
 * segments `receive` applies next, acks that may have moved, resend requests), on up to
 * `run.connections.size` connections at once. Only the downloads overlap: the steps then
 * apply, in the usual order, from the bytes kept (`SyncRun.fetch` opens and verifies them).
 */
export async function prefetch(run: SyncRun, agents: readonly string[]): Promise<void> {
  await run.connections.each(agents, async (transport, agent) => {
    const stream = agentToSede(agent);
    const folder = streamFolder(stream);
    const files = await transport.list(folder);
    run.setListing(folder, files);
    const byName = new Map(files.map((f) => [f.name, f]));
    const wanted = toApply(run, stream, files);
    for (const read of [CATALOGUE, sedeToAgent(agent)]) {
      for (const path of ackMayHaveMoved(run, read, agent) ? [ackPath(read, agent), resendPath(read, agent)] : [resendPath(read, agent)]) {
        const f = byName.get(path.slice(path.lastIndexOf("/") + 1));
        if (f) wanted.push(f);
      }
    }
    for (const f of wanted) {
      if (f.size > run.fetchRoom()) break;
      const path = `${folder}/${f.name}`;
      const bytes = await transport.read(path);
      if (bytes === null || !run.keepFetched(path, bytes)) break;
    }
  });
}

/** The files of a listed stream folder that `receive` will read, in its order. */
function toApply(run: SyncRun, stream: StreamName, files: readonly RemoteFile[]): RemoteFile[] {
  const segments = new Map<number, RemoteFile>();
  const snapshots = new Map<number, RemoteFile>();
  for (const f of files) {
    const parsed = parseFileName(f.name);
    if (parsed?.kind === "segment") segments.set(parsed.number, f);
    else if (parsed?.kind === "snapshot") snapshots.set(parsed.number, f);
  }
  const snapshotNumbers = [...snapshots.keys()].sort((a, b) => a - b);
  const segmentNumbers = new Set(segments.keys());
  const out: RemoteFile[] = [];
  let at = startingPoint(run.inbox.cursor(stream)?.segment, segmentNumbers, snapshotNumbers);
  for (let step = nextStep(at, segmentNumbers, snapshotNumbers); step.kind === "segment" || step.kind === "snapshot"; step = nextStep(at, segmentNumbers, snapshotNumbers)) {
    out.push((step.kind === "segment" ? segments : snapshots).get(step.number) as RemoteFile);
    at = step.number;
  }
  return out;
}
