import { gunzipSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SegmentError } from "../../src/errors.js";
import { sealEnvelope, type EventEnvelope } from "../../src/events/envelope.js";
import { encodePayload } from "../../src/events/eventTypes.js";
import { encodeAck, encodeResendRequest, parseAck, requestedFile, type AckFile } from "../../src/wire/ackFile.js";
import { decodeSegment, decodeSnapshot, encodeFile, encodeSegment, MAX_DECOMPRESSED_BYTES, SNAPSHOT_FORMAT, type SnapshotRow } from "../../src/wire/segmentCodec.js";
import { ackPath, parseFileName, resendPath, segmentName, snapshotName, streamFolder } from "../../src/wire/streams.js";
import { propertyParams } from "../support/property.js";

const origin = fc.constantFrom("SEDE", "AG01", "Z9");
const text = fc.string({ maxLength: 12 });

/** A valid chain of envelopes of one origin with arbitrary payload text. */
const envelopes = fc.tuple(origin, fc.array(fc.record({ description: text, price: fc.integer() }), { maxLength: 20 })).map(([o, payloads]) => {
  const out: EventEnvelope[] = [];
  payloads.forEach((p, i) => {
    out.push(
      sealEnvelope({
        id: `01JAAAAAAAAAAAAAAAAAAA${String(i).padStart(4, "0")}`,
        origin: o,
        seq: i + 1,
        hlc: `${String(1_800_000_000_000 + i).padStart(13, "0")}-00000-${o}`,
        at: new Date(1_800_000_000_000 + i).toISOString(),
        type: "ProductSaved",
        v: 1,
        data: encodePayload({ code: `P${i}`, ...p }),
        prev: out[i - 1]?.hash ?? "",
      }),
    );
  });
  return out;
});

const header = (events: readonly EventEnvelope[], number = 7) => ({
  stream: "SEDE>*",
  segment: number,
  first: 101,
  last: 100 + events.length,
  producer: "SEDE",
  created: "2026-12-01T10:00:00.000Z",
  prev: "ab".repeat(32),
});

describe("segment codec", () => {
  it("decodes what it encodes: header, every envelope field, and the same bytes every time", () => {
    fc.assert(
      fc.property(envelopes, (events) => {
        const a = encodeSegment(header(events), events);
        const b = encodeSegment(header(events), events);
        expect(b.bytes.equals(a.bytes)).toBe(true);
        const decoded = decodeSegment(a.bytes, "x/0000000007.seg", { stream: "SEDE>*", number: 7 });
        expect(decoded.sha256).toBe(a.sha256);
        expect(decoded.events).toEqual(events);
        expect(decoded.header).toEqual({ format: "sincro-segment/1", ...header(events), count: events.length });
      }),
      propertyParams("segment round trip", 100),
    );
  });

  it("is gzip NDJSON a person can read with zcat: header, one envelope per line, trailer", () => {
    const events = fc.sample(envelopes.filter((e) => e.length === 2), { numRuns: 1, seed: 1 })[0] as EventEnvelope[];
    const lines = gunzipSync(encodeSegment(header(events), events).bytes).toString("utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[1] as string)).toEqual(events[0]);
    expect(JSON.parse(lines[3] as string)).toMatchObject({ trailer: true });
  });

  it("refuses a segment of another stream or under another number, naming the file", () => {
    const { bytes } = encodeSegment(header([]), []);
    expect(() => decodeSegment(bytes, "SincroSede/AG01/0000000007.seg", { stream: "SEDE>AG01", number: 7 })).toThrow(
      "read SincroSede/AG01/0000000007.seg: belongs to stream SEDE>*, not SEDE>AG01",
    );
    expect(() => decodeSegment(bytes, "SincroSede/_ALL/0000000008.seg", { stream: "SEDE>*", number: 8 })).toThrow(
      "header says segment 7, the name says 8",
    );
  });

  it("refuses a gzip bomb unread: decompressing stops at the limit, the error names the file", () => {
    const bomb = gzipSync(Buffer.alloc(MAX_DECOMPRESSED_BYTES + 1, "a"), { level: 9 });
    expect(bomb.length).toBeLessThan(200_000);
    const attempt = () => decodeSegment(bomb, "SincroSede/_ALL/0000000007.seg", { stream: "SEDE>*", number: 7 });
    expect(attempt).toThrow(SegmentError);
    expect(attempt).toThrow("read SincroSede/_ALL/0000000007.seg: decompresses to more than 64 MB, the most a segment or snapshot may hold (refused unread)");
  });

  it("refuses any truncation of the file", () => {
    const events = fc.sample(envelopes.filter((e) => e.length > 3), { numRuns: 1, seed: 2 })[0] as EventEnvelope[];
    const { bytes } = encodeSegment(header(events), events);
    for (const cut of [1, 10, bytes.length >> 1, bytes.length - 1]) {
      expect(() => decodeSegment(bytes.subarray(0, cut), "f.seg", { stream: "SEDE>*", number: 7 })).toThrow(SegmentError);
    }
  });
});

describe("snapshot codec", () => {
  const row: fc.Arbitrary<SnapshotRow> = fc.oneof(
    fc.tuple(fc.constant("P" as const), text, text, text, text, fc.constantFrom(0 as const, 1 as const)),
    fc.tuple(fc.constant("L" as const), text, text),
    fc.tuple(fc.constant("R" as const), text, text, text),
    fc.tuple(fc.constant("O" as const), text, text, fc.option(text)),
    fc.tuple(fc.constant("C" as const), text, text, text, fc.option(text), fc.option(text), fc.option(text), fc.option(text)),
    fc.tuple(fc.constant("S" as const), text, text, fc.option(text), fc.array(text, { maxLength: 3 }), text, text),
  );
  it("decodes every row it encodes, in order", () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), (rows) => {
        const head = { format: SNAPSHOT_FORMAT, stream: "SEDE>AG01", segment: 4, offset: 40, segmentSha256: "cd".repeat(32), count: rows.length, producer: "SEDE", created: "2026-12-01T10:00:00.000Z" };
        const { bytes, sha256 } = encodeFile(head, rows);
        const decoded = decodeSnapshot(bytes, "SincroSede/AG01/0000000004.snap", { stream: "SEDE>AG01", number: 4 });
        expect(decoded.sha256).toBe(sha256);
        expect(decoded.header).toEqual(head);
        expect([...decoded.rows()]).toEqual(rows);
      }),
      propertyParams("snapshot round trip", 100),
    );
  });
});

