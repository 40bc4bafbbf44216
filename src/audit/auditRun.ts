import type { ProjectionTable } from "../db/schema.js";
import { say, type Say } from "../errors.js";
import type { EventEnvelope } from "../events/envelope.js";
import { decodePayload } from "../events/eventTypes.js";
import type { TableDigest } from "../projections/digest.js";
import type { SnapshotLoader } from "../projections/projector.js";
import { ChainAudit, type OriginPolicy } from "./chainAudit.js";
import { ClockSkew } from "./clockSkew.js";
import type { Finding } from "./findings.js";
import { Replay, compareDigests, type TableComparison } from "./replay.js";
import { hlcWall, type UntilPoint } from "./untilPoint.js";

/** What was audited. */
export interface AuditSource {
  kind: "node" | "log" | "parking-area";
  /** The file, folder or `ftp://user@host:port/dir` audited (never a password). */
  path: string;
  node?: string;
  role?: string;
}

/** A special-price change, as the report shows it. */
export interface PriceChange {
  ref: string;
  origin: string;
  seq: number;
  hlc: string;
  at: string;
  type: string;
  price: string | null;
  discounts: string[];
  supersedes: string | null;
}

/** A most-recent-wins decision: two nodes changed one special price without seeing each other. */
export interface Decision {
  key: string;
  winner: PriceChange | { ref: string };
  loser: PriceChange | { ref: string };
  detail: string;
}

/** A special price as of the audited point, and the change that set it. */
export interface PriceAsOf {
  product: string;
  price: string | null;
  discounts: string[];
  removed: boolean;
  setBy: string;
  hlc: string;
  origin: string;
}

/** The whole result of an audit: the JSON output, the text and the HTML are drawn from it. */
export interface AuditReport {
  source: AuditSource;
  /** True when no violation was found and, for a node, every table equals its replay. */
  ok: boolean;
  events: number;
  origins: Array<{ origin: string; events: number; first: number; last: number; complete: boolean }>;
  findings: Finding[];
  parking?: { streams: Array<{ stream: string; folder: string; segments: number; snapshots: number; events: number; first: number | null; last: number | null }> };
  replay?: { events: number; until: string | null; tables: TableComparison[]; differing: ProjectionTable[] };
  specialPrices?: { customer: string; asOf: string; rows: PriceAsOf[] };
  decisions: Decision[];
  timeline: Array<{ day: string; origin: string; events: number }>;
}

export interface AuditRunOptions {
  source: AuditSource;
  policy: (origin: string) => OriginPolicy;
  where: (index: number) => string;
  /** Replay the events into fresh projections (not for a parking area). */
  replay?: { loadSnapshot: SnapshotLoader; snapshotsAvailable: boolean };
  until?: UntilPoint;
  specialPricesOf?: string;
  skewHours?: number;
}

/**
 * One pass over a log: each event is verified (chain table), counted for the timeline, checked
 * for clock skew and, up to `until`, replayed. Memory holds the chain table, the per-day counts
 * and the special-price changes, never the events.
 */
export class AuditRun {
  readonly chain: ChainAudit;
  private readonly skew: ClockSkew;
  private readonly replay: Replay | undefined;
  private readonly days = new Map<string, Map<string, number>>();
  private readonly priceChanges = new Map<string, PriceChange>();
  private readonly extra: Finding[] = [];
  private untilReached = false;
  private untilSeen = false;

  constructor(private readonly options: AuditRunOptions) {
    this.chain = new ChainAudit(options.policy, options.where);
    this.skew = new ClockSkew((options.skewHours ?? 24) * 3_600_000, options.source.kind === "parking-area" ? undefined : options.source.node);
    this.replay = options.replay ? new Replay(options.replay.loadSnapshot, options.source.kind === "parking-area" ? undefined : options.source.node) : undefined;
  }

  /** Adds a finding found by the source itself (a malformed line, a corrupt file). */
  note(f: Finding): void {
    this.extra.push(f);
  }

  /** Adds the next event of the log; `quarantined` says why the node kept it unapplied (it is then not replayed). */
  add(e: EventEnvelope, index: number, quarantined?: string): void {
    const arrival = this.chain.add(e, index);
    if (quarantined !== undefined) {
      this.extra.push({
        severity: "warning",
        kind: "quarantined",
        origin: e.origin,
        seq: e.seq,
        where: this.options.where(index),
        detail: `quarantined by the node: ${quarantined}`,
        say: say("audit.finding.quarantined", { why: quarantined }),
      });
      return;
    }
    const day = dayOf(e);
    let perOrigin = this.days.get(day);
    if (!perOrigin) {
      perOrigin = new Map();
      this.days.set(day, perOrigin);
    }
    perOrigin.set(e.origin, (perOrigin.get(e.origin) ?? 0) + 1);
    this.skew.add(e);
    if (e.type === "SpecialPriceSet" || e.type === "SpecialPriceRemoved") this.notePrice(e);
    if (!this.replay || arrival === "duplicate" || this.untilReached) return;
    const until = this.options.until;
    if (until?.kind === "time" && !(hlcWall(e.hlc) <= until.ms)) return;
    const notReplayed = (detail: string, said: Say) =>
      this.extra.push({ severity: "info", kind: "not-replayed", origin: e.origin, seq: e.seq, where: this.options.where(index), detail, say: said });
    if (e.type === "SnapshotApplied" && !this.options.replay?.snapshotsAvailable) {
      notReplayed("a snapshot was applied here; its rows are kept only in the node's database, so the replay of this exported log lacks them", say("audit.finding.snapshotNotExported"));
    } else {
      const why = this.replay.tryApply(e);
      if (why !== undefined) notReplayed(`not replayed: ${why}`, say("audit.finding.notReplayed", { why }));
    }
    if (until?.kind === "event" && e.origin === until.origin && e.seq === until.seq) {
      this.untilReached = true;
      this.untilSeen = true;
    }
  }

