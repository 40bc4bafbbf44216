import { basename } from "node:path";
import { say, SegmentError, SincroError, TransportError } from "../errors.js";
import { digestProjections } from "../projections/digest.js";
import { decodeSegment, decodeSnapshot } from "../wire/segmentCodec.js";
import { AG_ROOT, ALL_FOLDER, CATALOGUE, SEDE_ROOT, agentToSede, parseFileName, producerOf, sedeToAgent, segmentName, snapshotName } from "../wire/streams.js";
import { isTempName, type Transport } from "../ship/transports/transport.js";
import { isBox } from "../wire/box.js";
import { AuditRun, type AuditReport } from "./auditRun.js";
import type { OriginPolicy } from "./chainAudit.js";
import type { Finding } from "./findings.js";
import { readLogFile } from "./logFile.js";
import { NodeDatabase } from "./nodeDatabase.js";
import type { UntilPoint } from "./untilPoint.js";

/** Options every kind of audit takes. */
export interface AuditOptions {
  until?: UntilPoint;
  /** Print this customer's special prices as of `until`. */
  specialPricesOf?: string;
  /** Clock-skew threshold, hours (default 24, as in DESIGN §2). */
  skewHours?: number;
  /**
   * Parking areas: opens a signed (and encrypted) file with a node's keys — the sede's opens
   * every folder. Without it, signed files are reported as unverifiable.
   */
  open?: (path: string, bytes: Buffer) => Buffer;
}

function nodePolicy(node: string, base: { seq: number; hash: string } | null | undefined, lost: OriginPolicy["lost"] = []): (origin: string) => OriginPolicy {
  return (origin) => (origin === node ? { complete: true, ordered: true, base, lost } : { complete: false, ordered: false });
}

/**
 * Audits a node database, opened read-only: verifies its log, replays it (with the snapshots the
 * node kept) and compares each projection table with the node's own.
 */
export function auditNodeDatabase(file: string, options: AuditOptions = {}): AuditReport {
  const nodeDb = new NodeDatabase(file);
  try {
    const run = new AuditRun({
      ...options,
      source: { kind: "node", path: file, node: nodeDb.node, role: nodeDb.role },
      policy: nodePolicy(nodeDb.node, nodeDb.base, nodeDb.lost),
      where: (i) => `pos ${i}`,
      replay: { loadSnapshot: nodeDb.loadSnapshot, snapshotsAvailable: true },
    });
    const quarantined = nodeDb.quarantined();
    for (const e of nodeDb.iterate()) run.add(e, e.pos, quarantined.get(e.pos));
    for (const { id, refs } of nodeDb.repeatedIds()) {
      run.note({
        severity: "violation",
        kind: "repeated-id",
        origin: refs[1]?.split("#")[0],
        detail: `the id ${id} is carried by ${refs.length} events: ${refs.join(", ")}`,
        say: say("audit.finding.repeatedId", { id, n: refs.length, refs: refs.join(", ") }),
      });
    }
    assertUntilFound(run, options, file);
    return run.finish(digestProjections(nodeDb.db));
  } finally {
    nodeDb.close();
  }
}

/** A header's `lost` ranges, those well formed only (the header is the file's word, not signed). */
function lostOf(header: { lost?: unknown }): OriginPolicy["lost"] {
  if (!Array.isArray(header.lost)) return [];
  return header.lost.filter((r): r is { from: number; to: number; on: string } => typeof r === "object" && r !== null && Number.isInteger(r.from) && Number.isInteger(r.to) && typeof r.on === "string");
}

/**
 * Audits an exported log (`sincro export log`), streamed. Its header names the node whose log it
 * is; `node` stands in for a file without one (otherwise every origin is checked as complete).
 */
