import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { IntegrityError, SegmentError, SincroError, say } from "../errors.js";
import type { EventEnvelope } from "../events/envelope.js";
import { decodeSegment } from "../wire/segmentCodec.js";
import { AG_ROOT, ALL_FOLDER, CATALOGUE, SEDE, SEDE_ROOT, agentToSede, parseFileName, sedeToAgent, segmentName, snapshotName, streamFolder, type StreamName } from "../wire/streams.js";
import { HEAD_FOLDER, headName, parseHead, type HeadPosition, type OfficeHead } from "./officeHead.js";
import { checkAuthority } from "./inbox.js";
import type { SincroNode } from "../node/sincroNode.js";
import { warn, type SyncRun } from "./syncRun.js";

/**
 * A restored office database (DESIGN §8, "Backup and restore"; README, "The office PC restored
 * from a backup"). The office's newest head on the server, signed by the office's key, is
 * numbered past the last one this database wrote: it is older than the office's last sync.
 * 1. At once, the office goes on from the head: per stream its next segment follows the last one
 *    published (number, offset, hash), and its own events are numbered after the last one it had
 *    recorded, so agents accept what it publishes next (no fork).
 * 2. Its own events published since the backup come back from the segments still on the server
 *    and from the copies agents keep of what they applied (office_files), which it verifies
 *    (its own signature, the chain from the last segment it holds, the head's hash); then its
 *    projections are rebuilt.
 * 3. Each agent uploads again its own events after what this database holds of them
 *    (`recover.ret`, signed by the agent, encrypted for the office): applied through the usual
 *    checks (signature, authority, domain rules, quarantine), then the agent's stream goes on.
 * It asks through `SincroSede/_ALL/recover.req`; an agent that has not answered holds only its
 * own stream (and the recovery of its own segments); the rest syncs as usual.
 */
export const RECOVER_REQUEST_FORMAT = "sincro-recover-request/1";
export const RECOVER_FORMAT = "sincro-recover/1";
export const RECOVER_REQUEST_PATH = `${SEDE_ROOT}/${ALL_FOLDER}/recover.req`;
export const recoverReturnPath = (agent: string): string => `${AG_ROOT}/${agent}/recover.ret`;
const STATE_KEY = "sede.recover";
const SENT_KEY = "sede.recover.sent";
const ANSWERED_KEY = "recover.answered";
/** Decompressed size an answer may have. */
const MAX_RECOVER_BYTES = 256 * 1024 * 1024;
/** Office files one answer carries at most (bytes); the next request asks for the rest. */
const ANSWER_FILE_BYTES = 64 * 1024 * 1024;
/** Days an agent keeps the office's files it applied (config `recover.keep-days`). */
export const DEFAULT_KEEP_DAYS = 180;

interface StreamRecovery {
  /** The next segment to take back, and the hash it must chain to. */
  next: number;
  prev: string;
  /** The last segment the office had published (from its head), and its hash. */
  target: number;
  targetSha: string;
}

export interface RecoverState {
  head: number;
  since: string;
  streams: Record<StreamName, StreamRecovery>;
  /** Agents whose events this database waits for. */
  agents: string[];
  /** Own events were taken back and the projections not yet rebuilt (kept across a crash). */
  rebuild?: boolean;
}

