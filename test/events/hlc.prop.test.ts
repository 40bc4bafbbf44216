import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareHlc, formatHlc, merge, parseHlc, tick, type Hlc } from "../../src/events/hlc.js";
import { propertyParams } from "../support/property.js";

const wall = fc.integer({ min: 0, max: 4_102_444_800_000 });
const hlc = fc.record({ wall, counter: fc.integer({ min: 0, max: 99_999 }) });

describe("hybrid logical clock", () => {
  it("tick is strictly monotonic whatever the wall clock does (even backwards)", () => {
    fc.assert(
      fc.property(hlc, fc.array(wall, { minLength: 1, maxLength: 50 }), (start, nows) => {
        let last: Hlc = start;
        for (const now of nows) {
          const next = tick(last, now);
          expect(compareHlc(next, last)).toBeGreaterThan(0);
          expect(next.wall).toBeGreaterThanOrEqual(now);
          last = next;
        }
      }),
      propertyParams("hlc tick monotonic", 300),
    );
  });

  it("merge never goes backwards and a tick after it sorts after the remote", () => {
    fc.assert(
      fc.property(hlc, hlc, wall, (last, remote, now) => {
        const merged = merge(last, remote, now);
        expect(compareHlc(merged, last)).toBeGreaterThanOrEqual(0);
        expect(compareHlc(merged, remote)).toBeGreaterThanOrEqual(0);
        expect(compareHlc(tick(merged, now), remote)).toBeGreaterThan(0);
      }),
      propertyParams("hlc merge", 500),
    );
  });

  it("the text form sorts like the clock and parses back", () => {
    fc.assert(
      fc.property(hlc, hlc, fc.constantFrom("SEDE", "AG01", "Z9"), (a, b, origin) => {
        const ta = formatHlc(a, origin);
        const tb = formatHlc(b, origin);
        const byText = ta < tb ? -1 : ta > tb ? 1 : 0;
        expect(byText).toBe(Math.sign(compareHlc(a, b)));
        expect(parseHlc(ta)).toEqual({ ...a, origin });
      }),
      propertyParams("hlc text order", 500),
    );
  });
});
