import { RefusedError } from "../errors.js";
import { decodePayload } from "../events/eventTypes.js";
import { compareStamps } from "../projections/lastWriterWins.js";
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
      if (!TYPES[target.kind].has(e.type)) continue;
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
      if (!matches(target, data)) continue;
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

const TYPES: Record<HistoryTarget["kind"], Set<string>> = {
  customer: new Set(["CustomerCreated", "CustomerUpdated", "SnapshotApplied"]),
  "special-price": new Set(["SpecialPriceSet", "SpecialPriceRemoved", "SnapshotApplied"]),
  order: new Set(["OrderPlaced", "OrderAmended", "OrderCancelled"]),
};

function matches(t: HistoryTarget, d: Record<string, unknown>): boolean {
  if (t.kind === "customer") return d.code === t.code;
  if (t.kind === "special-price") return d.customer === t.customer && d.product === t.product;
  return d.type === t.type && d.number === t.number;
}

function snapshotEntries(nodeDb: NodeDatabase, d: Record<string, unknown>, t: HistoryTarget): HistoryEntry[] {
  if (t.kind === "order" || typeof d.sha256 !== "string") return [];
  let snap;
  try {
    snap = nodeDb.loadSnapshot(d.sha256);
  } catch (err) {
    throw new RefusedError("db", `history ${nodeDb.file}: ${(err as Error).message}`, { code: "MISSING_SNAPSHOT" });
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