/** What `sync` says about a restored office database in English (report.warnings, --json); people read the catalogue's `warn.sedeRestore.*`. */
const english = {
  detected: (held: number, newest: number, after: number) =>
    `this office database was put back from a backup (${
      newest > held
        ? `it last wrote the office's head number ${held}; the server holds number ${newest}, signed by the office's key`
        : `a copy made by "sincro backup"; the server holds segments or receipts the office signed after it`
    }): ` +
    `numbering goes on after what the office had published (its events up to #${after}); the office's own later work and the agents' orders received since the backup are being taken back from the agents`,
  oldHead: (held: number, newest: number) =>
    `sync: this office database is older than the office's last sync (it last wrote the office's head number ${held}; the server holds number ${newest}, written by an earlier sincro that did not record where the office's numbering stood). ` +
    `Going on would publish numbers the agents already hold. Nothing was sent. Put back the office database from after its last sync if you have it; otherwise see README, "The office PC restored from a backup"`,
  ownBack: (count: number, from: string) => `took back ${count} event(s) of the office published after the backup (from ${from})`,
  agentBack: (agent: string, count: number) => `took back ${count} event(s) of ${agent} received after the backup; its stream goes on`,
  waiting: (agents: string[], streams: string[]) =>
    `restore of the office database still waits for ${[agents.length ? `the agents ${agents.join(", ")} (their next sync)` : "", streams.length ? `the office's own segments of ${streams.join(", ")}` : ""].filter((x) => x).join(" and ")}`,
  done: "restore of the office database complete: everything published and received since the backup is back",
  refused: (path: string, why: string) => `${path}: refused: ${why}`,
  gap: (agent: string, after: number, first: number) => `${agent} sent its events from offset ${first}, but this database holds them only up to offset ${after}; the ones between cannot come back`,
};

export function recoverState(node: SincroNode): RecoverState | undefined {
  const text = node.config(STATE_KEY);
  return text === undefined ? undefined : (JSON.parse(text) as RecoverState);
}

/** Whether `stream` is one of the office's own streams whose published events are still being taken back (no snapshot of it until then). */
export function recoveringStream(node: SincroNode, stream: StreamName): boolean {
  return recoverState(node)?.streams[stream] !== undefined;
}

/** Whether this office database waits for `agent`'s events (its stream is not read until they are back). */
export function awaitingAgent(node: SincroNode, agent: string): boolean {
  return recoverState(node)?.agents.includes(agent) ?? false;
}

/**
 * Sede, before anything of this sync is sealed: notices a restored database (a newer head signed
 * by the office) and goes on from that head at once (see above). A database copy made by
 * `sincro backup` refuses commands until this check ran.
 */
