import type Database from "better-sqlite3";

/** A conflict as the `conflicts` projection lists it; `kind`, `key` and `eventId` name it. */
export interface ConflictName {
  kind: string;
  key: string;
  eventId: string;
}

/** When each conflict marked as seen was (`sincro conflicts --ack`), by `kind key eventId`. */
export function conflictsSeen(db: Database.Database): Map<string, string> {
  const rows = db.prepare(`SELECT kind, key, event_id AS eventId, seen FROM conflicts_seen`).all() as Array<ConflictName & { seen: string }>;
  return new Map(rows.map((r) => [conflictName(r), r.seen]));
}

export const conflictName = (c: ConflictName): string => `${c.kind} ${c.key} ${c.eventId}`;

/** Marks conflicts as seen at `at`; one already seen keeps its first time. Returns how many were new. */
export function markConflictsSeen(db: Database.Database, conflicts: readonly ConflictName[], at: string): number {
  const insert = db.prepare(`INSERT INTO conflicts_seen (kind, key, event_id, seen) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`);
  return db.transaction(() => conflicts.reduce((n, c) => n + insert.run(c.kind, c.key, c.eventId, at).changes, 0))();
}
