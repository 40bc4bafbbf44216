/**
 * What each event type is, decided once per type in tables the compiler completes: a new
 * member of `EventPayloads` (eventTypes.ts) fails `npm run typecheck` until it has a row in
 * every one of them —
 *
 * - here, `EVENT_SPECS`: its schema version, who may record it (DESIGN §2), and which thing it
 *   touches in `sincro history`, under which key;
 * - src/wire/snapshotRows.ts, `SNAPSHOT_ROW`: which snapshot row carries its effect, or none;
 * - src/projections/projector.ts, `EVOLVE`: how it is projected (the evolve of one entity module
 *   beside it: agents.ts, catalogue.ts, customers.ts, specialPrices.ts, orders.ts);
 * - src/node/route.ts, `ROUTES`: the stream each role that records it ships it on.
 *
 * One table per layer, because a lower layer may not import a higher one (the projections'
 * evolvers cannot be named in src/events). Derived from the tables, never listed by hand:
 * `SCHEMA_VERSION`, `EVENT_TYPES` and `isEventType` (here), the event types the outbox
 * backfills into a new agent's stream and those that make an agent's snapshot stale
 * (src/node/outbox.ts), and the event types of each `history` target (src/audit/history.ts).
 * A command that records the event is the decider's business: commands.ts, decide.ts, the CLI.
 */
import type { EventPayloads, EventType } from "./eventTypes.js";

/** The two kinds of node (DESIGN §1). */
export type Role = "sede" | "agent";

/** What `sincro history` traces, and the key that names one of them. */
export interface HistoryKeys {
  customer: readonly [code: string];
  "special-price": readonly [customer: string, product: string];
  order: readonly [type: string, number: number];
}

export type HistoryEntity = keyof HistoryKeys;

/**
 * How an event appears in `sincro history`: the entity it touches and its key there; `"snapshot
 * rows"` for an event whose rows appear instead (under the entities those rows carry); null
 * when it touches nothing history traces.
 */
export type HistorySpec<T extends EventType> =
  | { [E in HistoryEntity]: { entity: E; key: (data: EventPayloads[T]) => HistoryKeys[E] } }[HistoryEntity]
  | "snapshot rows"
  | null;

export interface EventSpec<T extends EventType> {
  /** Schema version of its payload: the envelope's `v`. */
  v: number;
  /** The roles whose nodes record it (DESIGN §2, "recorded by"); `ROUTES` routes only these. */
  recordedBy: readonly Role[];
  history: HistorySpec<T>;
}

export type EventSpecs = { [T in EventType]: EventSpec<T> };

export const EVENT_SPECS = {
  AgentRegistered: { v: 1, recordedBy: ["sede"], history: null },
  OrderTypeDefined: { v: 1, recordedBy: ["sede", "agent"], history: null },
  ProductSaved: { v: 1, recordedBy: ["sede"], history: null },
  ProductDiscontinued: { v: 1, recordedBy: ["sede"], history: null },
  PriceListSaved: { v: 1, recordedBy: ["sede"], history: null },
  GenericPriceSet: { v: 1, recordedBy: ["sede"], history: null },
  GenericPriceRemoved: { v: 1, recordedBy: ["sede"], history: null },
  CustomerCreated: { v: 1, recordedBy: ["sede", "agent"], history: { entity: "customer", key: (d) => [d.code] } },
  CustomerUpdated: { v: 1, recordedBy: ["sede", "agent"], history: { entity: "customer", key: (d) => [d.code] } },
  SpecialPriceSet: { v: 1, recordedBy: ["sede", "agent"], history: { entity: "special-price", key: (d) => [d.customer, d.product] } },
  SpecialPriceRemoved: { v: 1, recordedBy: ["sede", "agent"], history: { entity: "special-price", key: (d) => [d.customer, d.product] } },
  OrderPlaced: { v: 1, recordedBy: ["sede", "agent"], history: { entity: "order", key: (d) => [d.type, d.number] } },
  OrderAmended: { v: 1, recordedBy: ["sede", "agent"], history: { entity: "order", key: (d) => [d.type, d.number] } },
  OrderCancelled: { v: 1, recordedBy: ["sede", "agent"], history: { entity: "order", key: (d) => [d.type, d.number] } },
  CustomerReassigned: { v: 1, recordedBy: ["sede"], history: { entity: "customer", key: (d) => [d.customer] } },
  CustomerRenamed: { v: 1, recordedBy: ["sede"], history: { entity: "customer", key: (d) => [d.code] } },
  // Not in DESIGN §2: the engine records it when a node loads a snapshot, and only agents read snapshots.
  SnapshotApplied: { v: 1, recordedBy: ["agent"], history: "snapshot rows" },
} as const satisfies EventSpecs;

/** The roles that record event type `T`, as a union of literals (for tables keyed by role). */
export type RecordedBy<T extends EventType> = (typeof EVENT_SPECS)[T]["recordedBy"][number];

export const EVENT_TYPES = Object.keys(EVENT_SPECS) as EventType[];

/** Current schema version of each payload (the envelope's `v`). */
export const SCHEMA_VERSION = Object.fromEntries(EVENT_TYPES.map((t) => [t, EVENT_SPECS[t].v])) as Readonly<Record<EventType, number>>;

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_SPECS, type);
}
