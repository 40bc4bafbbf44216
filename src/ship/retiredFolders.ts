import { agentToSede, sedeToAgent, streamFolder } from "../wire/streams.js";
import { type SyncRun, warn } from "./syncRun.js";
import { SegmentError, say } from "../errors.js";
import { readBlocked } from "./blockedReason.js";
import { parseFileName } from "../wire/streams.js";

/** The node setting that records when a retired agent's folders were emptied. */
export const emptiedKey = (agent: string): string => `retired.${agent}.emptied`;

/** The node setting that records the last segment a retired agent had parked when its retirement waited on a file that could not be read. */
export const inTransitKey = (agent: string): string => `retired.${agent}.in-transit`;

/**
 * At the sede, after its agents' folders were read: the agents with keys on their way out whose
 * stream stopped on a file that could not be read. Those keys stay accepted so the file is read
 * once it is there again (put back on the server, or uploaded again by the PC):
 * - a retiring agent (no active key left): its retirement waits, but only for what was in
 *   transit: the segments listed now. A number past those is never read (see
 *   {@link inTransitLimit}), so nothing the PC writes after its retirement counts;
 * - a PC being replaced (enrolled again): its successor waits on that file too, as it may be the
 *   old PC's last work (`heldFiles.ts`), and numbers on after it once the office has read it.
 */
export function retirementsWaiting(run: SyncRun): Set<string> {
  const { node } = run;
  const waiting = new Set<string>();
  for (const code of node.keyring.retiring()) {
    if (!run.inbox.cursor(agentToSede(code))?.blocked) continue;
    waiting.add(code);
    if (!node.keyring.isRetiring(code)) continue;
    // Its folder not read this sync (a restored office waiting for it): the limit is set by the sync that reads it.
    const listed = run.listed(streamFolder(agentToSede(code)));
    if (node.config(inTransitKey(code)) !== undefined || listed === undefined) continue;
    const last = Math.max(0, ...listed.map((f) => parseFileName(f.name)).filter((p) => p?.kind === "segment").map((p) => p?.number ?? 0));
    node.setState(inTransitKey(code), String(last));
  }
  return waiting;
}

/** The last segment a retiring agent whose retirement waits may still be read up to (none: no limit). */
export function inTransitLimit(run: SyncRun, code: string): number | undefined {
  const limit = run.node.config(inTransitKey(code));
  return limit === undefined ? undefined : Number(limit);
}

/**
 * At the sede, after the sync received what retiring agents had parked and retired them for
 * good: the folders of each retired agent (what it parked, what the office parked for it) are
 * emptied once, so nothing of its customers stays on the server. A stream stopped on a file that
 * could not be read keeps its folder, with a warning: that file is what was in transit.
 */
export async function emptyRetiredFolders(run: SyncRun): Promise<void> {
  const { node, inbox } = run;
  for (const { code } of node.read.agents()) {
    if (!node.keyring.isRetiring(code) || node.config(emptiedKey(code)) !== undefined) continue;
    const blocked = inbox.cursor(agentToSede(code))?.blocked;
    if (blocked) {
      // Waiting for a missing segment because later ones are there: those the agent never signed are named.
      const reason = readBlocked(blocked);
      const forged = reason.kind === "missing" ? await forgedAfter(run, code, reason.file) : [];
      const why = forged.length === 0 ? blocked : `${blocked}; ${forged.join(", ")} there ${forged.length === 1 ? "does" : "do"} not verify as ${code}'s (forged)`;
      warn(
        run.report,
        `agent ${code} is retired, but its last upload could not be read (${why}); its folder ${streamFolder(agentToSede(code))} is kept, and read again at the next sync`,
        say("warn.retiredKept", { agent: code, folder: streamFolder(agentToSede(code)) }),
      );
      continue;
    }
    if (!node.keyring.isRetired(code)) continue;
    const now = run.now();
    for (const stream of [agentToSede(code), sedeToAgent(code)]) {
      const folder = streamFolder(stream);
      for (const f of await run.transport.list(folder)) {
        await run.transport.delete(`${folder}/${f.name}`);
        run.report.pruned++;
      }
    }
    node.batch(() => {
      for (const f of node.outbox.files(sedeToAgent(code))) if (f.pruned === null) node.outbox.markPruned(sedeToAgent(code), f.kind, f.number, now);
      node.setState(emptiedKey(code), now.toISOString());
    });
  }
}

/** The segments after `missing` in retired agent `code`'s folder that none of its keys signed. */
async function forgedAfter(run: SyncRun, code: string, missing: string): Promise<string[]> {
  const folder = streamFolder(agentToSede(code));
  const after = parseFileName(missing.slice(missing.lastIndexOf("/") + 1))?.number ?? 0;
  const forged: string[] = [];
  for (const f of await run.list(folder)) {
    const parsed = parseFileName(f.name);
    if (parsed?.kind !== "segment" || parsed.number <= after) continue;
    try {
      await run.fetchFormer(`${folder}/${f.name}`, f);
    } catch (err) {
      if (!(err instanceof SegmentError)) throw err;
      forged.push(`${folder}/${f.name}`);
    }
  }
  return forged;
}
