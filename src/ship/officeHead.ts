import { SegmentError, say } from "../errors.js";
import { missingPerHead } from "./blockedReason.js";
import { Translator } from "../i18n/translator.js";
import { CATALOGUE, SEDE_ROOT, ALL_FOLDER, segmentName, sedeToAgent, streamFolder, type StreamName } from "../wire/streams.js";
import { requestResend } from "./resend.js";
import { warn, type SyncRun } from "./syncRun.js";

/**
 * The office's signed head (DESIGN §7, "Freshness"; docs/FORMATS.md): written by the sede when a
 * stream moved on (and at least hourly), read by every agent. It says when the office last
 * synced and the last segment it published per stream, so an agent notices a parking area that
 * holds back or rolls back the office's files, and an office that has gone quiet. It is named
 * after its number (`0000000017.head`), so an agent that sees no newer number in the listing it
 * makes anyway reads nothing; a name is bound by the signature, so a renamed head is refused.
 */
export const HEAD_FOLDER = `${SEDE_ROOT}/${ALL_FOLDER}`;
export const HEAD_SUFFIX = ".head";
export const headName = (n: number): string => `${String(n).padStart(10, "0")}${HEAD_SUFFIX}`;
const HEAD_NAME = /^(\d{10})\.head$/;
export const HEAD_FORMAT = "sincro-head/1";

export interface OfficeHead {
  format: typeof HEAD_FORMAT;
  /** Grows by one at every sede sync: a head with a lower number is an old one put back. */
  number: number;
  at: string;
  /** The last segment published per stream. */
  streams: Record<StreamName, number>;
  /**
   * The last snapshot published per stream (absent in heads of earlier versions). A snapshot
   * alone moves the head on too, so that an office database put back from a copy made before it
   * knows that number is taken (convergence seed 950000003).
   */
  snapshots?: Record<StreamName, number>;
  /**
   * Per stream, the last segment published: its number, last offset and hash (what its next
   * segment chains to); and the office's own last event (seq, hash). A restored office database
   * goes on from there (README, "The office PC restored from a backup"). Absent in heads of
   * earlier versions.
   */
  positions?: Record<StreamName, HeadPosition>;
  own?: { seq: number; hash: string };
}

export interface HeadPosition {
  segment: number;
  offset: number;
  sha256: string;
}

/** A sede sync with nothing new writes a head only when the last one is older than this. */
export const HEAD_REFRESH_MS = 3_600_000;

/** Days without a newer head before an agent warns (config `head.max-age-days`). */
export const DEFAULT_HEAD_MAX_AGE_DAYS = 3;

/** Sede: writes a new head when a stream moved on, or the last head is an hour old. */
export async function publishHead(run: SyncRun): Promise<void> {
  const { node } = run;
  const streams: Record<StreamName, number> = {};
  const snapshots: Record<StreamName, number> = {};
  const positions: Record<StreamName, HeadPosition> = {};
  for (const stream of run.producedStreams()) {
    const files = node.outbox.files(stream);
    const snapshot = Math.max(0, ...files.filter((f) => f.kind === "snapshot" && f.uploaded !== null).map((f) => f.number));
    if (snapshot > 0) snapshots[stream] = snapshot;
    const uploaded = files.filter((f) => f.kind === "segment" && f.uploaded !== null);
    const last = uploaded.reduce<(typeof uploaded)[number] | undefined>((top, f) => (top === undefined || f.number > top.number ? f : top), undefined);
    streams[stream] = last?.number ?? 0;
    if (last) positions[stream] = { segment: last.number, offset: last.last, sha256: last.sha256 };
  }
  const ownHead = node.log.head(node.id);
  // A quiet sync within the hour after the last head writes none: the head says nothing new,
  // and a quiet sync of an office with hundreds of agents stays a handful of requests.
  const last = node.config("head.last");
  const previous = last === undefined ? undefined : (JSON.parse(last) as OfficeHead & { readers?: string });
  // An agent enrolled since the last head must be able to read the next one.
  const readers = run.trust.readersDigest(`${SEDE_ROOT}/${ALL_FOLDER}`);
  const listed = run.listed(HEAD_FOLDER);
  const onServer = previous === undefined || listed === undefined || listed.some((f) => f.name === headName(previous.number));
  if (
    previous &&
    onServer &&
    previous.readers === readers &&
    JSON.stringify(previous.streams) === JSON.stringify(streams) &&
    JSON.stringify(previous.snapshots ?? {}) === JSON.stringify(snapshots) &&
    run.now().getTime() - Date.parse(previous.at) < HEAD_REFRESH_MS
  ) {
    return;
  }
  // A number a cut sync may have written is never written again with other content: a copy of
  // this database made between the two would take the later head for its own and miss a restore.
  const attempted = Number(node.config("head.writing") ?? "0");
  const number = Math.max(previous?.number ?? Number(node.config("head.number") ?? "0"), attempted) + 1;
  const head: OfficeHead = { format: HEAD_FORMAT, number, at: run.now().toISOString(), streams, snapshots, positions, own: { seq: ownHead?.seq ?? 0, hash: ownHead?.hash ?? "" } };
  // Recorded first: a sync cut after the upload must not take its own head for a newer office's.
  node.setState("head.writing", String(number));
  await run.put(`${HEAD_FOLDER}/${headName(number)}`, Buffer.from(`${JSON.stringify(head)}\n`, "utf8"));
  // The earlier head goes (a reader that already holds a newer number ignores older ones anyway).
  if (previous) await run.transport.delete(`${HEAD_FOLDER}/${headName(previous.number)}`);
  if (attempted > (previous?.number ?? 0) && attempted < number) await run.transport.delete(`${HEAD_FOLDER}/${headName(attempted)}`);
  node.setState("head.last", JSON.stringify({ ...head, readers }));
}

