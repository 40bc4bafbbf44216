import type { EventType } from "../events/eventTypes.js";
import type { SnapshotRow } from "./segmentCodec.js";

/** The first element of a snapshot row: what the row is (docs/FORMATS.md). */
export type SnapshotRowKind = SnapshotRow[0];

/** The row of one kind. */
export type RowOf<K extends SnapshotRowKind> = Extract<SnapshotRow, [K, ...unknown[]]>;

/** Which stream's snapshot holds each row kind: the catalogue's, or an agent stream's. */
export const ROW_SNAPSHOT = {
  P: "catalogue",
  L: "catalogue",
  R: "catalogue",
  O: "agent",
  C: "agent",
  S: "agent",
  X: "agent",
} as const satisfies Record<SnapshotRowKind, "catalogue" | "agent">;

/**
 * For each event type, the snapshot row that carries its effect to a reader who starts from a
 * snapshot instead of replaying the event (DESIGN §4.4), or null when no snapshot does. A
 * removal's row is the one it removes: a generic price by its absence (a catalogue snapshot
 * replaces the catalogue whole), a special price as a tombstone.
 */
export const SNAPSHOT_ROW = {
  AgentRegistered: null,
  OrderTypeDefined: "O",
  ProductSaved: "P",
  ProductDiscontinued: "P",
  PriceListSaved: "L",
  GenericPriceSet: "R",
  GenericPriceRemoved: "R",
  // The sede's view of the customer, its own edits included.
  CustomerCreated: "C",
  CustomerUpdated: "C",
  SpecialPriceSet: "S",
  SpecialPriceRemoved: "S",
  OrderPlaced: null,
  OrderAmended: null,
  OrderCancelled: null,
  // The new agent's snapshot carries the customer and its special prices; the old agent's, an X row.
  CustomerReassigned: "C",
  // The customer under its new code; an X row for the old one.
  CustomerRenamed: "C",
  // It records that a snapshot was loaded; its rows are the snapshot's own.
  SnapshotApplied: null,
} as const satisfies { [T in EventType]: SnapshotRowKind | null };

/** Whether an agent stream's snapshot carries the effect of events of `type`. */
export function inAgentSnapshot(type: EventType): boolean {
  const row = SNAPSHOT_ROW[type];
  return row !== null && ROW_SNAPSHOT[row] === "agent";
}
