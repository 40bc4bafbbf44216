import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { SegmentError } from "../errors.js";
import type { EventEnvelope } from "../events/envelope.js";
import { envelopeProblem } from "./envelopeCodec.js";

export const SEGMENT_FORMAT = "sincro-segment/1";
export const SNAPSHOT_FORMAT = "sincro-snapshot/1";

/** First line of a segment (docs/FORMATS.md). */
export interface SegmentHeader {
  format: typeof SEGMENT_FORMAT;
  stream: string;
  segment: number;
  first: number;
  last: number;
  count: number;
  producer: string;
  created: string;
  /** SHA-256 of the previous segment of the stream (its trailer hash); "" for segment 1. */
  prev: string;
}

/** First line of a snapshot: the state the stream's events up to segment `segment` produce. */
export interface SnapshotHeader {
  format: typeof SNAPSHOT_FORMAT;
  stream: string;
  /** Covers segments 1 … segment. */
  segment: number;
  /** Last stream offset covered. */
  offset: number;
  /** Hash of segment `segment` (its trailer), so segment + 1 chains to the snapshot. */
  segmentSha256: string;
  count: number;
  producer: string;
  created: string;
}

/**
 * One row of a snapshot, as a compact JSON array whose first element says what it is. Catalogue
 * rows carry no event id or HLC: they are applied in stream order. Special prices carry the HLC
 * and origin of the change that set them (the most-recent rule); a null price is a tombstone.
 */
export type SnapshotRow =
  | [kind: "P", code: string, description: string, unit: string, vat: string, active: 0 | 1]
  | [kind: "L", code: string, description: string]
  | [kind: "R", list: string, product: string, price: string]
  | [kind: "O", code: string, description: string, agent: string | null]
  | [kind: "C", code: string, createdBy: string, name: string, agent: string | null, list: string | null, vatNumber: string | null, city: string | null]
  | [kind: "S", customer: string, product: string, price: string | null, discounts: string[], hlc: string, origin: string]
  /**
   * A customer the agent may still hold that is no longer its own (moved to another agent, or
   * renamed): dropped with its special prices; renamed and still the agent's, `newCode` names
   * its code now, and a PC that holds it under the old code only renames it (its own edits stay).
   */
  | [kind: "X", code: string, createdBy: string, newCode?: string];

interface Trailer {
  trailer: true;
  sha256: string;
}

/** The most bytes a parked file may have on the server: a larger one is refused without being downloaded. */
export const MAX_FILE_BYTES = 64 * 1048576;

/**
 * The most a segment or snapshot may decompress to. Whatever arrives from the parking area, zlib
 * stops there, so a small gzip bomb cannot take the memory of the node. Far above the largest
 * snapshot benchmarked (100,000 products and 300,000 prices, 1.4 MB compressed).
 */
export const MAX_DECOMPRESSED_BYTES = 64 * 1048576;

/**
 * The longest line a segment or snapshot may hold, in characters: far above the longest real
 * line (an order of a thousand lines is about 150 KB), so one event cannot carry megabytes.
 */
export const MAX_LINE_CHARS = 1048576;

/** Text is compressed in gzip members of about this many characters (a multi-member gzip file). */
const MEMBER_CHARS = 4 << 20;

/**
 * Encodes lines (header, body…) as gzip NDJSON with a trailer holding the SHA-256 of every
 * byte before it. Returns the file bytes and that hash (the file's identity in the chain).
 * The body is streamed: text is compressed in members of a few MB (concatenated gzip members
 * are one valid gzip file, `zcat` reads them), so memory stays bounded for large snapshots.
 */
export function encodeFile(header: object, body: Iterable<object>): { bytes: Buffer; sha256: string } {
  const hash = createHash("sha256");
  const members: Buffer[] = [];
  let pending: string[] = [];
  let pendingChars = 0;
  // Fixed gzip settings: the same lines always give the same bytes (a retry uploads identical bytes).
  const flush = () => {
    if (pending.length === 0) return;
    members.push(gzipSync(Buffer.from(pending.join(""), "utf8"), { level: 6 }));
    pending = [];
    pendingChars = 0;
  };
  const push = (line: string, hashed: boolean) => {
    const text = `${line}\n`;
    if (hashed) hash.update(text, "utf8");
    pending.push(text);
    pendingChars += text.length;
    if (pendingChars >= MEMBER_CHARS) flush();
  };
  push(JSON.stringify(header), true);
  for (const item of body) push(JSON.stringify(item), true);
  const sha256 = hash.digest("hex");
  push(JSON.stringify({ trailer: true, sha256 } satisfies Trailer), false);
  flush();
  return { bytes: Buffer.concat(members), sha256 };
}

export function encodeSegment(header: Omit<SegmentHeader, "format" | "count">, events: readonly EventEnvelope[]) {
  return encodeFile({ format: SEGMENT_FORMAT, ...header, count: events.length }, events.map(envelopeFields));
}

function envelopeFields(e: EventEnvelope): EventEnvelope {
  return { id: e.id, origin: e.origin, seq: e.seq, hlc: e.hlc, at: e.at, type: e.type, v: e.v, data: e.data, prev: e.prev, hash: e.hash };
}

/** A verified file: its header and a lazy reader of its body lines. */
interface DecodedFile {
  header: Record<string, unknown>;
  sha256: string;
  lineCount: number;
  lines(): Generator<string>;
}

/**
 * Decodes and verifies a file: gzip complete, trailer present, and the SHA-256 of everything
 * before the trailer equal to it. Throws {@link SegmentError} naming `file` and the reason.
 */
