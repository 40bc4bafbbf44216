/**
 * The most-recent-change rule for special prices (DESIGN §3): the highest HLC wins, ties broken
 * by origin id, then by event id. A removal is a tombstone that competes by the same rule, so
 * the result does not depend on the order in which events arrive.
 */
export interface Stamp {
  hlc: string;
  origin: string;
  id: string;
}

/** Negative when `a` loses to `b`, positive when it wins, 0 only for the same event. */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.hlc !== b.hlc) return a.hlc < b.hlc ? -1 : 1;
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

/** The winner of two competing changes. Commutative, associative and idempotent. */
export function lastWriterWins<T extends Stamp>(a: T, b: T): T {
  return compareStamps(a, b) >= 0 ? a : b;
}

/** Whether a change stamped `incoming` replaces the state stamped `current` (no state yet: it does). */
export function replaces(incoming: Stamp, current: Stamp | undefined): boolean {
  return current === undefined || compareStamps(incoming, current) > 0;
}
