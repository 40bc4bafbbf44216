import { gunzipSync, gzipSync } from "node:zlib";
import { IntegrityError, say } from "../errors.js";
import type { EventEnvelope } from "../events/envelope.js";
import { envelopeProblem } from "../wire/envelopeCodec.js";
import { AG_ROOT, SEDE, SEDE_ROOT, agentToSede, parseFileName } from "../wire/streams.js";
import { warn, type SyncRun } from "./syncRun.js";
import { holdOnFiles, ownSegmentsAfter } from "./heldFiles.js";

/**
 * A restored agent backup (DESIGN §8, "Backup and restore"). The office's ack of the agent's
 * stream names a segment this PC never sealed: the database is older than what the office
 * received from this agent code. The PC then
 * 1. holds its own stream (publishing would reuse numbers the office has seen: a fork), asks
 *    the office for its own events after the last one it holds (`return.req`, signed, in its
 *    folder) and refuses new work until they are back;
 * 2. at the office's next sync, the office writes them back, for this agent only
 *    (`SincroSede/<AG>/return.ret`, signed by the office, encrypted for the agent);
 * 3. at its next sync, appends them to its log as its own (they chain to its last event),
 *    projects them, takes the office's ack as what is already published, and numbering goes on
 *    after them, as on a reinstalled PC.
 * Events that never leave the PC (local customer updates) and work never synced before the
 * backup was restored cannot come back.
 */
export const RETURN_REQUEST_FORMAT = "sincro-return-request/1";
export const RETURN_FORMAT = "sincro-return/1";
/** Decompressed size a return file may have. */
const MAX_RETURN_BYTES = 256 * 1024 * 1024;

export function returnRequestPath(agent: string): string {
  return `${AG_ROOT}/${agent}/return.req`;
}

export function returnPath(agent: string): string {
  return `${SEDE_ROOT}/${agent}/return.ret`;
}

/** What `sync` says about a restore in English (report.warnings, --json); people read the catalogue's `warn.restore.*`. */
const english = {
  asked: (agent: string, held: number, office: number) =>
    `this PC was restored from a backup: the office received events of ${agent} up to #${office}, this PC holds them up to #${held}. ` +
    `It asked the office to send them back; nothing is sent from this PC until they are here. Sync again after the office's next sync, and enter nothing until then`,
  recovered: (count: number, office: number) =>
    `recovered from the office ${count} event(s) of this PC recorded after the backup; numbering continues after event #${office}`,
  served: (agent: string, count: number, after: number) => `sent back to ${agent} its ${count} event(s) after #${after} (its PC was restored from a backup)`,
  noChain: (agent: string, seq: number) =>
    `sync: this PC's event #${seq} of ${agent} is not the one the office holds, and the office holds later events of ${agent} that this PC does not: ` +
    `either this PC was restored from a backup and used before it synced, or another PC is using the code ${agent}. Nothing was sent. ` +
    `Stop using one of them; to go on with this one, keep its database aside, create a fresh one with "sincro init --enroll FILE" (a new enrollment file from the office) and enter again what the office lacks`,
  stale: (after: number, last: number) => `the events the office sent back (#${after + 1} to #${last}) are not yet the ones this PC asked for; waiting for the office's next sync`,
  offsets: (agent: string) => `sync: the events sent back by the office do not end where the office's ack of ${agent}'s stream does; sync again after the office's next sync`,
};

/**
 * Agent, before sealing: whether this PC is a restored backup still waiting for its own events
 * (then its stream is held for this sync). Recovers them when the office has sent them back.
 */