function decodeFile(bytes: Buffer, file: string): DecodedFile {
  let text: string;
  try {
    text = gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES }).toString("utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new SegmentError(file, `read ${file}: decompresses to more than ${MAX_DECOMPRESSED_BYTES / 1048576} MB, the most a segment or snapshot may hold (refused unread)`, {
        cause,
        code: "TOO_LARGE",
      });
    }
    throw new SegmentError(file, `read ${file}: not a complete gzip file (truncated or corrupt)`, { cause, code: "CORRUPT" });
  }
  if (!text.endsWith("\n")) throw new SegmentError(file, `read ${file}: truncated (no final line)`, { code: "TRUNCATED" });
  for (let i = 0, n = 1; i < text.length; n++) {
    const end = text.indexOf("\n", i);
    if (end - i > MAX_LINE_CHARS) {
      throw new SegmentError(file, `read ${file}: line ${n} is ${end - i} characters long, more than the ${MAX_LINE_CHARS} a line may hold (refused unread)`, {
        code: "LINE_TOO_LONG",
      });
    }
    i = end + 1;
  }
  const trailerStart = text.lastIndexOf("\n", text.length - 2) + 1;
  let trailer: Partial<Trailer> | undefined;
  try {
    trailer = JSON.parse(text.slice(trailerStart, -1)) as Partial<Trailer>;
  } catch {
    trailer = undefined;
  }
  if (trailerStart === 0 || !trailer || trailer.trailer !== true || typeof trailer.sha256 !== "string") {
    throw new SegmentError(file, `read ${file}: no valid trailer (truncated or corrupt)`, { code: "TRUNCATED" });
  }
  const sha256 = createHash("sha256").update(text.slice(0, trailerStart), "utf8").digest("hex");
  if (sha256 !== trailer.sha256) {
    throw new SegmentError(file, `read ${file}: content does not match its trailer hash (altered or corrupt)`, { code: "HASH_MISMATCH" });
  }
  const headerEnd = text.indexOf("\n");
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(text.slice(0, headerEnd)) as Record<string, unknown>;
  } catch (cause) {
    throw new SegmentError(file, `read ${file}: header is not JSON`, { cause, code: "BAD_HEADER" });
  }
  let lineCount = 0;
  for (let i = headerEnd + 1; i < trailerStart; i = text.indexOf("\n", i) + 1) lineCount++;
  return {
    header,
    sha256,
    lineCount,
    *lines() {
      for (let i = headerEnd + 1; i < trailerStart; ) {
        const end = text.indexOf("\n", i);
        yield text.slice(i, end);
        i = end + 1;
      }
    },
  };
}

function expect(cond: boolean, file: string, why: string): asserts cond {
  if (!cond) throw new SegmentError(file, `read ${file}: ${why}`, { code: "BAD_HEADER" });
}

/** Decodes and verifies a segment of `stream` numbered `number`. */
export function decodeSegment(
  bytes: Buffer,
  file: string,
  expected: { stream: string; number: number },
): { header: SegmentHeader; events: EventEnvelope[]; sha256: string } {
  const { header, sha256, lineCount, lines } = decodeFile(bytes, file);
  expect(header.format === SEGMENT_FORMAT, file, `format is ${JSON.stringify(header.format)}, expected ${SEGMENT_FORMAT}`);
  expect(header.stream === expected.stream, file, `belongs to stream ${String(header.stream)}, not ${expected.stream}`);
  expect(header.segment === expected.number, file, `header says segment ${String(header.segment)}, the name says ${expected.number}`);
  const h = header as unknown as SegmentHeader;
  expect(Number.isSafeInteger(h.first) && Number.isSafeInteger(h.last) && h.first >= 1, file, "first/last offsets are not positive integers");
  expect(h.count === lineCount && h.last - h.first + 1 === h.count, file, `header counts ${h.count} events (offsets ${h.first}…${h.last}) but holds ${lineCount}`);
  const events = [...lines()].map((line, i) => {
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch (cause) {
      throw new SegmentError(file, `read ${file}: event line ${i + 2} is not JSON`, { cause, code: "BAD_EVENT" });
    }
    const problem = envelopeProblem(e);
    if (problem) throw new SegmentError(file, `read ${file}: event line ${i + 2}: ${problem}`, { code: "BAD_EVENT" });
    return e as EventEnvelope;
  });
  return { header: h, events, sha256 };
}

/**
 * Decodes and verifies a snapshot of `stream` numbered `number`. The whole file is verified
 * before this returns; `rows()` then parses one row at a time.
 */
export function decodeSnapshot(
  bytes: Buffer,
  file: string,
  expected: { stream: string; number?: number },
): { header: SnapshotHeader; rows: () => Generator<SnapshotRow>; sha256: string } {
  const { header, sha256, lineCount, lines } = decodeFile(bytes, file);
  expect(header.format === SNAPSHOT_FORMAT, file, `format is ${JSON.stringify(header.format)}, expected ${SNAPSHOT_FORMAT}`);
  expect(header.stream === expected.stream, file, `belongs to stream ${String(header.stream)}, not ${expected.stream}`);
  if (expected.number !== undefined) {
    expect(header.segment === expected.number, file, `header says snapshot ${String(header.segment)}, the name says ${expected.number}`);
  }
  const h = header as unknown as SnapshotHeader;
  expect(h.count === lineCount, file, `header counts ${h.count} rows but holds ${lineCount}`);
  return {
    header: h,
    sha256,
    *rows() {
      let n = 1;
      for (const line of lines()) {
        n++;
        try {
          yield JSON.parse(line) as SnapshotRow;
        } catch (cause) {
          throw new SegmentError(file, `read ${file}: row line ${n} is not JSON`, { cause, code: "BAD_ROW" });
        }
      }
    },
  };
}