  private notePrice(e: EventEnvelope): void {
    let d: { customer?: unknown; product?: unknown; price?: unknown; discounts?: unknown; supersedes?: unknown };
    try {
      d = decodePayload(e.data) as typeof d;
    } catch {
      return;
    }
    this.priceChanges.set(e.id, {
      ref: `${e.origin}#${e.seq}`,
      origin: e.origin,
      seq: e.seq,
      hlc: e.hlc,
      at: e.at,
      type: e.type,
      price: typeof d.price === "string" ? d.price : null,
      discounts: Array.isArray(d.discounts) ? (d.discounts as string[]) : [],
      supersedes: typeof d.supersedes === "string" ? d.supersedes : null,
    });
  }

  /** True when `--until ORIGIN:SEQ` named an event that was not in the log. */
  untilMissing(): boolean {
    return this.options.until?.kind === "event" && !this.untilSeen;
  }

  /** Finishes every check; `nodeDigests` compares the replay with the node's own projections. */
  finish(nodeDigests?: TableDigest[], parking?: AuditReport["parking"]): AuditReport {
    const findings = [...this.chain.finish(), ...this.extra, ...this.skew.findings()];
    const report: AuditReport = {
      source: this.options.source,
      ok: false,
      events: this.chain.events,
      origins: this.chain.origins(),
      findings,
      decisions: [],
      timeline: [...this.days]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .flatMap(([day, m]) => [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([origin, events]) => ({ day, origin, events }))),
      ...(parking && { parking }),
    };
    if (this.replay) {
      const tables = compareDigests(this.replay.finish(), this.options.until ? undefined : nodeDigests);
      const differing = tables.filter((t) => t.same === false).map((t) => t.table);
      for (const t of tables.filter((x) => x.same === false)) {
        findings.push({
          severity: "violation",
          kind: "projection-differs",
          file: t.table,
          detail: `table ${t.table} differs from a replay of the log (node: ${t.nodeRows} rows, replay: ${t.rows} rows)`,
          say: say("audit.finding.projectionDiffers", { table: t.table, nodeRows: t.nodeRows ?? 0, rows: t.rows }),
        });
      }
      report.replay = { events: this.replay.applied, until: this.options.until?.text ?? null, tables, differing };
      report.decisions = this.decisions();
      if (this.options.specialPricesOf !== undefined) report.specialPrices = this.pricesOf(this.options.specialPricesOf);
      this.replay.close();
    }
    findings.sort(compareFindings);
    report.ok = !findings.some((f) => f.severity === "violation");
    return report;
  }

  private change(id: string | null, hlc?: string): PriceChange | { ref: string } {
    const c = id ? this.priceChanges.get(id) : undefined;
    if (c) return c;
    return { ref: id ? `event ${id}` : `from a snapshot${hlc ? ` (${hlc})` : ""}` };
  }

  private decisions(): Decision[] {
    const db = (this.replay as Replay).db;
    const rows = db.prepare(`SELECT key, detail, event_id, other_id, winner_id FROM conflicts WHERE kind = 'special-price' ORDER BY id`).all() as Array<{
      key: string;
      detail: string;
      event_id: string;
      other_id: string | null;
      winner_id: string | null;
    }>;
    return rows.map((r) => {
      const incomingWon = r.winner_id === r.event_id;
      const incoming = this.change(r.event_id);
      const other = this.change(r.other_id);
      return { key: r.key, winner: incomingWon ? incoming : other, loser: incomingWon ? other : incoming, detail: r.detail };
    });
  }

  private pricesOf(customer: string): NonNullable<AuditReport["specialPrices"]> {
    const db = (this.replay as Replay).db;
    const rows = db
      .prepare(`SELECT product, price, discounts, removed, hlc, origin, event_id FROM special_prices WHERE customer = ? ORDER BY product`)
      .all(customer) as Array<{ product: string; price: string | null; discounts: string; removed: number; hlc: string; origin: string; event_id: string }>;
    return {
      customer,
      asOf: this.options.until?.text ?? "now",
      rows: rows.map((r) => ({
        product: r.product,
        price: r.price,
        discounts: JSON.parse(r.discounts) as string[],
        removed: r.removed === 1,
        setBy: this.priceChanges.get(r.event_id)?.ref ?? (r.event_id === "" ? "a snapshot" : `event ${r.event_id}`),
        hlc: r.hlc,
        origin: r.origin,
      })),
    };
  }
}

function dayOf(e: EventEnvelope): string {
  if (/^\d{4}-\d{2}-\d{2}T/.test(e.at)) return e.at.slice(0, 10);
  const wall = hlcWall(e.hlc);
  return Number.isNaN(wall) ? "unknown" : new Date(wall).toISOString().slice(0, 10);
}

const SEVERITY_ORDER = { violation: 0, warning: 1, info: 2 } as const;

function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    (a.file ?? "").localeCompare(b.file ?? "") ||
    (a.origin ?? "").localeCompare(b.origin ?? "") ||
    (a.seq ?? 0) - (b.seq ?? 0)
  );
}
