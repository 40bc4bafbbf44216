import Database from "better-sqlite3";
import { PROJECTION_DDL, type ProjectionTable } from "../db/schema.js";
import type { EventEnvelope } from "../events/envelope.js";
import { decodeEnvelope } from "../wire/envelopeCodec.js";
import type { DecodedEvent } from "../events/eventTypes.js";
import { digestProjections, type TableDigest } from "../projections/digest.js";
import { Projector, type SnapshotLoader } from "../projections/projector.js";

/**
 * Rebuilds the projections from events alone into a fresh database of its own (PROJECTION_DDL
 * and the node's own {@link Projector}), in one transaction that is committed by {@link finish}.
 * The database is SQLite's private temporary one: held in memory up to a 32 MB page cache and
 * spilled to an anonymous file beyond it (deleted on close), so replaying a million-row
 * catalogue keeps the process well under 300 MB.
 */
export class Replay {
  readonly db: Database.Database;
  private readonly projector: Projector;
  applied = 0;
  private open = true;

  constructor(loadSnapshot: SnapshotLoader, here: string | undefined) {
    this.db = new Database("");
    this.db.pragma("cache_size = -32768");
    this.db.pragma("journal_mode = OFF");
    this.db.pragma("synchronous = OFF");
    this.db.exec(PROJECTION_DDL);
    this.projector = new Projector(this.db, loadSnapshot, here);
    this.db.exec("BEGIN");
  }

  /** Projects one decoded event. Throws what the projector or the snapshot loader throws. */
  apply(e: DecodedEvent): void {
    this.projector.apply(e);
    this.applied++;
  }

  /** Decodes and projects; returns why it could not, instead of throwing. */
  tryApply(e: EventEnvelope): string | undefined {
    let decoded: DecodedEvent;
    try {
      decoded = decodeEnvelope(e);
    } catch (err) {
      return (err as Error).message;
    }
    try {
      this.apply(decoded);
    } catch (err) {
      return (err as Error).message;
    }
    return undefined;
  }

  finish(): TableDigest[] {
    if (this.open) {
      this.db.exec("COMMIT");
      this.open = false;
    }
    return digestProjections(this.db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** One table of the replay beside the node's own, when a node database was audited. */
export interface TableComparison {
  table: ProjectionTable;
  rows: number;
  sha256: string;
  nodeRows?: number;
  nodeSha256?: string;
  same?: boolean;
}

export function compareDigests(replayed: TableDigest[], node: TableDigest[] | undefined): TableComparison[] {
  return replayed.map((r) => {
    const n = node?.find((d) => d.table === r.table);
    return n ? { ...r, nodeRows: n.rows, nodeSha256: n.sha256, same: n.sha256 === r.sha256 } : { ...r };
  });
}