export async function detectRestoredOffice(run: SyncRun): Promise<void> {
  const { node } = run;
  if (recoverState(node) !== undefined) return;
  const last = node.config("head.last");
  if (last === undefined) {
    node.clearBackupCopy();
    return;
  }
  const held = Math.max((JSON.parse(last) as { number: number }).number, Number(node.config("head.writing") ?? "0"));
  // A copy made by "sincro backup" looks at its first sync; any other database only when it has
  // something to publish (its listing of the catalogue folder is the one publishing makes anyway),
  // so a quiet sync costs nothing more.
  const toPublish = run.producedStreams().some((stream) => node.outbox.pending(stream) > 0 || node.outbox.files(stream).some((f) => f.uploaded === null && f.pruned === null));
  if (!node.isBackupCopy() && !toPublish) return;
  const newer = (await run.list(HEAD_FOLDER))
    .map((f) => /^(\d{10})\.head$/.exec(f.name))
    .flatMap((m) => (m ? [Number(m[1])] : []))
    .filter((n) => n > held)
    .sort((a, b) => b - a);
  let head: OfficeHead | undefined;
  let newest = 0;
  for (const n of newer) {
    // A forgery (anyone with the password may write there) does not open: warned and ignored.
    const bytes = await run.readSmallFile(`${HEAD_FOLDER}/${headName(n)}`, "office head");
    if (!bytes) continue;
    head = parseHead(bytes);
    newest = n;
    break;
  }
  if (newest === 0) {
    // No newer head; but a copy made by "sincro backup" shortly before the office's last syncs
    // finds what those did past it: its own segments past the ones it sealed (a sync cut before
    // its head), or its acks of agents' streams past what it applied (a sync that only received:
    // the head moves on only with what the office publishes, or hourly).
    const own = last === undefined ? undefined : (JSON.parse(last) as OfficeHead);
    if (!node.isBackupCopy() || !own?.positions || !own.own || !((await publishedPastCopy(run)) || (await ackedPastCopy(run)))) {
      node.clearBackupCopy();
      return;
    }
    head = own;
    newest = held;
  }
  if (!head || !head.positions || !head.own) {
    throw new SincroError("OFFICE_RESTORED", english.oldHead(held, newest), { exitCode: 1, say: say("error.officeRestoredOldHead", { held: String(held), newest: String(newest) }) });
  }
  // Segments published after that head (a sync cut before it wrote its head) are on the server:
  // the office goes on after them too.
  const positions = new Map<StreamName, HeadPosition>(Object.entries(head.positions));
  let own = head.own;
  for (const stream of run.producedStreams()) {
    // From the head's position, or from the copy's own last segment when it sealed past that (a
    // segment its snapshot covered, pruned without an upload; seed 951000040).
    const mine = node.outbox.lastSealed(stream);
    let at: HeadPosition | undefined = positions.get(stream);
    if (mine !== undefined && mine.number > (at?.segment ?? 0)) at = { segment: mine.number, offset: mine.last, sha256: mine.sha256 };
    const listed = new Set((await run.list(streamFolder(stream))).map((f) => f.name));
    for (let n = (at?.segment ?? 0) + 1; listed.has(segmentName(n)); n++) {
      const path = `${streamFolder(stream)}/${segmentName(n)}`;
      const bytes = await run.readSmallFile(path, "office segment");
      if (!bytes) break;
      const seg = decodeSegment(bytes, path, { stream, number: n });
      if (seg.header.prev !== (at?.sha256 ?? "")) break;
      at = { segment: n, offset: seg.header.last, sha256: seg.sha256 };
      positions.set(stream, at);
      for (const e of seg.events) if (e.origin === SEDE && e.seq > own.seq) own = { seq: e.seq, hash: e.hash };
    }
  }
  const state: RecoverState = { head: newest, since: run.now().toISOString(), streams: {}, agents: [...run.agents] };
  // Per stream: the copy sealed that far itself, or the office published past it (adopted, with
  // the files the copy holds that are still on the server as it holds them).
  const streams = [...positions].filter(([stream]) => run.producedStreams().includes(stream));
  const behind = new Map<StreamName, Array<{ kind: "segment" | "snapshot"; number: number }>>();
  for (const [stream, at] of streams) {
    if ((node.outbox.lastSealed(stream)?.number ?? 0) < at.segment) behind.set(stream, await heldAndOnServer(run, stream, at.segment));
  }
  node.batch(() => {
    for (const [stream, at] of streams) {
      const stillServed = behind.get(stream);
      if (stillServed === undefined) {
        // This copy sealed that far itself, but the office may have sealed a snapshot under that
        // number after the copy was made: the next snapshot here goes behind an empty segment.
        node.outbox.rememberHeadPosition(stream, at);
        continue;
      }
      const mine = node.outbox.lastSealed(stream);
      state.streams[stream] = { next: (mine?.number ?? 0) + 1, prev: mine?.sha256 ?? "", target: at.segment, targetSha: at.sha256 };
      node.outbox.adoptPublished(stream, at, stillServed);
    }
    node.continueOwnAfter(own.seq, own.hash);
    // The next head follows the newest one (which it replaces).
    node.setState("head.last", JSON.stringify({ ...head, readers: "" }));
    node.setState(STATE_KEY, JSON.stringify(state));
    node.clearBackupCopy();
  });
  warn(run.report, english.detected(held, newest, own.seq), say("warn.sedeRestore.detected", { after: own.seq }));
}

/**
 * The files of `stream` up to segment `upTo` that this copy holds, not pruned, and that are on
 * the server exactly as it holds them (the office's signature verified): the office still serves
 * them after its restore, so a reader that finds one damaged or replaced gets it again. A file the
 * office replaced or pruned after the copy was made, or one that does not verify, is not one.
 */
async function heldAndOnServer(run: SyncRun, stream: StreamName, upTo: number): Promise<Array<{ kind: "segment" | "snapshot"; number: number }>> {
  const folder = streamFolder(stream);
  const listed = new Map((await run.list(folder)).map((f) => [f.name, f]));
  const same: Array<{ kind: "segment" | "snapshot"; number: number }> = [];
  for (const held of run.node.outbox.heldUpTo(stream, upTo)) {
    const name = held.kind === "segment" ? segmentName(held.number) : snapshotName(held.number);
    const remote = listed.get(name);
    if (!remote) continue;
    try {
      const { plain } = await run.fetchSealed(`${folder}/${name}`, remote);
      if (plain.equals(held.bytes)) same.push({ kind: held.kind, number: held.number });
    } catch (err) {
      // Not the office's file as held here (readers report it): it is not served from this copy.
      if (!(err instanceof SegmentError)) throw err;
    }
  }
  return same;
}

