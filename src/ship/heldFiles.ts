import { SegmentError, say } from "../errors.js";
import type { EventEnvelope } from "../events/envelope.js";
import { decodeSegment, type SegmentHeader } from "../wire/segmentCodec.js";
import { AG_ROOT, agentToSede, parseFileName } from "../wire/streams.js";
import { type SyncRun, warn } from "./syncRun.js";

/**
 * Why an agent PC waits on a file of its own folder:
 * - `restored`: a backup copy put back found, past the last segment it sealed, a file that does
 *   not open (its own later work, damaged on the server, or a forgery: they cannot be told apart);
 * - `reinstalled`: a reinstalled PC found, past what the office received from its agent code, a
 *   file that does not open (the earlier PC's last work, damaged, or a forgery);
 * - `officeUnread`: such a file opens again (the provider put it back) as the earlier PC's, and
 *   the office has not read it yet: numbering on now would write over it.
 */
export type HoldCause = "restored" | "reinstalled" | "officeUnread";

/** What `sync` says in English (report.warnings, --json); people read the catalogue's `warn.hold.*`. */
const english: Record<HoldCause, (path: string, reason: string) => string> = {
  restored: (path, reason) =>
    `${path}: this PC was put back from a backup, and this file of its own folder, numbered after the last one the copy sealed, does not open (${reason}): ` +
    `it may hold work this PC parked after the copy was made. Nothing is sent or received until it opens: have the provider put it back; if this PC never wrote it, delete it from the server`,
  reinstalled: (path, reason) =>
    `${path}: this PC replaces an earlier PC of its agent code, and this file of its folder, numbered after what the office received, does not open (${reason}): ` +
    `it may hold the last work the earlier PC parked. Nothing is sent or received until it opens: have the provider put it back; if the earlier PC never wrote it, delete it from the server`,
  officeUnread: (path) =>
    `${path}: this file of the earlier PC opens again, but the office has not read it yet: nothing is sent or received until it has. Run "sincro sync" at the office, then here`,
};

/**
 * An agent PC that does not know all its agent code parked (a backup copy put back, or a
 * reinstalled PC before its first complete sync) waits on `files` of its own folder. Each may be
 * the only copy of work parked there by a PC that is gone: it is neither replaced (publishing
 * would take its number) nor deleted (as a forgery). The sync names each file and sends and
 * receives nothing; new work is refused (it would take numbers those files may hold: a fork) until
 * a later sync finds them readable (and read by the office) or gone. Returns true: the sync holds.
 */
export function holdOnFiles(run: SyncRun, cause: HoldCause, files: ReadonlyArray<{ path: string; reason: string }>): true {
  for (const f of files) warn(run.report, english[cause](f.path, f.reason), say(`warn.hold.${cause}` as const, { file: f.path }));
  run.node.holdOn(files.map((f) => f.path));
  run.heldOnFile = true;
  return true;
}

/** A segment of an agent's own folder, as read from the server. */
export type OwnSegment =
  | { number: number; path: string; opened: { header: SegmentHeader; sha256: string; events: EventEnvelope[] } }
  | { number: number; path: string; failed: SegmentError };

/**
 * The segments of this agent PC's own folder numbered past `after`, in number order, each opened
 * (signed with a key of this agent code it knows, sealed for it) or with why it did not open:
 * what a PC that does not know all its code parked looks at before it numbers on.
 */
export async function ownSegmentsAfter(run: SyncRun, after: number): Promise<OwnSegment[]> {
  const folder = `${AG_ROOT}/${run.node.id}`;
  const stream = agentToSede(run.node.id);
  const listed = (await run.list(folder))
    .map((f) => {
      const parsed = parseFileName(f.name);
      return { f, number: parsed?.kind === "segment" ? parsed.number : 0 };
    })
    .filter((x) => x.number > after)
    .sort((a, b) => a.number - b.number);
  const out: OwnSegment[] = [];
  for (const { f, number } of listed) {
    const path = `${folder}/${f.name}`;
    try {
      out.push({ number, path, opened: decodeSegment(await run.fetch(path, f), path, { stream, number }) });
    } catch (err) {
      if (!(err instanceof SegmentError)) throw err;
      out.push({ number, path, failed: err });
    }
  }
  return out;
}