describe("acks and resend requests", () => {
  const ack: AckFile = {
    format: "sincro-ack/1",
    stream: "AG01>SEDE",
    reader: "SEDE",
    segment: 12,
    offset: 340,
    sha256: "ef".repeat(32),
    at: "2026-12-01T10:00:00.000Z",
    lastSeq: 351,
    lastHash: "01".repeat(32),
    orders: { AG01: 17 },
    lastCustomer: "AG01000009",
  };
  it("an ack reads back as written, one JSON line", () => {
    const bytes = encodeAck(ack);
    expect(bytes.toString("utf8").endsWith("}\n")).toBe(true);
    expect(bytes.toString("utf8").split("\n")).toHaveLength(2);
    expect(parseAck(bytes, "AG01>SEDE")).toEqual(ack);
  });
  it("an ack of another stream, without a segment, or not JSON is no ack", () => {
    expect(parseAck(encodeAck(ack), "SEDE>AG01")).toBeUndefined();
    expect(parseAck(Buffer.from(`{"stream":"AG01>SEDE","segment":"12"}`), "AG01>SEDE")).toBeUndefined();
    expect(parseAck(Buffer.from("null"), "AG01>SEDE")).toBeUndefined();
    expect(parseAck(Buffer.from("{not json"), "AG01>SEDE")).toBeUndefined();
  });
  it("a resend request names the file it asks for, only for its own stream", () => {
    const bytes = encodeResendRequest({ format: "sincro-resend/1", stream: "SEDE>*", reader: "AG01", file: "0000000003.seg", reason: "corrupt", at: "2026-12-01T10:00:00.000Z" });
    expect(requestedFile(bytes, "SEDE>*")).toBe("0000000003.seg");
    expect(requestedFile(bytes, "SEDE>AG01")).toBe("");
    expect(requestedFile(Buffer.from("garbage"), "SEDE>*")).toBe("");
  });
});

describe("stream and file names (DESIGN §4.1)", () => {
  it.each([
    ["SEDE>*", "SincroSede/_ALL"],
    ["SEDE>AG01", "SincroSede/AG01"],
    ["AG01>SEDE", "SincroAg/AG01"],
  ])("stream %s lives in %s", (stream, folder) => {
    expect(streamFolder(stream)).toBe(folder);
  });
  it.each([
    ["SEDE>*", "AG02", "SincroAg/AG02/_ALL.ack", "SincroAg/AG02/_ALL.resend"],
    ["SEDE>AG02", "AG02", "SincroAg/AG02/AG02.ack", "SincroAg/AG02/AG02.resend"],
    ["AG02>SEDE", "SEDE", "SincroSede/AG02/AG02.ack", "SincroSede/AG02/AG02.resend"],
  ])("the reader of %s (%s) acks in its own folder: %s", (stream, reader, ack, resend) => {
    expect(ackPath(stream, reader)).toBe(ack);
    expect(resendPath(stream, reader)).toBe(resend);
  });
  it("segment and snapshot names have 10 digits, sort by number and parse back", () => {
    expect(segmentName(42)).toBe("0000000042.seg");
    expect(snapshotName(40)).toBe("0000000040.snap");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999_999 }), fc.integer({ min: 0, max: 9_999_999_999 }), (a, b) => {
        expect(parseFileName(segmentName(a))).toEqual({ kind: "segment", number: a });
        expect(parseFileName(snapshotName(a))).toEqual({ kind: "snapshot", number: a });
        expect(segmentName(a) < segmentName(b)).toBe(a < b);
      }),
      propertyParams("file names", 200),
    );
    for (const other of ["0000000042.seg.tmp", "42.seg", "_ALL.ack", "0000000042.SEG", "x/0000000042.seg"]) expect(parseFileName(other)).toBeUndefined();
  });
});
