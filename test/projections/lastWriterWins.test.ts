import { describe, expect, it } from "vitest";
import { compareStamps, lastWriterWins, replaces, type Stamp } from "../../src/projections/lastWriterWins.js";

// The most-recent rule of DESIGN §3, case by case: highest HLC, then origin, then event id.
// (The algebra and order independence are properties: lastWriterWins.prop.test.ts.)

const s = (hlc: string, origin: string, id: string): Stamp => ({ hlc: `${hlc}-${origin}`, origin, id });

const cases: Array<{ name: string; a: Stamp; b: Stamp; winner: "a" | "b" | "same" }> = [
  { name: "higher HLC wins", a: s("0001772442000001-00000", "AG01", "01A"), b: s("0001772442000000-00000", "SEDE", "01Z"), winner: "a" },
  { name: "higher HLC wins whatever the origin", a: s("0001772442000000-00000", "SEDE", "01Z"), b: s("0001772442000001-00000", "AG01", "01A"), winner: "b" },
  { name: "same wall time, higher counter wins", a: s("0001772442000000-00002", "AG01", "01A"), b: s("0001772442000000-00001", "AG01", "01B"), winner: "a" },
  { name: "a later wall time beats a higher counter", a: s("0001772442000000-00009", "AG01", "01A"), b: s("0001772442000001-00000", "AG01", "01B"), winner: "b" },
  { name: "equal HLC text, higher origin wins", a: { hlc: "h", origin: "SEDE", id: "01A" }, b: { hlc: "h", origin: "AG01", id: "01Z" }, winner: "a" },
  { name: "equal HLC and origin, higher event id wins", a: { hlc: "h", origin: "AG01", id: "01A" }, b: { hlc: "h", origin: "AG01", id: "01B" }, winner: "b" },
  { name: "the same event neither wins nor loses", a: s("0001772442000000-00000", "AG01", "01A"), b: s("0001772442000000-00000", "AG01", "01A"), winner: "same" },
  // A snapshot row has no event id: it loses to the event it came from, which it does not replace.
  { name: "a snapshot row of the same change", a: s("0001772442000000-00000", "AG01", ""), b: s("0001772442000000-00000", "AG01", "01A"), winner: "b" },
];

describe("most recent change wins", () => {
  it.each(cases)("$name", ({ a, b, winner }) => {
    const sign = winner === "a" ? 1 : winner === "b" ? -1 : 0;
    expect(Math.sign(compareStamps(a, b))).toBe(sign);
    expect(Math.sign(compareStamps(b, a))).toBe(sign === 0 ? 0 : -sign);
    expect(lastWriterWins(a, b)).toBe(winner === "b" ? b : a);
    expect(replaces(a, b)).toBe(winner === "a");
    expect(replaces(b, a)).toBe(winner === "b");
  });

  it("a change replaces no state at all", () => {
    expect(replaces(s("0001772442000000-00000", "AG01", "01A"), undefined)).toBe(true);
  });
});
