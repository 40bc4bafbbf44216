import { SegmentError, SincroError, say } from "../errors.js";
import type { EventEnvelope } from "../events/envelope.js";
import { inSeries } from "../events/decide.js";
import type { NumberingBase } from "../node/sincroNode.js";
import type { AckFile } from "../wire/ackFile.js";
import { decodeEnvelope } from "../wire/envelopeCodec.js";
import type { SegmentHeader } from "../wire/segmentCodec.js";
import { CATALOGUE, SEDE, ackPath, agentToSede, parseFileName, resendPath, segmentName, sedeToAgent, streamFolder } from "../wire/streams.js";
import { requestResend } from "./resend.js";
import { type SyncRun, warn } from "./syncRun.js";
import { holdOnFiles, ownSegmentsAfter } from "./heldFiles.js";
import { returnRequestPath } from "./restore.js";
import { recoverReturnPath } from "./sedeRestore.js";

/** An agent's first sync needs what the sede published for it (DESIGN §3, first sync). */
export async function checkPublished(run: SyncRun): Promise<void> {
  const { node } = run;
  const own = sedeToAgent(node.id);
  if (run.inbox.cursor(own)) return;
  const files = run.listed(streamFolder(own)) ?? [];
  if (!files.some((f) => parseFileName(f.name) !== undefined)) {
    throw new SincroError(
      "NOT_PUBLISHED",
      `sync: the office has not published data for agent ${node.id} yet: run a sync at the office first (after "sincro agent add ${node.id}" there)`,
      { exitCode: 1, say: { key: "error.notPublished", params: { agent: node.id } } },
    );
  }
  // Something to start from now: a request for it (askForAStart) is answered.
  const request = resendPath(own, node.id);
  const folder = request.slice(0, request.lastIndexOf("/"));
  if ((await run.list(folder)).some((f) => `${folder}/${f.name}` === request)) await run.transport.delete(request);
}

/**
 * Agent whose own stream's folder holds nothing to start from (a PC put back from a copy made
 * before its first sync completed, after someone deleted what the office had parked for it):
 * asks the office for a start, as a resend request for segment 1, which the office answers by
 * putting its snapshot there again or sealing a new one (ship/resend.ts).
 */
export async function askForAStart(run: SyncRun): Promise<void> {
  await requestResend(run, sedeToAgent(run.node.id), segmentName(1), "nothing to start from");
}

/** What the parking area shows of an earlier PC with this agent code. */
export interface EarlierPcEvidence {
  /** This agent code. */
  node: string;
  /** The sede's ack of the agent's stream, if there is one. */
  ack: AckFile | undefined;
  /** Segments of the agent's stream still on the server after that ack, in number order (damaged copies of this PC's own left out). */
  leftovers: ReadonlyArray<{ header: SegmentHeader; sha256: string; events: readonly EventEnvelope[] }>;
  /** This PC's own sealed segments of the stream: number → SHA-256. */
  mine: ReadonlyMap<number, string>;
  /** This PC's customer code series. */
  series: { prefix: string; digits: number };
}

/**
 * Where this PC's numbering continues (event seq chained to the last event the sede holds,
 * segment and offset, order numbers, customer codes), and whether the evidence comes from
 * another PC at all: what this PC itself published (a first sync that crashed after
 * publishing) is no sign of an earlier PC. Pure.
 */
export function numberingBase(ev: EarlierPcEvidence): { base: NumberingBase; foreign: boolean } {
  const { ack, mine, series } = ev;
  let foreign = ack !== undefined && ack.segment > 0 && mine.get(ack.segment) !== ack.sha256;
  const base: NumberingBase = {
    seq: ack?.lastSeq ?? 0,
    hash: ack?.lastHash ?? "",
    segment: ack?.segment ?? 0,
    offset: ack?.offset ?? 0,
    sha256: ack?.sha256 ?? "",
    orders: { ...(ack?.orders ?? {}) },
    customer: 0,
  };
  const customerNumber = (code: string) => (inSeries(code, series.prefix, series.digits) ? Number(code.slice(series.prefix.length)) : 0);
  if (ack?.lastCustomer !== undefined) base.customer = customerNumber(ack.lastCustomer);
  for (const { header, sha256, events } of ev.leftovers) {
    if (mine.get(header.segment) !== sha256) foreign = true;
    base.segment = header.segment;
    base.offset = header.last;
    base.sha256 = sha256;
    for (const e of events) {
      if (e.origin !== ev.node || e.seq <= base.seq) continue;
      base.seq = e.seq;
      base.hash = e.hash;
      const d = decodeEnvelope(e);
      if (d.type === "OrderPlaced") base.orders[d.data.type] = Math.max(base.orders[d.data.type] ?? 0, d.data.number);
      if (d.type === "CustomerCreated") base.customer = Math.max(base.customer, customerNumber(d.data.code));
    }
  }
  return { base, foreign };
}

/**
 * A PC enrolled (or re-enrolled) since the office last synced cannot read the office's files yet:
 * they are encrypted for the keys the office knew then. It stops with what to do, writing nothing.
 * An ack that does not verify at all is not the office's (a forgery, a damaged copy): it is
 * reported and ignored when the ack is read, and stops nothing.
 */
async function officeHasRewritten(run: SyncRun, ack: string): Promise<void> {
  try {
    await run.readIfListed(ack);
  } catch (err) {
    if (err instanceof SegmentError && err.code === "NOT_FOR_US") {
      throw new SincroError(
        "WAIT_FOR_OFFICE",
        `sync: the office has not synced since this PC was enrolled, so its files are not yet readable with this PC's keys (${ack}). Ask the office to run "sincro sync", then sync again; nothing was changed here`,
        { exitCode: 1, say: say("error.waitForOffice") },
      );
    }
    if (!(err instanceof SegmentError)) throw err;
  }
}