/** Whether a stream's folder holds a segment, signed by this office, numbered past the last one this database sealed. */
async function publishedPastCopy(run: SyncRun): Promise<boolean> {
  for (const stream of run.producedStreams()) {
    const last = run.node.outbox.lastSegmentNumber(stream);
    const folder = streamFolder(stream);
    for (const f of await run.list(folder)) {
      const parsed = parseFileName(f.name);
      if (parsed?.kind !== "segment" || parsed.number <= last) continue;
      if (await run.readSmallFile(`${folder}/${f.name}`, "office segment")) return true;
    }
  }
  return false;
}

/** Whether the office's ack of an agent's stream on the server names a segment past what this database applied of it. */
async function ackedPastCopy(run: SyncRun): Promise<boolean> {
  for (const agent of run.agents) {
    const stream = agentToSede(agent);
    const ack = await run.readAck(stream, SEDE);
    if (ack && ack.segment > Math.max(0, run.inbox.cursor(stream)?.segment ?? 0)) return true;
  }
  return false;
}

/**
 * Sede, before receiving: takes back what it can of its own segments (from the server, then
 * from the agents' answers) and the agents' events, then asks for what is still missing.
 */
export async function recoverRestoredOffice(run: SyncRun): Promise<void> {
  const { node } = run;
  const state = recoverState(node);
  if (!state) return;
  // An agent retired meanwhile is waited for no more, nor are the office's files for it.
  state.agents = state.agents.filter((a) => run.agents.includes(a));
  for (const stream of Object.keys(state.streams)) if (!run.producedStreams().includes(stream)) delete state.streams[stream];
  let own = 0;
  const from = new Set<string>();
  // From the server: segments not yet pruned there.
  for (const [stream, s] of Object.entries(state.streams)) {
    const folder = streamFolder(stream);
    const listed = new Map((await run.list(folder)).map((f) => [f.name, f]));
    for (let file = listed.get(segmentName(s.next)); file && state.streams[stream] !== undefined; file = listed.get(segmentName(s.next))) {
      const path = `${folder}/${file.name}`;
      try {
        own += takeBackSegment(run, state, stream, path, await run.fetch(path, file));
        from.add("the parking area");
      } catch (err) {
        if (!(err instanceof SegmentError || err instanceof IntegrityError)) throw err;
        warn(run.report, english.refused(path, err.message), say("warn.sedeRestore.ownRefused", { file: path }));
        break;
      }
    }
  }
  // From the agents' answers.
  for (const agent of run.agents) {
    if (!run.reads(agent)) continue;
    const path = recoverReturnPath(agent);
    const bytes = await run.readSmallFile(path, "recovery answer");
    if (!bytes) continue;
    try {
      const answer = parseAnswer(bytes, path, agent);
      for (const f of answer.files) {
        const s = state.streams[f.stream];
        if (!s || f.number !== s.next) continue;
        const segPath = `${streamFolder(f.stream)}/${segmentName(f.number)}`;
        // Signed by the office over that very path: only the office can have written it.
        own += takeBackSegment(run, state, f.stream, segPath, run.trust.open(segPath, f.box));
        from.add(agent);
      }
      if (answer.events && state.agents.includes(agent)) takeBackAgentEvents(run, state, agent, path, answer.events);
    } catch (err) {
      if (!(err instanceof SegmentError || err instanceof IntegrityError)) throw err;
      const text = english.refused(path, err.message);
      run.report.errors.push(text);
      run.report.said.push({ text, say: say("warn.sedeRestore.answerRefused", { file: path, agent }) });
    }
  }
  if (own > 0) {
    run.report.received.events += own;
    warn(run.report, english.ownBack(own, [...from].join(", ")), say("warn.sedeRestore.ownBack", { n: own }));
  }
  if (state.rebuild) {
    // Last-writer-wins and every projection, as if the events had never gone missing.
    node.batch(() => {
      node.rebuild();
      state.rebuild = false;
      node.setState(STATE_KEY, JSON.stringify(state));
    });
  }
  const waiting = Object.keys(state.streams).length > 0 || state.agents.length > 0;
  if (!waiting) {
    node.db.prepare(`DELETE FROM node_config WHERE key IN (?, ?)`).run(STATE_KEY, SENT_KEY);
    await run.transport.delete(RECOVER_REQUEST_PATH);
    warn(run.report, english.done, say("warn.sedeRestore.done"));
    return;
  }
  node.setState(STATE_KEY, JSON.stringify(state));
  const request = {
    format: RECOVER_REQUEST_FORMAT,
    head: state.head,
    streams: Object.fromEntries(Object.entries(state.streams).map(([stream, s]) => [stream, s.next])),
    agents: Object.fromEntries(state.agents.map((a) => [a, run.inbox.cursor(agentToSede(a))?.offset ?? 0])),
  };
  const text = `${JSON.stringify(request)}\n`;
  if (node.config(SENT_KEY) !== text || !(run.listed(HEAD_FOLDER) ?? []).some((f) => f.name === "recover.req")) {
    run.report.sent.bytes += await run.put(RECOVER_REQUEST_PATH, Buffer.from(text, "utf8"));
    node.setState(SENT_KEY, text);
  }
  const agents = state.agents.join(", ");
  const ownMissing = Object.keys(state.streams).length > 0;
  const awaited = state.agents.length === 0 ? say("warn.sedeRestore.waitingOwn") : ownMissing ? say("warn.sedeRestore.waitingBoth", { agents }) : say("warn.sedeRestore.waitingAgents", { agents });
  warn(run.report, english.waiting(state.agents, Object.keys(state.streams)), awaited);
}