export async function auditLogFile(file: string, options: AuditOptions & { node?: string } = {}): Promise<AuditReport> {
  const { header, lines } = await readLogFile(file);
  const node = options.node ?? header?.node;
  const policy: (origin: string) => OriginPolicy =
    node !== undefined
      ? nodePolicy(node, options.node !== undefined && options.node !== header?.node ? undefined : (header?.base ?? undefined), header?.node === node ? lostOf(header) : undefined)
      : () => ({ complete: true, ordered: true, base: undefined });
  const run = new AuditRun({
    ...options,
    source: { kind: "log", path: file, ...(node !== undefined && { node }), ...(header && { role: header.role }) },
    policy,
    where: (i) => `line ${i}`,
    replay: {
      loadSnapshot: () => {
        throw new Error("snapshot rows are not in an exported log");
      },
      snapshotsAvailable: false,
    },
  });
  if (node === undefined) {
    run.note({
      severity: "info",
      kind: "unverifiable",
      file,
      detail: "the file has no sincro-log header and no --node was given: every origin is checked as a complete log",
      say: say("audit.finding.noHeader"),
    });
  }
  let count = 0;
  try {
    for await (const line of lines) {
      if ("event" in line) {
        run.add(line.event, line.line);
        count++;
      } else {
        run.note({
          severity: "violation",
          kind: "malformed",
          file,
          where: `line ${line.line}`,
          detail: `line ${line.line} is not an event envelope: ${line.problem}`,
          say: say("audit.finding.notAnEnvelope", { line: String(line.line), why: line.problem }),
        });
      }
    }
  } catch (err) {
    const why = (err as Error).message;
    run.note({ severity: "violation", kind: "corrupt", file, detail: why, say: (err instanceof SincroError && err.say) || say("audit.finding.logUnreadable", { why }) });
  }
  if (header && header.count !== count) {
    run.note({
      severity: "info",
      kind: "unverifiable",
      file,
      detail: `the header says ${header.count} events were exported; ${count} were read`,
      say: say("audit.finding.countDiffers", { count: header.count, read: count }),
    });
  }
  assertUntilFound(run, options, file);
  return run.finish();
}

function assertUntilFound(run: AuditRun, options: AuditOptions, file: string): void {
  if (run.untilMissing() && options.until?.kind === "event") {
    run.note({
      severity: "violation",
      kind: "missing",
      origin: options.until.origin,
      seq: options.until.seq,
      file,
      detail: `--until ${options.until.text}: that event is not in this log, so the replay went to the end`,
      say: say("audit.finding.untilNotFound", { until: options.until.text }),
    });
  }
}

/** A stream folder of a parking area and the stream it holds. */
export interface StreamFolder {
  folder: string;
  stream: string;
}

/** The stream folders under `SincroAg` and `SincroSede`, given the subfolder names of each. */
export function streamFolders(agFolders: string[], sedeFolders: string[]): StreamFolder[] {
  const out: StreamFolder[] = [];
  for (const name of [...sedeFolders].sort()) {
    out.push({ folder: `${SEDE_ROOT}/${name}`, stream: name === ALL_FOLDER ? CATALOGUE : sedeToAgent(name) });
  }
  for (const name of [...agFolders].sort()) out.push({ folder: `${AG_ROOT}/${name}`, stream: agentToSede(name) });
  return out;
}

/**
 * The stream folders of a parking area, listed through its transport. `agents` skips the listing
 * (for a server that refuses to list folders). A failed listing throws a {@link TransportError}
 * that says to name the agents instead.
 */
export async function discoverStreams(transport: Transport, agents?: string[]): Promise<StreamFolder[]> {
  if (agents) return streamFolders(agents, [ALL_FOLDER, ...agents]);
  try {
    return streamFolders(await transport.listDirs(AG_ROOT), await transport.listDirs(SEDE_ROOT));
  } catch (err) {
    // The server's or the file system's own words: the adapter's message would name the parking
    // area a second time.
    const cause = err instanceof TransportError && err.cause instanceof Error ? err.cause : err;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new TransportError(`audit ${transport.describe}: cannot list the stream folders (${detail}); name them with --agents`, {
      cause: err,
      say: say("audit.refused.cannotList", { where: transport.describe, why: detail }),
    });
  }
}

/**
 * Audits a parking area through a transport: every segment's trailer, header and events, the
 * chain of each segment to the one before (or to the snapshot covering it), offsets without gaps,
 * every snapshot, and the per-origin hash chains of the events it holds. Segments pruned from
 * the server leave the first present one's `prev` unverifiable: reported as information.
 */
