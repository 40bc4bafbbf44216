import type Database from "better-sqlite3";
import { PROJECTION_DDL, PROJECTION_TABLES } from "../db/schema.js";
import type { EventEnvelope } from "../events/envelope.js";
import { replayOrderStatement } from "../events/eventLog.js";
import { decodeEnvelope } from "../wire/envelopeCodec.js";
import { Projector, type SnapshotLoader } from "./projector.js";

/**
 * Drops every projection table and replays the log into fresh ones, in one transaction.
 * The log is streamed with `iterate()`; while it streams, only projection tables are written,
 * never `events`, which is what makes better-sqlite3's unsafe mode safe for this loop.
 */
export function rebuildProjections(db: Database.Database, loadSnapshot: SnapshotLoader, here: string, onProgress?: (done: number) => void): number {
  let applied = 0;
  const run = db.transaction(() => {
    for (const table of PROJECTION_TABLES) db.exec(`DROP TABLE IF EXISTS ${table}`);
    db.exec(PROJECTION_DDL);
    const projector = new Projector(db, loadSnapshot, here);
    // Quarantined events stay in the log but are never projected (DESIGN §7).
    // Log order (a restored office's own events in number order: replayOrderStatement).
    const { statement: events, params } = replayOrderStatement(db, here, "x.id, x.origin, x.seq, x.hlc, x.at, x.type, x.v, x.data, x.prev, x.hash", "x.pos NOT IN (SELECT pos FROM quarantined)");
    db.unsafeMode(true);
    try {
      for (const e of events.iterate(...params) as IterableIterator<EventEnvelope>) {
        projector.apply(decodeEnvelope(e));
        applied++;
        if (onProgress && applied % 100_000 === 0) onProgress(applied);
      }
    } finally {
      db.unsafeMode(false);
    }
  });
  run();
  return applied;
}