export async function recoverAfterRestore(run: SyncRun): Promise<boolean> {
  const { node } = run;
  const own = agentToSede(node.id);
  const ack = await run.readAck(own, SEDE);
  // A backup copy put back looks at what this PC parked after the copy: segments past its last
  // sealed one that open as its own, which the office has not read yet. Sealing now would reuse
  // their numbers (a fork). (A second live PC with this code is stopped when it publishes.)
  const parked = node.isBackupCopy() ? await parkedAhead(run) : undefined;
  // A file there that does not open may be this PC's own later work, damaged on the server: it
  // is neither replaced nor deleted (that would lose it for good); the PC waits until it opens
  // (the provider restores it) or someone removes it (folder seed 951000160, run 8469).
  if (parked !== undefined && parked.unreadable.length > 0) return holdOnFiles(run, "restored", parked.unreadable);
  const ahead = parked?.seq;
  if ((!ack || ack.segment === 0 || node.outbox.holdsSegment(own, ack.segment, ack.sha256)) && ahead === undefined) {
    if (node.awaitingReturn()) await finish(run);
    else node.clearBackupCopy();
    return false;
  }
  const head = node.log.head(node.id) ?? { seq: 0, hash: "" };
  // Behind what the office holds, or the office acknowledged a segment this PC never sealed.
  const bytes = await run.readSmallFile(returnPath(node.id), "returned events");
  const back = bytes ? parseReturn(bytes, node.id) : undefined;
  // The last event this PC shipped must be the office's too: otherwise this history and the
  // office's parted (a twin PC, or a restored PC used before it synced).
  const shipped = node.outbox.lastEntry(own) ?? null;
  if (back && ack && back.after === head.seq && back.last === (ack.lastSeq ?? 0)) {
    const events = back.events.filter((e) => e.seq > head.seq);
    const parted = (shipped !== null && back.shipped !== shipped.hash) || (events[0] !== undefined && events[0].seq === head.seq + 1 && events[0].prev !== head.hash);
    if (parted) throw new IntegrityError(english.noChain(node.id, shipped?.seq ?? head.seq), { code: "FORK", say: say("error.restoreNoChain", { agent: node.id, seq: shipped?.seq ?? head.seq }) });
    node.batch(() => {
      node.recoverOwn(events);
      if (!node.outbox.adoptAcked(own, ack)) throw new IntegrityError(english.offsets(node.id), { code: "RESTORE_OFFSETS", say: say("error.restoreOffsets", { agent: node.id }) });
    });
    run.report.received.events += events.length;
    warn(run.report, english.recovered(events.length, ack.lastSeq ?? 0), say("warn.restore.recovered", { n: events.length, office: ack.lastSeq ?? 0 }));
    // Segments the PC before the restore had published and the office has since acknowledged
    // are in transit no more; this PC's outbox never knew them, so its pruning would not.
    const ownFolder = `${AG_ROOT}/${node.id}`;
    for (const f of await run.list(ownFolder)) {
      const parsed = parseFileName(f.name);
      if (parsed?.kind === "segment" && parsed.number <= ack.segment) {
        await run.transport.delete(`${ownFolder}/${f.name}`);
        run.report.pruned++;
      }
    }
    await finish(run);
    return false;
  }
  if (bytes && !back) warn(run.report, `${returnPath(node.id)}: not a valid file of returned events; ignored`, say("warn.badReturn", { file: returnPath(node.id) }));
  else if (back) warn(run.report, english.stale(back.after, back.last), say("warn.restore.stale", { from: back.after + 1, last: back.last }));
  // Asked again when the answer there does not fit (the office received more since, or its ack
  // went missing): writing the request rings the office, which answers and acks again.
  if (back || !node.awaitingReturn() || !(run.listed(`${AG_ROOT}/${node.id}`) ?? []).some((f) => f.name === "return.req")) {
    const request = { format: RETURN_REQUEST_FORMAT, agent: node.id, after: head.seq, hash: head.hash, shipped: shipped?.seq ?? null };
    await run.put(returnRequestPath(node.id), Buffer.from(`${JSON.stringify(request)}\n`, "utf8"));
  }
  node.setAwaitingReturn(true);
  const office = Math.max(ack?.lastSeq ?? 0, ahead ?? 0);
  warn(run.report, english.asked(node.id, head.seq, office), say("warn.restore.asked", { agent: node.id, held: head.seq, office }));
  return true;
}

/**
 * The segments of this PC's own stream on the server numbered past the last one it sealed: the
 * last seq in those that open as its own (signed with its keys; undefined when none do), and
 * those that do not open. A damaged file cannot be told from a forged one, and it may be the
 * only copy of work this PC parked after the backup was made.
 */
