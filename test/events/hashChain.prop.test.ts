import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sealEnvelope, type EventEnvelope } from "../../src/events/envelope.js";
import { encodePayload } from "../../src/events/eventTypes.js";
import { verifyChain } from "../../src/events/verifyChain.js";
import { propertyParams } from "../support/property.js";

function chain(origin: string, payloads: string[]): EventEnvelope[] {
  const out: EventEnvelope[] = [];
  payloads.forEach((p, i) => {
    out.push(
      sealEnvelope({
        id: `01J${origin}${String(i).padStart(8, "0")}`,
        origin,
        seq: i + 1,
        hlc: `${String(1_700_000_000_000 + i).padStart(13, "0")}-00000-${origin}`,
        at: new Date(1_700_000_000_000 + i).toISOString(),
        type: "ProductSaved",
        v: 1,
        data: encodePayload({ code: p, description: p, unit: "PZ", vat: "22" }),
        prev: out[i - 1]?.hash ?? "",
      }),
    );
  });
  return out;
}

const log = fc.array(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 30 }).map((ps) => chain("AG01", ps));

describe("hash chain", () => {
  it("an intact log has no violations", () => {
    fc.assert(
      fc.property(log, (events) => {
        expect(verifyChain(events)).toEqual([]);
      }),
      propertyParams("chain intact", 100),
    );
  });

  it("detects any single altered event (any field, hash left as it was)", () => {
    const field = fc.constantFrom("id", "hlc", "at", "type", "data", "prev");
    fc.assert(
      fc.property(log, fc.nat(), field, (events, pick, f) => {
        const i = pick % events.length;
        const victim = events[i] as EventEnvelope;
        const altered = [...events];
        altered[i] = { ...victim, [f]: `${String(victim[f as keyof EventEnvelope])}x` };
        expect(verifyChain(altered).length).toBeGreaterThan(0);
      }),
      propertyParams("chain detects alteration", 300),
    );
  });

  it("detects an altered event even when its own hash is recomputed", () => {
    fc.assert(
      fc.property(log, fc.nat(), (events, pick) => {
        const i = pick % (events.length - 1); // not the last: the next event's prev gives it away
        const { hash: _h, ...victim } = events[i] as EventEnvelope;
        const altered = [...events];
        altered[i] = sealEnvelope({ ...victim, data: encodePayload({ code: "FORGED" }) });
        expect(verifyChain(altered).map((v) => v.kind)).toContain("broken-chain");
      }),
      propertyParams("chain detects rehashed alteration", 200),
    );
  });

  it("detects any single dropped event", () => {
    fc.assert(
      fc.property(log, fc.nat(), (events, pick) => {
        const i = pick % events.length;
        const dropped = events.filter((_, j) => j !== i);
        // Dropping the last event leaves a shorter but valid log; its absence shows against the known head.
        const violations = verifyChain(dropped);
        if (i === events.length - 1) expect(dropped.at(-1)?.seq).toBe(events.length - 1);
        else expect(violations.map((v) => v.kind)).toContain("missing");
      }),
      propertyParams("chain detects drop", 200),
    );
  });

  // Inserted anywhere before the newest event (a well-chained event added after the newest one
  // is indistinguishable from a real append: only the receiver's known head or a signature tells).
  it("detects any single inserted event, whether forged or a copy", () => {
    fc.assert(
      fc.property(log, fc.nat(), fc.boolean(), (events, pick, copy) => {
        const i = pick % (events.length - 1);
        const before = events[i] as EventEnvelope;
        const inserted = copy
          ? before
          : sealEnvelope({ ...before, id: `${before.id}F`, seq: before.seq + 1, data: encodePayload({ code: "FORGED" }), prev: before.hash });
        const withInsert = [...events.slice(0, i + 1), inserted, ...events.slice(i + 1)];
        expect(verifyChain(withInsert).length).toBeGreaterThan(0);
      }),
      propertyParams("chain detects insertion", 200),
    );
  });
});
