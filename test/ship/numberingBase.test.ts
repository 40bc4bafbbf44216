import { describe, expect, it } from "vitest";
import { sealEnvelope, type EventEnvelope } from "../../src/events/envelope.js";
import { encodePayload } from "../../src/events/eventTypes.js";
import { numberingBase, type EarlierPcEvidence } from "../../src/ship/reinstall.js";
import type { AckFile } from "../../src/wire/ackFile.js";
import type { SegmentHeader } from "../../src/wire/segmentCodec.js";

/** An event of AG01 (or `origin`) with seq `seq`; its hash is "h<seq>"-like but real. */
function event(seq: number, type: "OrderPlaced" | "CustomerCreated" | "SpecialPriceSet", data: object, origin = "AG01"): EventEnvelope {
  return sealEnvelope({
    id: `01JAAAAAAAAAAAAAAAAAAA${String(seq).padStart(4, "0")}`,
    origin,
    seq,
    hlc: `${String(1_800_000_000_000 + seq).padStart(13, "0")}-00000-${origin}`,
    at: new Date(1_800_000_000_000 + seq).toISOString(),
    type,
    v: 1,
    data: encodePayload(data),
    prev: seq === 1 ? "" : "0".repeat(64),
  });
}
const order = (seq: number, type: string, number: number) =>
  event(seq, "OrderPlaced", { type, number, year: 2026, date: "2026-12-01", customer: "AG01000001", agent: "AG01", lines: [] });
const customer = (seq: number, code: string) => event(seq, "CustomerCreated", { code, name: "X", agent: "AG01", list: null, vatNumber: null, city: null });

function segment(number: number, last: number, sha256: string, events: EventEnvelope[]) {
  const header: SegmentHeader = {
    format: "sincro-segment/1",
    stream: "AG01>SEDE",
    segment: number,
    first: last - events.length + 1,
    last,
    count: events.length,
    producer: "AG01",
    created: "2026-12-01T00:00:00.000Z",
    prev: "",
  };
  return { header, sha256, events };
}

const ack: AckFile = {
  format: "sincro-ack/1",
  stream: "AG01>SEDE",
  reader: "SEDE",
  segment: 4,
  offset: 30,
  sha256: "s4",
  at: "2026-12-01T00:00:00.000Z",
  lastSeq: 41,
  lastHash: "hash41",
  orders: { AG01: 7 },
  lastCustomer: "AG01000012",
};

const evidence = (over: Partial<EarlierPcEvidence>): EarlierPcEvidence => ({
  node: "AG01",
  ack: undefined,
  leftovers: [],
  mine: new Map(),
  series: { prefix: "AG01", digits: 6 },
  ...over,
});

describe("numberingBase: where a reinstalled PC continues", () => {
  it("nothing on the server: starts from zero, no earlier PC", () => {
    expect(numberingBase(evidence({}))).toEqual({
      base: { seq: 0, hash: "", segment: 0, offset: 0, sha256: "", orders: {}, customer: 0 },
      foreign: false,
    });
  });

  it("the sede's ack alone: continues after everything the sede received", () => {
    expect(numberingBase(evidence({ ack }))).toEqual({
      base: { seq: 41, hash: "hash41", segment: 4, offset: 30, sha256: "s4", orders: { AG01: 7 }, customer: 12 },
      foreign: true,
    });
  });

  it("segments still on the server raise every number past them", () => {
    const e42 = order(42, "AG01", 9);
    const e43 = customer(43, "AG01000015");
    const e44 = order(44, "OR03", 2);
    const { base, foreign } = numberingBase(evidence({ ack, leftovers: [segment(5, 31, "s5", [e42]), segment(6, 33, "s6", [e43, e44])] }));
    expect(foreign).toBe(true);
    expect(base).toEqual({ seq: 44, hash: e44.hash, segment: 6, offset: 33, sha256: "s6", orders: { AG01: 9, OR03: 2 }, customer: 15 });
  });

  it("events the ack already covers, other origins and codes outside the series change nothing", () => {
    const old = order(40, "AG01", 99);
    const sedes = event(50, "SpecialPriceSet", { customer: "C", product: "P", price: "1", discounts: [], supersedes: null }, "SEDE");
    const foreignCode = customer(42, "000777");
    const { base } = numberingBase(evidence({ ack, leftovers: [segment(5, 33, "s5", [old, sedes, foreignCode])] }));
    expect(base).toMatchObject({ seq: 42, hash: foreignCode.hash, orders: { AG01: 7 }, customer: 12, segment: 5, offset: 33 });
  });

  it("an ack of a segment this PC sealed itself (a first sync that crashed after publishing) is no earlier PC", () => {
    expect(numberingBase(evidence({ ack, mine: new Map([[4, "s4"]]) })).foreign).toBe(false);
  });

  it("this PC's own segments on the server are no earlier PC, a different one under the same number is", () => {
    const leftovers = [segment(1, 1, "mine1", [order(1, "AG01", 1)])];
    expect(numberingBase(evidence({ leftovers, mine: new Map([[1, "mine1"]]) })).foreign).toBe(false);
    expect(numberingBase(evidence({ leftovers, mine: new Map([[1, "other"]]) })).foreign).toBe(true);
    expect(numberingBase(evidence({ leftovers })).foreign).toBe(true);
  });

  it("an ack of segment 0 (the sede applied nothing yet) is no sign of an earlier PC", () => {
    expect(numberingBase(evidence({ ack: { ...ack, segment: 0, sha256: "" } })).foreign).toBe(false);
  });
});