async function parkedAhead(run: SyncRun): Promise<{ seq: number | undefined; unreadable: Array<{ path: string; reason: string }> }> {
  const { node } = run;
  let seq: number | undefined;
  const unreadable: Array<{ path: string; reason: string }> = [];
  for (const s of await ownSegmentsAfter(run, node.outbox.lastSegmentNumber(agentToSede(node.id)))) {
    if ("failed" in s) unreadable.push({ path: s.path, reason: s.failed.message });
    else for (const e of s.opened.events) if (e.origin === node.id) seq = Math.max(seq ?? 0, e.seq);
  }
  return { seq, unreadable };
}

async function finish(run: SyncRun): Promise<void> {
  await run.transport.delete(returnRequestPath(run.node.id));
  run.node.setAwaitingReturn(false);
  run.node.clearBackupCopy();
}

function parseReturn(bytes: Buffer, agent: string): { after: number; last: number; shipped: string | null; events: EventEnvelope[] } | undefined {
  let lines: string[];
  try {
    lines = gunzipSync(bytes, { maxOutputLength: MAX_RETURN_BYTES }).toString("utf8").split("\n").filter((l) => l !== "");
  } catch {
    return undefined;
  }
  const header = JSON.parse(lines[0] ?? "{}") as { format?: string; agent?: string; after?: number; last?: number; shipped?: string | null };
  if (header.format !== RETURN_FORMAT || header.agent !== agent || typeof header.after !== "number" || typeof header.last !== "number") return undefined;
  const events = lines.slice(1).map((l) => JSON.parse(l) as EventEnvelope);
  for (const e of events) {
    const problem = envelopeProblem(e);
    if (problem || e.origin !== agent) {
      throw new IntegrityError(`sync: ${returnPath(agent)}: event ${e.origin}#${e.seq} refused: ${problem ?? "not this agent's"}`, { code: "BAD_EVENT", say: say("error.restoreBadEvent", { file: returnPath(agent) }) });
    }
  }
  return { after: header.after, last: header.last, shipped: typeof header.shipped === "string" ? header.shipped : null, events };
}

/**
 * Sede, after receiving: for each agent read in this sync that asks for its events back, writes
 * them (those after the seq it names) into its folder; once the request is gone, the file goes.
 */
export async function serveReturns(run: SyncRun): Promise<void> {
  const { node } = run;
  for (const agent of run.agents) {
    if (!run.reads(agent)) continue;
    const request = await run.readSmallFile(returnRequestPath(agent), "return request");
    const served = `restore.served.${agent}`;
    if (!request) {
      // Remembered, so that a sync with nothing to clean up costs no listing.
      if (node.config(served) !== undefined) {
        await run.transport.delete(returnPath(agent));
        node.db.prepare(`DELETE FROM node_config WHERE key = ?`).run(served);
      }
      continue;
    }
    let after: number;
    let shippedSeq: number | null;
    try {
      const r = JSON.parse(request.toString("utf8")) as { format?: string; agent?: string; after?: number; shipped?: number | null };
      if (r.format !== RETURN_REQUEST_FORMAT || r.agent !== agent || !Number.isSafeInteger(r.after)) throw new Error("bad fields");
      after = r.after as number;
      shippedSeq = Number.isSafeInteger(r.shipped) ? (r.shipped as number) : null;
    } catch {
      warn(run.report, `${returnRequestPath(agent)}: not a valid request; ignored`, say("warn.badRequest", { file: returnRequestPath(agent) }));
      continue;
    }
    const events = node.log.ownedAfter(agent, after);
    const last = node.log.head(agent)?.seq ?? 0;
    // The office's hash of the last event the PC says it shipped: the PC checks that both histories agree up to there.
    const shipped = shippedSeq === null ? null : (node.log.get(agent, shippedSeq)?.hash ?? null);
    const header = { format: RETURN_FORMAT, agent, after, last, shipped, count: events.length };
    const text = [header, ...events].map((l) => JSON.stringify(l)).join("\n") + "\n";
    node.setState(served, String(last));
    run.report.sent.bytes += await run.put(returnPath(agent), gzipSync(Buffer.from(text, "utf8")));
    // The PC takes the answer only together with the office's ack of its stream, which says
    // where it ends: that ack is written again in this sync (one lost would keep the PC waiting).
    if ((run.inbox.cursor(agentToSede(agent))?.segment ?? 0) > 0) run.inbox.markAcked(agentToSede(agent), -1);
    warn(run.report, english.served(agent, events.length, after), say("warn.restore.served", { agent, n: events.length, after }));
  }
}
