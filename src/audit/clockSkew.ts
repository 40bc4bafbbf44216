import { say, type Say } from "../errors.js";
import type { EventEnvelope } from "../events/envelope.js";
import type { Finding } from "./findings.js";
import { hlcWall } from "./untilPoint.js";

const MAX_PENDING = 10_000;

interface Tally {
  count: number;
  maxAheadMs: number;
  examples: string[];
}

/**
 * Clock-skew warnings. An HLC carries the wall time of the clock that made it, so two checks:
 *
 * 1. **Ahead of the receiver** (node logs only): an event received from another origin whose
 *    HLC wall time is more than the threshold ahead of the `at` of the next event this node
 *    recorded itself — the receiver's own wall clock shortly after it received the event (or,
 *    when it recorded nothing afterwards, the last it recorded before). The sender's clock ran
 *    ahead: this names the culprit. At most 10,000 received events wait for the next local one
 *    (those furthest ahead), so a count past that is a lower bound ("at least").
 * 2. **Ahead of its own time**: an event whose HLC wall time is more than the threshold ahead of
 *    its own `at`. The recording node's wall clock was fine, but its HLC had been pulled forward
 *    by a skewed HLC it received earlier: this shows how far a skew propagated.
 *
 * Warnings are aggregated per origin (count, largest lead, first examples), never per event.
 */
export class ClockSkew {
  private readonly ahead = new Map<string, Tally>();
  private readonly pulled = new Map<string, Tally>();
  private pending: Array<{ origin: string; seq: number; wall: number }> = [];
  private lastOwnAt = Number.NaN;
  private truncated = false;

  constructor(
    private readonly thresholdMs: number,
    /** The node whose log this is; undefined for a parking area (check 2 only). */
    private readonly node: string | undefined,
  ) {}

  add(e: EventEnvelope): void {
    const wall = hlcWall(e.hlc);
    const at = Date.parse(e.at);
    if (Number.isNaN(wall) || Number.isNaN(at)) return;
    if (wall - at > this.thresholdMs) note(this.pulled, e.origin, `${e.origin}#${e.seq}`, wall - at);
    if (this.node === undefined) return;
    if (e.origin === this.node) {
      for (const p of this.pending) if (p.wall - at > this.thresholdMs) note(this.ahead, p.origin, `${p.origin}#${p.seq}`, p.wall - at);
      this.pending = [];
      this.lastOwnAt = at;
    } else if (Number.isNaN(this.lastOwnAt) || wall - this.lastOwnAt > this.thresholdMs) {
      this.pending.push({ origin: e.origin, seq: e.seq, wall });
      // Bounded: a node that records nothing itself for a long while (a fresh agent receiving a
      // whole catalogue) keeps only the candidates whose clocks are furthest ahead.
      if (this.pending.length > 2 * MAX_PENDING) {
        this.pending.sort((a, b) => b.wall - a.wall);
        this.pending.length = MAX_PENDING;
        this.truncated = true;
      }
    }
  }

  findings(): Finding[] {
    for (const p of this.pending) {
      if (!Number.isNaN(this.lastOwnAt) && p.wall - this.lastOwnAt > this.thresholdMs) {
        note(this.ahead, p.origin, `${p.origin}#${p.seq}`, p.wall - this.lastOwnAt);
      }
    }
    this.pending = [];
    const hours = this.thresholdMs / 3_600_000;
    const out: Finding[] = [];
    for (const [origin, t] of this.ahead) {
      const lead = leadOf(t.maxAheadMs);
      const params = { count: t.count, origin, hours, lead: lead.value, examples: t.examples.join(", ") };
      const said: Say = this.truncated
        ? lead.days
          ? say("audit.finding.skewAheadAtLeast.days", params)
          : say("audit.finding.skewAheadAtLeast.hours", params)
        : lead.days
          ? say("audit.finding.skewAhead.days", params)
          : say("audit.finding.skewAhead.hours", params);
      out.push({
        severity: "warning",
        kind: "clock-skew",
        origin,
        seq: Number(t.examples[0]?.split("#")[1]),
        detail: `${this.truncated ? "at least " : ""}${t.count} event(s) from ${origin} carry a clock more than ${hours} h ahead of this node's (${origin}'s clock ran ahead, by up to ${formatLead(t.maxAheadMs)}); e.g. ${t.examples.join(", ")}`,
        say: said,
      });
    }
    for (const [origin, t] of this.pulled) {
      const lead = leadOf(t.maxAheadMs);
      const params = { count: t.count, origin, hours, lead: lead.value, examples: t.examples.join(", ") };
      out.push({
        severity: "warning",
        kind: "clock-skew",
        origin,
        seq: Number(t.examples[0]?.split("#")[1]),
        detail: `${t.count} event(s) of ${origin} have an HLC more than ${hours} h ahead of their own time "at" (by up to ${formatLead(t.maxAheadMs)}): ${origin}'s clock had been pulled forward by a skewed clock it received; e.g. ${t.examples.join(", ")}`,
        say: lead.days ? say("audit.finding.skewPulled.days", params) : say("audit.finding.skewPulled.hours", params),
      });
    }
    return out;
  }
}

function note(map: Map<string, Tally>, origin: string, example: string, lead: number): void {
  const t = map.get(origin) ?? { count: 0, maxAheadMs: 0, examples: [] };
  t.count++;
  t.maxAheadMs = Math.max(t.maxAheadMs, lead);
  if (t.examples.length < 3) t.examples.push(example);
  map.set(origin, t);
}

function formatLead(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 48 ? `${(h / 24).toFixed(1)} days` : `${h.toFixed(1)} h`;
}

/** The lead of {@link formatLead} as a number (one decimal) and its unit, for a catalogue message. */
function leadOf(ms: number): { value: number; days: boolean } {
  const h = ms / 3_600_000;
  return h >= 48 ? { value: Number((h / 24).toFixed(1)), days: true } : { value: Number(h.toFixed(1)), days: false };
}
