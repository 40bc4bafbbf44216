/**
 * Hybrid logical clock (DESIGN §2). A timestamp is printed as
 * `WWWWWWWWWWWWW-CCCCC-ORIGIN`: 13 digits of wall-clock milliseconds, 5 digits of counter,
 * then the node id, so that plain string comparison orders events by (wall, counter, origin).
 * Pure functions: the current time comes in as an argument.
 */
export interface Hlc {
  wall: number;
  counter: number;
}

const WALL_DIGITS = 13;
const COUNTER_DIGITS = 5;
const COUNTER_MAX = 10 ** COUNTER_DIGITS - 1;
const HLC_PATTERN = /^(\d{13})-(\d{5})-([A-Z0-9]{1,8})$/;

export const HLC_ZERO: Hlc = { wall: 0, counter: 0 };

/** Advances the clock for a local event. */
export function tick(last: Hlc, now: number): Hlc {
  const wall = Math.max(last.wall, Math.floor(now));
  return bump(wall, wall === last.wall ? last.counter + 1 : 0);
}

/** Merges a received timestamp so that whatever is recorded next sorts after it. */
export function merge(last: Hlc, remote: Hlc, now: number): Hlc {
  const wall = Math.max(last.wall, remote.wall, Math.floor(now));
  let counter: number;
  if (wall === last.wall && wall === remote.wall) counter = Math.max(last.counter, remote.counter);
  else if (wall === last.wall) counter = last.counter;
  else if (wall === remote.wall) counter = remote.counter;
  else counter = 0;
  return { wall, counter };
}

function bump(wall: number, counter: number): Hlc {
  // A counter that overflows its digits borrows one millisecond, so the text form stays sortable.
  return counter > COUNTER_MAX ? { wall: wall + 1, counter: 0 } : { wall, counter };
}

export function compareHlc(a: Hlc, b: Hlc): number {
  return a.wall !== b.wall ? a.wall - b.wall : a.counter - b.counter;
}

export function formatHlc(h: Hlc, origin: string): string {
  return `${String(h.wall).padStart(WALL_DIGITS, "0")}-${String(h.counter).padStart(COUNTER_DIGITS, "0")}-${origin}`;
}

/** Parses the text form; returns undefined when it is not an HLC. */
export function parseHlc(text: string): (Hlc & { origin: string }) | undefined {
  const m = HLC_PATTERN.exec(text);
  if (!m) return undefined;
  return { wall: Number(m[1]), counter: Number(m[2]), origin: m[3] as string };
}
