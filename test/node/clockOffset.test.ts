import { describe, expect, it } from "vitest";
import { CLOCK_TOLERANCE_MS, clockWarning, correctionOf, describeOffset, measureOffset, parseClockOffset } from "../../src/node/clockOffset.js";
import { parseListTime, parseMdtm } from "../../src/ship/transports/ftpTransport.js";

const DAY = 86_400_000;
const T = Date.UTC(2026, 11, 2, 12, 0, 0);

describe("measuring a PC's clock against the parking server's stamp", () => {
  it("a PC a day fast measures -1 day, a day slow +1 day, within the write's duration and the stamp's precision", () => {
    // The server stamped 12:00:00 (whole seconds); the PC read 12:00:00.200 and 12:00:00.600 (plus a day) around the write.
    const fast = measureOffset(T + DAY + 200, T + DAY + 600, T, 1_000);
    expect(fast.offsetMs).toBe(-DAY + 100);
    expect(fast.uncertaintyMs).toBe(700);
    expect(fast.measuredAt).toBe(new Date(T).toISOString());
    expect(measureOffset(T - DAY + 200, T - DAY + 600, T, 1_000).offsetMs).toBe(DAY + 100);
  });

  it("corrects only past the tolerance and the measurement's own uncertainty", () => {
    expect(correctionOf(undefined)).toBe(0);
    expect(correctionOf({ offsetMs: CLOCK_TOLERANCE_MS, uncertaintyMs: 500, measuredAt: "x" })).toBe(0);
    expect(correctionOf({ offsetMs: -CLOCK_TOLERANCE_MS - 1, uncertaintyMs: 500, measuredAt: "x" })).toBe(-CLOCK_TOLERANCE_MS - 1);
    // A minute-granular LIST stamp cannot tell 40 s from right.
    expect(correctionOf({ offsetMs: 40_000, uncertaintyMs: 30_500, measuredAt: "x" })).toBe(40_000);
    expect(correctionOf({ offsetMs: 20_000, uncertaintyMs: 30_500, measuredAt: "x" })).toBe(0);
    expect(correctionOf({ offsetMs: -DAY, uncertaintyMs: 600, measuredAt: "x" })).toBe(-DAY);
  });

  it("warns past 2 minutes, saying which way, in plain words", () => {
    expect(clockWarning({ offsetMs: -120_000, uncertaintyMs: 500, measuredAt: "t" })).toBeUndefined();
    expect(clockWarning({ offsetMs: -DAY, uncertaintyMs: 500, measuredAt: "t" })).toMatch(/^this PC's clock is 1 day ahead of the parking server's \(measured t\)/);
    expect(clockWarning({ offsetMs: 3 * 3_600_000 + 5 * 60_000, uncertaintyMs: 500, measuredAt: "t" })).toMatch(/3 h 5 min behind/);
    expect(describeOffset(-(2 * DAY + 3_600_000))).toBe("2 days 1 h");
    expect(describeOffset(125_000)).toBe("2 min 5 s");
  });

  it("reads back what it stored, and nothing from a damaged setting", () => {
    const m = measureOffset(T, T + 10, T + 5_000, 1_000);
    expect(parseClockOffset(JSON.stringify(m))).toEqual(m);
    expect(parseClockOffset("{not json")).toBeUndefined();
    expect(parseClockOffset(JSON.stringify({ offsetMs: "1" }))).toBeUndefined();
    expect(parseClockOffset(undefined)).toBeUndefined();
  });
});

describe("FTP stamps", () => {
  it("MDTM: whole seconds, or as fine as the digits given; anything else is not a stamp", () => {
    expect(parseMdtm("20261202120000")).toEqual({ ms: T, precisionMs: 1_000 });
    expect(parseMdtm("20261202120000.583")).toEqual({ ms: T + 583, precisionMs: 1 });
    expect(parseMdtm("20261202120000.5")).toEqual({ ms: T + 500, precisionMs: 100 });
    expect(parseMdtm("2026-12-02")).toBeUndefined();
  });

  it("LIST: minute-granular within the half year (the year nearest now), day-granular before", () => {
    expect(parseListTime("Dec 02 12:00", T + 30_000)).toEqual({ ms: T, precisionMs: 60_000 });
    // Listed on 1 January: a file of 31 December is last year's.
    expect(parseListTime("Dec 31 23:59", Date.UTC(2027, 0, 1, 0, 5))).toEqual({ ms: Date.UTC(2026, 11, 31, 23, 59), precisionMs: 60_000 });
    expect(parseListTime("Mar  1  2024", T)).toEqual({ ms: Date.UTC(2024, 2, 1), precisionMs: DAY });
    expect(parseListTime("yesterday", T)).toBeNull();
  });
});
