import type { SnapshotRow } from "./segmentCodec.js";

/** The first element of a snapshot row: what the row is (docs/FORMATS.md). */
export type SnapshotRowKind = SnapshotRow[0];

/** The row of one kind. */
export type RowOf<K extends SnapshotRowKind> = Extract<SnapshotRow, [K, ...unknown[]]>;