/** What an agent last learned from the office's head: its number, time and streams, and when this PC first saw it (this PC's clock). */
export interface HeadSeen {
  number: number;
  at: string;
  seenAt: string;
  streams?: Record<StreamName, number>;
}

export function headSeen(run: Pick<SyncRun, "node">): HeadSeen | undefined {
  const text = run.node.config("head.seen");
  return text === undefined ? undefined : (JSON.parse(text) as HeadSeen);
}

/**
 * Agent: reads the office's head. A newer one is remembered; an older one than already seen is
 * a rollback (warned, ignored); a stream the head says has more than the server shows is warned;
 * and no newer head for longer than the configured days is warned ("no news from the office").
 */
export async function checkHead(run: SyncRun): Promise<void> {
  const { node, report } = run;
  const seen = headSeen(run);
  // The newest head the listing shows; one numbered at or below the one already seen is not read.
  const numbers = (await run.list(HEAD_FOLDER)).flatMap((f) => {
    const m = HEAD_NAME.exec(f.name);
    return m ? [Number(m[1])] : [];
  });
  const newest = numbers.length === 0 ? undefined : Math.max(...numbers);
  const path = newest === undefined ? undefined : `${HEAD_FOLDER}/${headName(newest)}`;
  if (seen && newest !== undefined && newest < seen.number) {
    warn(
      report,
      `${path}: the office's head on the server (number ${newest}) is older than one already seen here (number ${seen.number}, ${seen.at}): an old file was put back, or the newer one deleted; ignored`,
      say("warn.head.older", { file: path ?? HEAD_FOLDER, ...localTime(seen.at) }),
    );
  }
  let bytes: Buffer | null = null;
  if (path !== undefined && newest !== undefined && (!seen || newest > seen.number)) {
    try {
      bytes = await run.readIfListed(path);
    } catch (err) {
      if (!(err instanceof SegmentError)) throw err;
      warn(report, `${err.message}; the office's head is ignored`, say("warn.head.unreadable", { file: err.file }));
    }
  }
  let current = seen;
  if (bytes) {
    const head = parseHead(bytes);
    if (!head || head.number !== newest) warn(report, `${path}: not a valid office head; ignored`, say("warn.head.invalid", { file: path ?? HEAD_FOLDER }));
    else {
      current = { number: head.number, at: head.at, seenAt: run.now().toISOString(), streams: head.streams };
      node.setState("head.seen", JSON.stringify(current));
    }
  }
  // What the newest head says was published, against what this PC applied (every sync, from the
  // head remembered: a segment deleted from the server is asked for until it comes).
  for (const stream of [CATALOGUE, sedeToAgent(node.id)]) {
    const published = current?.streams?.[stream] ?? 0;
    const cursor = run.inbox.cursor(stream);
    const applied = cursor?.segment ?? 0;
    if (published <= applied || cursor?.blocked != null || current === undefined) continue;
    // Everything listed was applied above, so the next one is not on the server: deleted or
    // held back. Ask the office to upload it again from its sealed copy.
    const missing = segmentName(applied + 1);
    const reason = missingPerHead(`${streamFolder(stream)}/${missing}`, published, current.at);
    warn(report, `${stream}: ${reason}; asked the office to upload it again`, say("warn.head.missing", { file: `${streamFolder(stream)}/${missing}`, ...localTime(current.at) }));
    run.inbox.block(stream, reason);
    await requestResend(run, stream, missing, reason);
  }
  // Measured on this PC's clock from when it first saw the newest head: the office's clock may be off.
  const maxAgeDays = Number(node.config("head.max-age-days") ?? DEFAULT_HEAD_MAX_AGE_DAYS);
  if (current && run.now().getTime() - Date.parse(current.seenAt) > maxAgeDays * 86_400_000) {
    warn(
      report,
      `no news from the office since ${current.seenAt} (its last head was written at ${current.at}): it has not synced since, or its files are being held back (warned after ${maxAgeDays} days; config head.max-age-days)`,
      say("warn.head.noNews", { ...localTime(current.seenAt), days: maxAgeDays }),
    );
  }
}

/** A moment as this PC's local date and time, written alike in both languages (`02/12/2026`, `00:30`). */
function localTime(at: string): { date: string; time: string } {
  const t = new Translator("en");
  return { date: t.dateOf(at), time: t.time(at) };
}

export function parseHead(bytes: Buffer): OfficeHead | undefined {
  try {
    const h = JSON.parse(bytes.toString("utf8")) as Partial<OfficeHead>;
    if (h.format !== HEAD_FORMAT || !Number.isSafeInteger(h.number) || typeof h.at !== "string" || Number.isNaN(Date.parse(h.at))) return undefined;
    if (typeof h.streams !== "object" || h.streams === null) return undefined;
    return h as OfficeHead;
  } catch {
    return undefined;
  }
}
