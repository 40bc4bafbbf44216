import { hashEnvelope, type EventEnvelope } from "../events/envelope.js";
import { chainRules } from "../events/verifyChain.js";
import { say, type Say } from "../errors.js";
import type { Finding } from "./findings.js";

/**
 * How one origin's events are expected to appear in the audited source.
 * - `complete`: every seq from the start is held (a node's own events); a gap is a violation.
 *   Otherwise (another origin's routed subset) a gap is information.
 * - `ordered`: seq only grows in arrival order (a node's own events); otherwise events may
 *   arrive in any order (two streams of the sede interleave at an agent).
 * - `base`: where a complete origin starts: `null` at seq 1; `{seq, hash}` continues after
 *   the hash the sede held (a reinstalled agent PC); `undefined` when unknown (start > 1 is
 *   then information).
 */
export interface OriginPolicy {
  complete: boolean;
  ordered: boolean;
  base?: { seq: number; hash: string } | null;
  /** Own numbers a restored office may have lost with its backup: a gap inside one is information. */
  lost?: ReadonlyArray<{ from: number; to: number; on: string }>;
}

/** What {@link ChainAudit.add} made of an event: replay only `new` and `conflict` ones. */
export type Arrival = "new" | "duplicate" | "conflict";

// One slot per seq: flag, hash (32 bytes), prev (32 bytes), arrival index (uint32).
const PAGE_BITS = 10;
const PAGE = 1 << PAGE_BITS;
const SLOT = 69;
const HASH = 1;
const PREV = 33;
const INDEX = 65;

interface Candidate {
  hash: string;
  prev: string;
  index: number;
}

class OriginTable {
  private readonly pages = new Map<number, Buffer>();
  min = Number.POSITIVE_INFINITY;
  max = 0;
  held = 0;
  /** Other events claiming a seq already held (forged insertions), by seq. */
  readonly alternates = new Map<number, Candidate[]>();

  private locate(seq: number, create: boolean): [Buffer, number] | undefined {
    const key = Math.floor(seq / PAGE);
    let page = this.pages.get(key);
    if (!page) {
      if (!create) return undefined;
      page = Buffer.alloc(PAGE * SLOT);
      this.pages.set(key, page);
    }
    return [page, (seq % PAGE) * SLOT];
  }

  has(seq: number): boolean {
    const at = this.locate(seq, false);
    return at !== undefined && at[0][at[1]] === 1;
  }

  put(seq: number, hash: string, prev: string, index: number): void {
    const [page, off] = this.locate(seq, true) as [Buffer, number];
    page[off] = 1;
    page.write(hash, off + HASH, 32, "hex");
    page.write(prev, off + PREV, 32, "hex");
    page.writeUInt32LE(index >>> 0, off + INDEX);
    this.held++;
    if (seq < this.min) this.min = seq;
    if (seq > this.max) this.max = seq;
  }

  get(seq: number): Candidate | undefined {
    const at = this.locate(seq, false);
    if (!at || at[0][at[1]] !== 1) return undefined;
    const [page, off] = at;
    return {
      hash: page.toString("hex", off + HASH, off + HASH + 32),
      prev: page.toString("hex", off + PREV, off + PREV + 32),
      index: page.readUInt32LE(off + INDEX),
    };
  }

  /**
   * True when `prev` of `seq` equals `hash` of `seq - 1`, both held: `chainRules.chainsTo`
   * compared in place, without decoding the two hashes (once per event of a million-event audit).
   */
  linked(seq: number): boolean | undefined {
    const a = this.locate(seq - 1, false);
    const b = this.locate(seq, false);
    if (!a || !b || a[0][a[1]] !== 1 || b[0][b[1]] !== 1) return undefined;
    return a[0].compare(b[0], b[1] + PREV, b[1] + PREV + 32, a[1] + HASH, a[1] + HASH + 32) === 0;
  }
}

/**
 * Verifies per-origin hash chains over a log streamed in any order (DESIGN §2, FORMATS
 * "Verifying a log"). Each event's own hash is checked as it arrives; each seq's hash, prev
 * and arrival index are kept in a compact table (69 bytes per seq, pages allocated where
 * events are held), so duplicates, insertions, gaps and chain links are decided exactly at
 * {@link finish}, whatever the arrival order, without holding the events themselves.
 */
export class ChainAudit {
  private readonly tables = new Map<string, OriginTable>();
  private readonly policies = new Map<string, OriginPolicy>();
  readonly findings: Finding[] = [];
  events = 0;