export async function auditParkingArea(transport: Transport, folders: StreamFolder[], options: AuditOptions = {}): Promise<AuditReport> {
  const files: Array<{ start: number; file: string }> = [];
  const where = (i: number): string => {
    let lo = 0;
    let hi = files.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((files[mid] as { start: number }).start <= i) lo = mid;
      else hi = mid - 1;
    }
    const f = files[lo];
    return f ? `${f.file} line ${i - f.start + 2}` : `#${i}`;
  };
  const run = new AuditRun({
    ...options,
    source: { kind: "parking-area", path: transport.describe },
    policy: () => ({ complete: false, ordered: false }),
    where,
  });
  const note = (f: Omit<Finding, "severity">, severity: Finding["severity"] = "violation") => run.note({ severity, ...f });
  // A file's content: its signature checked and decrypted with the auditor's keys; null when it
  // cannot be checked here (reported) or is gone.
  const readOpened = async (file: string): Promise<Buffer | null> => {
    const bytes = await transport.read(file);
    if (bytes === null) return null;
    if (!options.open) {
      // Without keys only files of an older, unsigned sincro can be checked.
      if (!isBox(bytes)) return bytes;
      note(
        { kind: "unverifiable", file, detail: `${basename(file)}: signed and encrypted; audit with the sede's database (--db) to open it`, say: say("audit.finding.sealed", { file: basename(file) }) },
        "info",
      );
      return null;
    }
    try {
      return options.open(file, bytes);
    } catch (err) {
      note(classify(err, file));
      return null;
    }
  };
  let index = 0;
  const streams: NonNullable<AuditReport["parking"]>["streams"] = [];
  for (const { folder, stream } of folders) {
    const listing = await transport.list(folder);
    const segments: number[] = [];
    const snapshots: number[] = [];
    for (const f of listing) {
      const parsed = parseFileName(f.name);
      if (parsed?.kind === "segment") segments.push(parsed.number);
      else if (parsed?.kind === "snapshot") snapshots.push(parsed.number);
      else if (isTempName(f.name)) {
        note({ kind: "unverifiable", file: `${folder}/${f.name}`, detail: "an upload in progress (or left by a crash): not checked", say: say("audit.finding.uploading") }, "info");
      }
    }
    segments.sort((a, b) => a - b);
    snapshots.sort((a, b) => a - b);
    const summary = { stream, folder, segments: segments.length, snapshots: snapshots.length, events: 0, first: null as number | null, last: null as number | null };
    streams.push(summary);
    const snaps = new Map<number, { segmentSha256: string; offset: number } | null>();
    for (const n of snapshots) {
      const file = `${folder}/${snapshotName(n)}`;
      const bytes = await readOpened(file);
      if (bytes === null) {
        snaps.set(n, null);
        continue;
      }
      try {
        const snap = decodeSnapshot(bytes, file, { stream, number: n });
        for (const row of snap.rows()) if (!Array.isArray(row)) throw new SegmentError(file, `read ${file}: a row is not a JSON array`, { code: "BAD_ROW" });
        snaps.set(n, { segmentSha256: snap.header.segmentSha256, offset: snap.header.offset });
      } catch (err) {
        snaps.set(n, null);
        note(classify(err, file));
      }
    }
    // The hash and last offset of each segment read and verified, by number.
    const done = new Map<number, { sha256: string; last: number } | null>();
    let lastSeq = 0;
    let lastRef = "";
    const present = new Set(segments);
    for (const n of segments) {
      const file = `${folder}/${segmentName(n)}`;
      const bytes = await readOpened(file);
      if (bytes === null) {
        done.set(n, null);
        continue;
      }
      let decoded: ReturnType<typeof decodeSegment>;
      try {
        decoded = decodeSegment(bytes, file, { stream, number: n });
      } catch (err) {
        done.set(n, null);
        note(classify(err, file));
        continue;
      }
      const { header, events, sha256 } = decoded;
      done.set(n, { sha256, last: header.last });
      const before = done.get(n - 1);
      const snap = snaps.get(n - 1);
      const anchor = n === 1 ? { sha256: "", last: 0 } : before ?? (snap ? { sha256: snap.segmentSha256, last: snap.offset } : undefined);
      if (anchor) {
        if (header.prev !== anchor.sha256) {
          const previous = String(n - 1);
          note({
            kind: "broken-chain",
            file,
            detail: `its header's prev is not the hash of ${n === 1 ? "nothing (segment 1 must have an empty prev)" : before ? `segment ${n - 1}` : `segment ${n - 1} as snapshot ${n - 1} records it`}: the stream was rewritten, or a segment replaced`,
            say:
              n === 1
                ? say("audit.finding.segmentPrevFirst")
                : before
                  ? say("audit.finding.segmentPrev", { n: previous })
                  : say("audit.finding.segmentPrevSnapshot", { n: previous }),
          });
        }
        if (header.first !== anchor.last + 1) {
          const offsets = { first: String(header.first), n: String(n - 1), last: String(anchor.last) };
          note({
            kind: header.first > anchor.last + 1 ? "missing" : "inserted",
            file,
            detail: `starts at offset ${header.first}, but segment ${n - 1} ended at ${anchor.last}${header.first > anchor.last + 1 ? `: offsets ${anchor.last + 1}…${header.first - 1} are missing` : ": offsets overlap"}`,
            say:
              header.first > anchor.last + 1
                ? say("audit.finding.offsetsMissing", { ...offsets, from: String(anchor.last + 1), to: String(header.first - 1) })
                : say("audit.finding.offsetsOverlap", offsets),
          });
        }
      } else if (before === null || snap === null) {
        note({ kind: "unverifiable", file, detail: `prev not checked: segment ${n - 1} is unreadable`, say: say("audit.finding.prevUnreadable", { n: String(n - 1) }) }, "info");
      } else if (n === segments[0]) {
        note(
          {
            kind: "unverifiable",
            file,
            detail: `segments 1…${n - 1} are no longer on the server (pruned after every reader acknowledged them): this first present segment's prev cannot be checked`,
            say: say("audit.finding.pruned", { n: String(n - 1) }),
          },
          "info",
        );
      } else {
        let m = n - 1;
        while (m > 0 && !present.has(m)) m--;
        const between = { before: String(m), after: String(n), stream };
        note({
          kind: "missing",
          file: `${folder}/${segmentName(n - 1)}`,
          detail: `segment${n - 1 - m > 1 ? `s ${m + 1}…${n - 1} are` : ` ${n - 1} is`} missing between segment ${m} and segment ${n} of ${stream}`,
          say:
            n - 1 - m > 1
              ? say("audit.finding.segmentsMissing", { ...between, from: String(m + 1), to: String(n - 1) })
              : say("audit.finding.segmentMissing", { ...between, n: String(n - 1) }),
        });
      }
      files.push({ start: index + 1, file });
      const producer = producerOf(stream);
      for (const e of events) {
        index++;
        if (e.origin !== producer) {
          note({
            kind: "inserted",
            origin: e.origin,
            seq: e.seq,
            file,
            where: where(index),
            detail: `an event of ${e.origin} in ${stream}, which only ${producer} writes`,
            say: say("audit.finding.foreignEvent", { origin: e.origin, stream, producer }),
          });
        }
        if (e.origin === producer && e.seq <= lastSeq) {
          note({
            kind: e.seq === lastSeq ? "duplicated" : "out-of-order",
            origin: e.origin,
            seq: e.seq,
            file,
            where: where(index),
            detail: `comes after ${lastRef} in stream ${stream}`,
            say: say("audit.finding.afterInStream", { ref: lastRef, stream }),
          });
        } else if (e.origin === producer) {
          lastSeq = e.seq;
          lastRef = `${e.origin}#${e.seq}`;
        }
        run.add(e, index);
      }
      summary.events += events.length;
      summary.first ??= header.first;
      summary.last = header.last;
    }
    for (const [n, s] of snaps) {
      const seg = done.get(n);
      if (s && seg && seg.sha256 !== s.segmentSha256) {
        note({
          kind: "broken-chain",
          file: `${folder}/${snapshotName(n)}`,
          detail: `records segment ${n}'s hash as ${s.segmentSha256.slice(0, 12)}…, but segment ${n} hashes to ${seg.sha256.slice(0, 12)}…`,
          say: say("audit.finding.snapshotHash", { n: String(n), recorded: s.segmentSha256.slice(0, 12), actual: seg.sha256.slice(0, 12) }),
        });
      }
    }
  }
  return run.finish(undefined, { streams });
}


/** A segment or snapshot that failed to decode, as a finding. */
function classify(err: unknown, file: string): Omit<Finding, "severity"> {
  if (!(err instanceof SegmentError)) {
    const why = (err as Error).message;
    return { kind: "corrupt", file, detail: `${basename(file)}: ${why}`, say: say("audit.finding.fileUnreadable", { file: basename(file), why }) };
  }
  const kind: Finding["kind"] =
    err.code === "BAD_EVENT" && /hash does not match/.test(err.message)
      ? "altered"
      : err.code === "WRONG_SIGNER" || err.code === "WRONG_KEY" || err.code === "BAD_SIGNATURE" || err.code === "NOT_SIGNED"
        ? "forged"
      : err.code === "BAD_EVENT" || err.code === "BAD_HEADER" || err.code === "BAD_ROW"
        ? "malformed"
        : "corrupt";
  return { kind, file, detail: err.message, say: say("audit.finding.fileRefused", { why: err.message }) };
}