/** Verifies one of the office's own segments taken back and appends its events; returns how many were new. */
function takeBackSegment(run: SyncRun, state: RecoverState, stream: StreamName, path: string, plain: Buffer): number {
  const s = state.streams[stream] as StreamRecovery;
  const { header, events, sha256 } = decodeSegment(plain, path, { stream, number: s.next });
  checkAuthority(stream, path, header.producer, events);
  if (header.prev !== s.prev) throw new SegmentError(path, `read ${path}: does not chain to segment ${s.next - 1} of ${stream} held here`, { code: "BROKEN_CHAIN" });
  if (s.next === s.target && sha256 !== s.targetSha) throw new SegmentError(path, `read ${path}: is not the segment the office's head names`, { code: "BROKEN_CHAIN" });
  const { node } = run;
  return node.batch(() => {
    run.hook("apply", { stream, file: path });
    const added = node.appendRecoveredOwn(events);
    if (added > 0) state.rebuild = true;
    // Kept whole: a reader that finds it damaged or replaced on the server gets it again from here.
    node.outbox.recordPublished(stream, s.next, header.first, header.last, sha256, plain);
    if (s.next >= s.target) delete state.streams[stream];
    else {
      s.next++;
      s.prev = sha256;
    }
    node.setState(STATE_KEY, JSON.stringify(state));
    return added;
  });
}

interface AgentEvents {
  entries: Array<{ offset: number; event: EventEnvelope }>;
  position: HeadPosition;
}