/**
 * On an agent's first sync, whatever the parking area shows of an earlier PC with the same
 * agent code — the sede's ack of the agent's stream, and the agent's own segments still on
 * the server — sets where this PC's numbering continues, so nothing is reused that the sede
 * has seen or will see. A PC that recorded work before this first sync cannot be renumbered:
 * it is refused with what to do. Returns true when the sync holds, waiting on a file of that
 * folder past what the office received that may be the earlier PC's (see `heldFiles.ts`).
 */
export async function continueEarlierPc(run: SyncRun): Promise<boolean> {
  const { node } = run;
  if (run.inbox.cursor(sedeToAgent(node.id))) return false;
  // A backup copy of this PC taken before its first sync, put back: what the parking area shows
  // is this PC's own work since the copy (same keys), which the office sends back to it
  // (ship/restore.ts), not an earlier PC's to number after and leave behind.
  if (node.isBackupCopy()) return false;
  const own = agentToSede(node.id);
  await officeHasRewritten(run, ackPath(own, SEDE));
  const ack = await run.readAck(own, SEDE);
  const ownFolder = streamFolder(own);
  // A resend or return request, or an answer to a restored office, left by the PC this one
  // replaces (signed with keys since revoked) is not this PC's: the sede would warn about it at
  // every sync. This PC asks (or answers) again if it needs to.
  const left = [...[CATALOGUE, sedeToAgent(node.id)].map((stream) => resendPath(stream, node.id)), returnRequestPath(node.id), recoverReturnPath(node.id)];
  for (const path of left) {
    if ((await run.list(ownFolder)).some((f) => `${ownFolder}/${f.name}` === path)) await run.transport.delete(path);
  }
  const listed = await ownSegmentsAfter(run, ack?.segment ?? 0);
  if (!ack && listed.length === 0) return false;
  const mine = new Map(
    node.outbox
      .files(own)
      .filter((f) => f.kind === "segment")
      .map((f) => [f.number, f.sha256]),
  );
  const leftovers: Array<{ header: SegmentHeader; sha256: string; events: EventEnvelope[] }> = [];
  const unreadable: Array<{ path: string; reason: string }> = [];
  const unread: Array<{ path: string; reason: string }> = [];
  const heldBefore = new Set(node.heldOn());
  const replacesEarlier = node.keyring.all(node.id).length > 0;
  for (const s of listed) {
    if (!("failed" in s)) {
      leftovers.push(s.opened);
      continue;
    }
    const { path, failed: err } = s;
    // A damaged copy of a segment this PC sealed itself (its first sync stopped after
    // publishing): publishing replaces it.
    if (mine.has(s.number)) continue;
    // Signed by the PC this one replaces, sealed for its keys and the office's: the office
    // read what it could before this PC's first sync (its keys are accepted until then), so
    // this is that PC's work after it was replaced, which the office refuses: publishing
    // replaces it. But for a file this PC waited on, damaged until the provider put it back:
    // the office keeps that PC's keys while its stream waits, and reads it first.
    if (err.code === "NOT_FOR_US") {
      if (heldBefore.has(path)) unread.push({ path, reason: err.message });
      continue;
    }
    // Does not verify (damaged, or forged: they cannot be told apart). On the first PC of this
    // code, a forgery: publishing replaces it. On one that replaces an earlier PC (enrolled with
    // that PC's keys to remember), it may be the only copy of that PC's last work, so it is
    // neither replaced nor deleted (folder seed 951000174, run 1746: deleted as a forgery, and
    // a customer was lost).
    if (replacesEarlier) unreadable.push({ path, reason: err.message });
  }
  if (unreadable.length > 0) return holdOnFiles(run, "reinstalled", unreadable);
  if (unread.length > 0) return holdOnFiles(run, "officeUnread", unread);
  const ctx = node.context();
  const { base, foreign } = numberingBase({ node: node.id, ack, leftovers, mine, series: { prefix: ctx.customerPrefix, digits: ctx.customerDigits } });
  if (!foreign) return false;
  const recorded = node.log.head(node.id);
  if (recorded) {
    throw new SincroError(
      "FORK",
      `sync: agent code ${node.id} was already in use on another PC (the office holds its events up to #${base.seq}), and this PC has recorded ${recorded.seq} event(s) before its first sync, whose numbers collide with those. ` +
        `If this PC replaces the old one, create a fresh database with "sincro init --enroll FILE" (a new enrollment file from the office) and sync before entering anything; if the old PC is still in use, give this one another agent code.`,
      { exitCode: 1, say: say("error.codeInUse", { agent: node.id, held: base.seq, n: recorded.seq }) },
    );
  }
  node.continueNumbering(base, { at: run.now().toISOString(), heldBySede: ack?.lastSeq ?? 0, stillOnServer: listed.length });
  const held = ack?.lastSeq ?? 0;
  warn(
    run.report,
    `agent code ${node.id} was used by an earlier PC: the office had received its events up to #${held}` +
      (listed.length > 0 ? `, and ${listed.length} more segment(s) are still on the server for it` : "") +
      `; this PC continues after event #${base.seq}. Work that PC never synced is not recoverable.`,
    listed.length > 0
      ? say("warn.reinstalledLeftovers", { agent: node.id, held, files: listed.length, last: base.seq })
      : say("warn.reinstalled", { agent: node.id, held, last: base.seq }),
  );
  return false;
}
