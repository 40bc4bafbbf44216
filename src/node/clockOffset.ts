import { type Say, say } from "../errors.js";

/**
 * The offset between this PC's clock and the parking server's (DESIGN §8, "Clock"), as the
 * last sync measured it: the server's stamp on a file this PC had just written, against this
 * PC's clock around the write. Kept in the node's settings (`clock.offset`), read when the node
 * opens: the node's time, and so every HLC, `at` and date it records, is this PC's clock plus
 * the correction.
 */
export interface ClockOffset {
  /** Server time minus this PC's time, in milliseconds (positive: this PC's clock is behind). */
  offsetMs: number;
  /** How far the true offset may be from `offsetMs`: half the write's duration plus half the stamp's precision. */
  uncertaintyMs: number;
  /** When it was measured, by the server's clock (ISO 8601). */
  measuredAt: string;
}

export const CLOCK_STATE_KEY = "clock.offset";

/** Past this, the PC whose clock is off is told at its sync and in `status`. */
export const CLOCK_WARN_MS = 2 * 60_000;

/**
 * Below this (or below the measurement's own uncertainty) the PC's clock is taken as right and
 * nothing is corrected: a stamp in whole seconds cannot tell better, and a right clock then
 * keeps its own readings instead of jittering by a second from one sync to the next.
 */
export const CLOCK_TOLERANCE_MS = 5_000;

/**
 * The offset from one write: `before` and `after` are this PC's clock around the write, the
 * stamp lies in `[stampMs, stampMs + precisionMs)` by the server's clock.
 */
export function measureOffset(beforeMs: number, afterMs: number, stampMs: number, precisionMs: number, measuredAt = new Date(stampMs)): ClockOffset {
  const serverMid = stampMs + precisionMs / 2;
  const localMid = (beforeMs + afterMs) / 2;
  return {
    offsetMs: Math.round(serverMid - localMid),
    uncertaintyMs: Math.ceil((afterMs - beforeMs) / 2 + precisionMs / 2),
    measuredAt: measuredAt.toISOString(),
  };
}

/** What the node adds to its clock: the offset, or 0 when it is within the tolerance or its uncertainty. */
export function correctionOf(offset: ClockOffset | undefined): number {
  if (offset === undefined) return 0;
  return Math.abs(offset.offsetMs) > Math.max(CLOCK_TOLERANCE_MS, offset.uncertaintyMs) ? offset.offsetMs : 0;
}

export function parseClockOffset(text: string | undefined): ClockOffset | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Partial<ClockOffset>;
    if (typeof v.offsetMs !== "number" || !Number.isFinite(v.offsetMs) || typeof v.uncertaintyMs !== "number" || typeof v.measuredAt !== "string") return undefined;
    return { offsetMs: v.offsetMs, uncertaintyMs: v.uncertaintyMs, measuredAt: v.measuredAt };
  } catch {
    return undefined;
  }
}

/** "1 day 2 h", "3 h 5 min", "4 min 10 s": how far off, for a person. */
export function describeOffset(ms: number): string {
  const abs = Math.abs(ms);
  const s = Math.round(abs / 1000);
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  if (days > 0) return `${days} day${days === 1 ? "" : "s"}${hours > 0 ? ` ${hours} h` : ""}`;
  if (hours > 0) return `${hours} h${minutes > 0 ? ` ${minutes} min` : ""}`;
  if (minutes > 0) return `${minutes} min${seconds > 0 ? ` ${seconds} s` : ""}`;
  return `${seconds} s`;
}

/**
 * The warning for a PC whose clock is off by more than {@link CLOCK_WARN_MS}, or undefined.
 * Plain English, one place (for the message catalogue).
 */
export function clockWarning(offset: ClockOffset | undefined): string | undefined {
  if (offset === undefined || Math.abs(offset.offsetMs) <= CLOCK_WARN_MS) return undefined;
  const way = offset.offsetMs < 0 ? "ahead of" : "behind";
  return `this PC's clock is ${describeOffset(offset.offsetMs)} ${way} the parking server's (measured ${offset.measuredAt}): set the PC's date and time; meanwhile sincro corrects the times it records by that much`;
}

/** {@link clockWarning} as a catalogue message: minutes below 2 hours, else hours to one decimal. */
export function clockSay(offset: ClockOffset | undefined): Say | undefined {
  if (offset === undefined || Math.abs(offset.offsetMs) <= CLOCK_WARN_MS) return undefined;
  const abs = Math.abs(offset.offsetMs);
  const ahead = offset.offsetMs < 0;
  if (abs < 2 * 3_600_000) {
    const n = Math.round(abs / 60_000);
    return ahead ? say("warn.clockAheadMinutes", { n }) : say("warn.clockBehindMinutes", { n });
  }
  const n = Math.round(abs / 360_000) / 10;
  return ahead ? say("warn.clockAheadHours", { n }) : say("warn.clockBehindHours", { n });
}