  constructor(
    private readonly policyOf: (origin: string) => OriginPolicy,
    /** Describes an arrival index for people: `line 17`, `pos 17`, `SincroAg/AG01/0000000003.seg line 4`. */
    private readonly where: (index: number) => string,
  ) {}

  private violation(kind: Finding["kind"], origin: string, seq: number, index: number | undefined, detail: string, said: Say): void {
    this.findings.push({ severity: "violation", kind, origin, seq, ...(index !== undefined && { where: this.where(index) }), detail, say: said });
  }

  /** Checks one event; `index` is its arrival position in the source (see `where`). */
  add(e: EventEnvelope, index: number): Arrival {
    this.events++;
    let table = this.tables.get(e.origin);
    if (!table) {
      table = new OriginTable();
      this.tables.set(e.origin, table);
      this.policies.set(e.origin, this.policyOf(e.origin));
    }
    const policy = this.policies.get(e.origin) as OriginPolicy;
    if (hashEnvelope(e) !== e.hash) this.violation("altered", e.origin, e.seq, index, "its hash does not match its content: the event was changed after it was recorded", say("audit.finding.altered"));
    if (e.seq === 1 && chainRules.chainsTo(e, undefined) === false) this.violation("broken-chain", e.origin, e.seq, index, "seq 1 must have an empty prev", say("audit.finding.firstPrev"));
    const held = table.get(e.seq);
    if (held) {
      if (chainRules.sameSeq(e, held) === "duplicate") {
        this.violation("duplicated", e.origin, e.seq, index, `the same event appears twice (first at ${this.where(held.index)})`, say("audit.finding.duplicated", { first: this.where(held.index) }));
        return "duplicate";
      }
      const list = table.alternates.get(e.seq) ?? [];
      list.push({ hash: e.hash, prev: e.prev, index });
      table.alternates.set(e.seq, list);
      return "conflict";
    }
    if (policy.ordered && e.seq < table.max) {
      this.violation("out-of-order", e.origin, e.seq, index, `recorded after ${e.origin}#${table.max}, which must follow it`, say("audit.finding.outOfOrder", { ref: `${e.origin}#${table.max}` }));
    }
    table.put(e.seq, e.hash, e.prev, index);
    return "new";
  }