/** Applies an agent's own events sent again, through the usual checks, and moves its stream's cursor to where the agent is. */
function takeBackAgentEvents(run: SyncRun, state: RecoverState, agent: string, path: string, sent: AgentEvents): void {
  const { node } = run;
  const stream = agentToSede(agent);
  const cursor = run.inbox.cursor(stream);
  const after = cursor && cursor.segment >= 0 ? cursor.offset : 0;
  const atSegment = cursor && cursor.segment >= 0 ? cursor.segment : 0;
  const entries = sent.entries.filter((e) => e.offset > after);
  entries.forEach((e, i) => {
    if (e.offset !== after + 1 + i) throw new SegmentError(path, `read ${path}: ${english.gap(agent, after, e.offset)}`, { code: "GAP" });
  });
  const lastOffset = entries.at(-1)?.offset ?? after;
  if (sent.position.segment > atSegment && sent.position.offset !== lastOffset) {
    throw new SegmentError(path, `read ${path}: its events end at offset ${lastOffset}, not at offset ${sent.position.offset} of segment ${sent.position.segment}`, { code: "OUT_OF_ORDER" });
  }
  const events = entries.map((e) => e.event);
  checkAuthority(stream, path, agent, events);
  node.batch(() => {
    run.hook("apply", { stream, file: path });
    const result = node.receive(events, { source: path });
    run.report.received.events += result.applied;
    run.report.received.duplicates += result.duplicates;
    for (const q of result.quarantined) {
      const text = `quarantined ${q.origin}#${q.seq} (${q.type}) from ${path}: ${q.reason}; kept in the log, not applied (see "sincro status")`;
      warn(run.report, text, q.origin === SEDE ? say("warn.quarantined.sede", { file: path }) : say("warn.quarantined.agent", { agent: q.origin, file: path }));
    }
    if (sent.position.segment > atSegment) run.inbox.moveTo(stream, sent.position.segment, sent.position.offset, sent.position.sha256);
    state.agents = state.agents.filter((a) => a !== agent);
    node.setState(STATE_KEY, JSON.stringify(state));
    warn(run.report, english.agentBack(agent, result.applied), say("warn.sedeRestore.agentBack", { agent, n: result.applied }));
  });
  node.outbox.heardFrom(agent, run.now());
}

function parseAnswer(bytes: Buffer, path: string, agent: string): { files: Array<{ stream: StreamName; number: number; box: Buffer }>; events?: AgentEvents } {
  const bad = (why: string): never => {
    throw new SegmentError(path, `read ${path}: ${why}`, { code: "CORRUPT" });
  };
  let lines: string[] = [];
  try {
    lines = gunzipSync(bytes, { maxOutputLength: MAX_RECOVER_BYTES }).toString("utf8").split("\n").filter((l) => l !== "");
  } catch {
    bad("not a valid recovery answer (not gzip, or larger than allowed)");
  }
  let header: { format?: string; agent?: string; position?: HeadPosition | null };
  try {
    header = JSON.parse(lines[0] ?? "{}") as typeof header;
  } catch {
    return bad("header is not JSON");
  }
  if (header.format !== RECOVER_FORMAT || header.agent !== agent) bad(`not a recovery answer of ${agent}`);
  const files: Array<{ stream: StreamName; number: number; box: Buffer }> = [];
  const entries: AgentEvents["entries"] = [];
  for (const line of lines.slice(1)) {
    const row = JSON.parse(line) as { file?: { stream: string; number: number; box: string }; offset?: number; event?: EventEnvelope };
    if (row.file && typeof row.file.stream === "string" && Number.isSafeInteger(row.file.number) && typeof row.file.box === "string") {
      files.push({ stream: row.file.stream, number: row.file.number, box: Buffer.from(row.file.box, "base64") });
    } else if (Number.isSafeInteger(row.offset) && row.event && typeof row.event === "object") {
      entries.push({ offset: row.offset as number, event: row.event });
    } else bad("a line is neither an office file nor an event");
  }
  files.sort((a, b) => a.number - b.number);
  const p = header.position;
  const position = p && Number.isSafeInteger(p.segment) && Number.isSafeInteger(p.offset) && typeof p.sha256 === "string" ? p : undefined;
  return { files, ...(position && { events: { entries, position } }) };
}

/** Agent, after applying an office segment: keeps it as received, for a restored office. */
export function keepOfficeFile(run: SyncRun, stream: StreamName, number: number, path: string, box: Buffer): void {
  run.node.db
    .prepare(`INSERT INTO office_files (stream, number, path, box, kept) VALUES (?, ?, ?, ?, ?) ON CONFLICT (stream, number) DO UPDATE SET path = excluded.path, box = excluded.box, kept = excluded.kept`)
    .run(stream, number, path, box, run.now().toISOString());
}

