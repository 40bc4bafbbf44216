import { RefusedError, SincroError, say } from "../errors.js";
import { EVENT_SPECS, EVENT_TYPES, type HistoryEntity, type HistoryKeys } from "../events/eventSpecs.js";
import { decodePayload, type EventType } from "../events/eventTypes.js";
import { compareStamps } from "../projections/lastWriterWins.js";
import { SNAPSHOT_ROW } from "../wire/snapshotRows.js";
import { hlcWall } from "./untilPoint.js";
import { NodeDatabase } from "./nodeDatabase.js";

/** What to trace: a customer, a special price, or an order. */
export type HistoryTarget =
  | { kind: "customer"; code: string }
  | { kind: "special-price"; customer: string; product: string }
  | { kind: "order"; type: string; number: number };

/** One change of the traced thing: an event of the log, or a row of a snapshot the node applied. */
export interface HistoryEntry {
  /** `AG01#5`, or `snapshot SEDE>AG01 #3` for a row a snapshot brought. */
  ref: string;
  /** The node that made the change. */
  origin: string;
  seq: number | null;
  id: string;
  hlc: string;
  /** The HLC's wall time, ISO. */
  hlcTime: string | null;
  /** Wall-clock time the origin recorded it (not known for a snapshot row). */
  at: string | null;
  type: string;
  data: unknown;
  /** Special prices only: how the change fared under the most-recent rule. */
  outcome?: "won" | "lost";
  reason?: string;
}

export interface History {
  target: string;
  node: string;
  entries: HistoryEntry[];
}

/**
 * Every event of a node's log that touched one thing, in log order, read from the database
 * opened read-only. For a special price, each change is marked won or lost under the
 * most-recent rule (highest HLC, then origin, then event id; a removal competes too), with the
 * change that beat it: one that edited after seeing it, or a concurrent one that is more recent.
 */