  /** Per origin: events held and the seq range they span. */
  origins(): Array<{ origin: string; events: number; first: number; last: number; complete: boolean }> {
    return [...this.tables]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([origin, t]) => ({ origin, events: t.held, first: t.min, last: t.max, complete: (this.policies.get(origin) as OriginPolicy).complete }));
  }

  /** Decides gaps, insertions and chain links; call once, after the last event. */
  finish(): Finding[] {
    for (const [origin, table] of this.tables) this.finishOrigin(origin, table, this.policies.get(origin) as OriginPolicy);
    return this.findings;
  }

  private finishOrigin(origin: string, t: OriginTable, policy: OriginPolicy): void {
    // Which candidate of a contested seq is genuine: the one the next event chains to.
    const genuine = new Map<number, Candidate>();
    for (const [seq, others] of t.alternates) {
      const main = t.get(seq) as Candidate;
      const all = [main, ...others];
      const nexts = [t.get(seq + 1), ...(t.alternates.get(seq + 1) ?? [])].filter((c): c is Candidate => c !== undefined);
      const chained = all.filter((c) => nexts.some((n) => chainRules.chainsTo({ seq: seq + 1, prev: n.prev }, c) === true));
      const places = all.map((c) => this.where(c.index)).join(", ");
      if (chained.length === 1) {
        const real = chained[0] as Candidate;
        genuine.set(seq, real);
        for (const c of all) {
          if (c === real) continue;
          this.violation(
            "inserted",
            origin,
            seq,
            c.index,
            `a different event also claims ${origin}#${seq} (at ${places}); the chain continues from the one at ${this.where(real.index)}, so this one was inserted`,
            say("audit.finding.inserted", { ref: `${origin}#${seq}`, places, genuine: this.where(real.index) }),
          );
        }
      } else {
        genuine.set(seq, main);
        this.violation(
          "inserted",
          origin,
          seq,
          others[0]?.index,
          `${all.length} different events claim ${origin}#${seq} (at ${places}); the chain does not tell which one is genuine`,
          say("audit.finding.insertedUndecided", { n: all.length, ref: `${origin}#${seq}`, places }),
        );
      }
    }
    if (t.held === 0) return;
    const start = policy.complete && policy.base ? policy.base.seq + 1 : 1;
    if (policy.complete) {
      if (policy.base) {
        this.info(
          "starts-later",
          origin,
          `${origin}'s own log starts at seq ${policy.base.seq + 1}: this PC continues the numbering the sede held (reinstalled)`,
          say("audit.finding.startsAfterBase", { origin, seq: String(policy.base.seq + 1) }),
        );
        const first = genuine.get(start) ?? t.get(start);
        if (first && chainRules.chainsTo({ seq: start, prev: first.prev }, policy.base) === false) {
          this.violation("broken-chain", origin, start, first.index, `does not chain to the hash the sede held for ${origin}#${policy.base.seq}`, say("audit.finding.notChainedToBase", { ref: `${origin}#${policy.base.seq}` }));
        }
      } else if (policy.base === undefined && t.min > 1) {
        this.info(
          "starts-later",
          origin,
          `${origin}'s own log starts at seq ${t.min}; where it continues from is not known here, so ${origin}#${t.min}'s prev is not checked`,
          say("audit.finding.startsLater", { origin, seq: String(t.min), ref: `${origin}#${t.min}` }),
        );
      }
    }
    const missingFrom = policy.complete && policy.base === undefined ? t.min : start;
    let gapStart = 0;
    const gaps: Array<[number, number]> = [];
    let notHeld = 0;
    const from = Math.min(missingFrom, t.min);
    for (let seq = from; seq <= t.max + 1; seq++) {
      const has = seq <= t.max && t.has(seq);
      if (!has && seq <= t.max) {
        if (gapStart === 0) gapStart = seq;
        continue;
      }
      if (gapStart !== 0) {
        gaps.push([gapStart, seq - 1]);
        notHeld += seq - gapStart;
        gapStart = 0;
      }
      if (!has || seq === 1 || seq === start) continue;
      const g = genuine.get(seq);
      const gp = genuine.get(seq - 1);
      if (g === undefined && gp === undefined) {
        if (t.linked(seq) === false) this.brokenLink(origin, seq, t.get(seq) as Candidate);
      } else {
        const cur = g ?? t.get(seq);
        const before = gp ?? t.get(seq - 1);
        if (cur && before && chainRules.chainsTo({ seq, prev: cur.prev }, before) === false) this.brokenLink(origin, seq, cur);
      }
    }
    if (gaps.length === 0) return;
    if (policy.complete) {
      for (const [a, b] of gaps) {
        const restore = policy.lost?.find((r) => r.from <= a && b <= r.to);
        if (restore) {
          const which = a === b ? `${origin}#${a} was` : `${origin}#${a}…${b} (${b - a + 1} events) were`;
          this.info(
            "lost-in-restore",
            origin,
            `${which} recorded after the backup that was put back on ${restore.on} and never published: lost with the restore`,
            a === b
              ? say("audit.finding.lostInRestore", { ref: `${origin}#${a}`, on: restore.on })
              : say("audit.finding.lostInRestoreRange", { refs: `${origin}#${a}…${b}`, n: b - a + 1, on: restore.on }),
          );
          continue;
        }
        const after = t.get(b + 1);
        this.findings.push({
          severity: "violation",
          kind: "missing",
          origin,
          seq: a,
          ...(after && { where: `before ${this.where(after.index)}` }),
          detail: a === b ? `${origin}#${a} is missing from ${origin}'s own log` : `${origin}#${a}…${b} (${b - a + 1} events) are missing from ${origin}'s own log`,
          say: a === b ? say("audit.finding.missing", { ref: `${origin}#${a}`, origin }) : say("audit.finding.missingRange", { refs: `${origin}#${a}…${b}`, n: b - a + 1, origin }),
        });
      }
    } else {
      const shown = `${gaps.slice(0, 5).map(([a, b]) => (a === b ? `${a}` : `${a}…${b}`)).join(", ")}${gaps.length > 5 ? ", …" : ""}`;
      this.info(
        "not-held",
        origin,
        `${notHeld} of ${origin}'s seq numbers up to ${t.max} are not held here (${gaps.length} range${gaps.length === 1 ? "" : "s"}: ${shown}): routed to other nodes, local to ${origin}, or covered by a snapshot`,
        say("audit.finding.notHeld", { n: notHeld, origin, max: String(t.max), ranges: gaps.length, shown }),
      );
    }
  }

  private brokenLink(origin: string, seq: number, c: Candidate): void {
    this.violation("broken-chain", origin, seq, c.index, `prev is not the hash of ${origin}#${seq - 1}: one of the two was changed and re-hashed, or replaced`, say("audit.finding.brokenLink", { ref: `${origin}#${seq - 1}` }));
  }

  private info(kind: Finding["kind"], origin: string, detail: string, said: Say): void {
    this.findings.push({ severity: "info", kind, origin, detail, say: said });
  }
}