/**
 * Agent, at the end of its sync: answers the office's recovery request, once per request, with
 * the office's files it kept from the segments asked and its own events after the offset the
 * office holds; withdraws its answer once the request is gone. Drops kept files past retention.
 */
export async function answerRecoverRequest(run: SyncRun): Promise<void> {
  const { node } = run;
  const days = Number(node.config("recover.keep-days") ?? DEFAULT_KEEP_DAYS);
  const keepDays = Number.isFinite(days) && days >= 0 ? days : DEFAULT_KEEP_DAYS;
  node.db.prepare(`DELETE FROM office_files WHERE kept < ?`).run(new Date(run.now().getTime() - keepDays * 86_400_000).toISOString());
  const listed = (await run.list(HEAD_FOLDER)).some((f) => f.name === "recover.req");
  const answered = node.config(ANSWERED_KEY);
  if (!listed) {
    if (answered !== undefined) {
      await run.transport.delete(recoverReturnPath(node.id));
      node.db.prepare(`DELETE FROM node_config WHERE key = ?`).run(ANSWERED_KEY);
    }
    return;
  }
  const bytes = await run.readSmallFile(RECOVER_REQUEST_PATH, "office's recovery request");
  if (!bytes) return;
  const key = createHash("sha256").update(bytes).digest("hex");
  if (answered === key) return;
  let request: { format?: string; streams?: Record<string, number>; agents?: Record<string, number> };
  try {
    request = JSON.parse(bytes.toString("utf8")) as typeof request;
    if (request.format !== RECOVER_REQUEST_FORMAT || typeof request.streams !== "object" || typeof request.agents !== "object") throw new Error("fields");
  } catch {
    warn(run.report, `${RECOVER_REQUEST_PATH}: not a valid request; ignored`, say("warn.badRequest", { file: RECOVER_REQUEST_PATH }));
    return;
  }
  const lines: string[] = [];
  let room = ANSWER_FILE_BYTES;
  for (const stream of [CATALOGUE, sedeToAgent(node.id)]) {
    const from = request.streams?.[stream];
    if (!Number.isSafeInteger(from)) continue;
    const rows = node.db.prepare(`SELECT number, box FROM office_files WHERE stream = ? AND number >= ? ORDER BY number`).iterate(stream, from) as Iterable<{ number: number; box: Buffer }>;
    let expected = from as number;
    for (const r of rows) {
      if (r.number !== expected || r.box.length > room) break;
      room -= r.box.length;
      lines.push(JSON.stringify({ file: { stream, number: r.number, box: r.box.toString("base64") } }));
      expected++;
    }
  }
  let position: HeadPosition | null = null;
  const after = request.agents?.[node.id];
  if (Number.isSafeInteger(after)) {
    const own = agentToSede(node.id);
    const sealed = node.outbox.lastSealed(own);
    position = { segment: sealed?.number ?? 0, offset: sealed?.last ?? 0, sha256: sealed?.sha256 ?? "" };
    const rows = node.db
      .prepare(
        `SELECT s.offset, e.id, e.origin, e.seq, e.hlc, e.at, e.type, e.v, e.data, e.prev, e.hash FROM stream_entries s JOIN events e ON e.pos = s.pos
         WHERE s.stream = ? AND s.offset > ? AND s.offset <= ? ORDER BY s.offset`,
      )
      .iterate(own, after, position.offset) as Iterable<EventEnvelope & { offset: number }>;
    for (const { offset, ...event } of rows) lines.push(JSON.stringify({ offset, event }));
  }
  const text = [JSON.stringify({ format: RECOVER_FORMAT, agent: node.id, position }), ...lines].join("\n") + "\n";
  run.report.sent.bytes += await run.put(recoverReturnPath(node.id), gzipSync(Buffer.from(text, "utf8")));
  node.setState(ANSWERED_KEY, key);
}

/** For `status`: what a restored office database still waits for. */
export function recoveryAwaited(node: SincroNode): { agents: string[]; streams: string[]; since: string } | undefined {
  const state = recoverState(node);
  return state && { agents: state.agents, streams: Object.keys(state.streams), since: state.since };
}