export function history(file: string, target: HistoryTarget): History {
  const nodeDb = new NodeDatabase(file, "history");
  const entries: HistoryEntry[] = [];
  try {
    for (const e of nodeDb.iterate()) {
      if (!HISTORY_TYPES[target.kind].has(e.type)) continue;
      let data: Record<string, unknown>;
      try {
        data = decodePayload(e.data) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (e.type === "SnapshotApplied") {
        for (const entry of snapshotEntries(nodeDb, data, target)) entries.push(entry);
        continue;
      }
      if (!matches(target, e.type as EventType, data)) continue;
      entries.push({ ref: `${e.origin}#${e.seq}`, origin: e.origin, seq: e.seq, id: e.id, hlc: e.hlc, hlcTime: wallIso(e.hlc), at: e.at, type: e.type, data });
    }
  } finally {
    nodeDb.close();
  }
  if (target.kind === "special-price") judge(entries);
  return { target: describeTarget(target), node: nodeDb.node, entries };
}

export function describeTarget(t: HistoryTarget): string {
  return t.kind === "customer" ? `customer ${t.code}` : t.kind === "special-price" ? `special price ${t.customer}/${t.product}` : `order ${t.type}/${t.number}`;
}

/** The event types each target's history reads, from the `history` column of EVENT_SPECS. */
export const HISTORY_TYPES: Readonly<Record<HistoryEntity, ReadonlySet<string>>> = {
  customer: typesTouching("customer"),
  "special-price": typesTouching("special-price"),
  order: typesTouching("order"),
};

/**
 * The event types that touch `entity`, and those whose snapshot rows may (a snapshot carries
 * customers and special prices, not orders: see SNAPSHOT_ROW).
 */
function typesTouching(entity: HistoryEntity): Set<string> {
  const own = EVENT_TYPES.filter((t) => {
    const h = EVENT_SPECS[t].history;
    return h !== null && h !== "snapshot rows" && h.entity === entity;
  });
  const snapshots = own.some((t) => SNAPSHOT_ROW[t] !== null) ? EVENT_TYPES.filter((t) => EVENT_SPECS[t].history === "snapshot rows") : [];
  return new Set([...own, ...snapshots]);
}

function targetKey(t: HistoryTarget): HistoryKeys[HistoryEntity] {
  return t.kind === "customer" ? [t.code] : t.kind === "special-price" ? [t.customer, t.product] : [t.type, t.number];
}

/** Whether an event of `type` (one of HISTORY_TYPES[t.kind]) with payload `d` has the target's key. */
function matches(t: HistoryTarget, type: EventType, d: Record<string, unknown>): boolean {
  const spec = EVENT_SPECS[type].history;
  if (spec === null || spec === "snapshot rows") return false;
  // The payload is the log's, read as is: a key field it lacks is undefined and matches nothing.
  const key = (spec.key as (data: unknown) => readonly unknown[])(d);
  const want = targetKey(t);
  return key.length === want.length && key.every((k, i) => k === want[i]);
}

function snapshotEntries(nodeDb: NodeDatabase, d: Record<string, unknown>, t: HistoryTarget): HistoryEntry[] {
  if (t.kind === "order" || typeof d.sha256 !== "string") return [];
  let snap;
  try {
    snap = nodeDb.loadSnapshot(d.sha256);
  } catch (err) {
    // The snapshot's own refusal says what is missing or damaged; its words are the user's too.
    throw new RefusedError("db", `history ${nodeDb.file}: ${(err as Error).message}`, {
      code: "MISSING_SNAPSHOT",
      say: err instanceof SincroError && err.say ? err.say : say("history.refused.snapshot", { file: nodeDb.file, why: (err as Error).message }),
    });
  }
  const ref = `snapshot ${snap.stream} #${String(d.segment)}`;
  const out: HistoryEntry[] = [];
  for (const row of snap.rows) {
    if (t.kind === "customer" && row[0] === "C" && row[1] === t.code) {
      const [, code, createdBy, name, agent, list, vatNumber, city] = row;
      out.push({ ref, origin: createdBy, seq: null, id: "", hlc: "", hlcTime: null, at: null, type: "CustomerCreated (snapshot row)", data: { code, name, agent, list, vatNumber, city } });
    }
    if (t.kind === "special-price" && row[0] === "S" && row[1] === t.customer && row[2] === t.product) {
      const [, customer, product, price, discounts, hlc, origin] = row;
      out.push({
        ref,
        origin,
        seq: null,
        id: "",
        hlc,
        hlcTime: wallIso(hlc),
        at: null,
        type: price === null ? "SpecialPriceRemoved (snapshot row)" : "SpecialPriceSet (snapshot row)",
        data: { customer, product, price, discounts },
      });
    }
  }
  return out;
}

/** Marks each special-price change won or lost, naming what beat it. */
function judge(entries: HistoryEntry[]): void {
  const ranked = [...entries].sort((a, b) => compareStamps(a, b));
  const winner = ranked[ranked.length - 1];
  ranked.forEach((entry, i) => {
    if (entry === winner) {
      entry.outcome = "won";
      entry.reason = "the most recent change (highest HLC, then origin, then event id): the current state";
      return;
    }
    // A later change may be the same change again (a snapshot row of it): it neither won nor lost to itself.
    const later = ranked.slice(i + 1).filter((x) => !(x.hlc === entry.hlc && x.origin === entry.origin));
    const replacedBy = later.find((x) => (x.data as { supersedes?: unknown }).supersedes === entry.hlc);
    entry.outcome = "lost";
    if (replacedBy) {
      entry.reason = `replaced by ${replacedBy.ref}, made after seeing this change`;
    } else if (later.length === 0) {
      entry.reason = `the same change as ${(winner as HistoryEntry).ref}`;
    } else {
      const beat = later[0] as HistoryEntry;
      entry.reason = `lost to ${beat.ref} (${beat.origin}, ${beat.hlc}), a ${beat.origin === entry.origin ? "later" : "concurrent"} change that is more recent by the rule`;
    }
  });
}

function wallIso(hlc: string): string | null {
  const w = hlcWall(hlc);
  return Number.isNaN(w) ? null : new Date(w).toISOString();
}
