import { hashEnvelope, type EventEnvelope } from "./envelope.js";

export type ViolationKind = "altered" | "missing" | "duplicated" | "out-of-order" | "broken-chain";

export interface Violation {
  kind: ViolationKind;
  origin: string;
  seq: number;
  detail: string;
}

/** The hash-chain fields of an event. */
export type Link = Pick<EventEnvelope, "origin" | "seq" | "prev" | "hash">;

/**
 * The rules of a per-origin hash chain (DESIGN §2), one event at a time, in one place: the
 * receiver ({@link ChainVerifier} over the node's log), the auditor (`audit/chainAudit.ts`, any
 * arrival order) and {@link verifyChain} all decide with these.
 */
export const chainRules = {
  /** An event already held under the same origin and seq: the same event again, or a different one (a fork or a forgery). */
  sameSeq(e: Pick<Link, "hash">, held: Pick<Link, "hash">): "duplicate" | "conflict" {
    return held.hash === e.hash ? "duplicate" : "conflict";
  },
  /** Whether `e` chains to the event before it: seq 1 to nothing, others to `previous` (undefined when it is not held: not decidable). */
  chainsTo(e: Pick<Link, "seq" | "prev">, previous: Pick<Link, "hash"> | undefined): boolean | undefined {
    if (e.seq === 1) return e.prev === "";
    return previous === undefined ? undefined : e.prev === previous.hash;
  },
};

/** What a verifier knows of each origin's chain before the events it checks (a node's log; nothing for a bare list). */
export interface HeldChains {
  head(origin: string): { seq: number; hash: string } | undefined;
  get(origin: string, seq: number): Pick<Link, "hash"> | undefined;
}

/** The verdict on one event: new (append it, then {@link ChainVerifier.accept}), a duplicate to skip, or a violation. */
export type ChainCheck = { kind: "new" } | { kind: "duplicate" } | ({ kind: "violation" } & { violation: Violation });

const NOTHING_HELD: HeldChains = { head: () => undefined, get: () => undefined };

/**
 * Checks events against what is held of their origins' chains. `complete` expects each origin's
 * whole log in order (an export, a replica): a gap is a violation. Otherwise (what a stream
 * delivers: only the events routed here) seq may skip numbers, and the chain is checked
 * wherever the previous event is held. Hashes of content are not checked here (the receiver
 * checks them with the envelope's shape; {@link verifyChain} itself).
 */
export class ChainVerifier {
  private readonly heads = new Map<string, { seq: number; hash: string }>();

  constructor(
    private readonly held: HeldChains = NOTHING_HELD,
    private readonly complete = false,
  ) {}

  private head(origin: string): { seq: number; hash: string } {
    let head = this.heads.get(origin);
    if (!head) {
      head = this.held.head(origin) ?? { seq: 0, hash: "" };
      this.heads.set(origin, head);
    }
    return head;
  }

  check(e: Link): ChainCheck {
    const head = this.head(e.origin);
    const violation = (kind: ViolationKind, detail: string): ChainCheck => ({ kind: "violation", violation: { kind, origin: e.origin, seq: e.seq, detail } });
    // Only a number at or below the newest held can already be here.
    const held = e.seq <= head.seq ? this.held.get(e.origin, e.seq) : undefined;
    if (held) {
      return chainRules.sameSeq(e, held) === "duplicate"
        ? { kind: "duplicate" }
        : violation("duplicated", `differs from the event already held as ${e.origin}#${e.seq}`);
    }
    if (this.complete && e.seq < head.seq) return violation("out-of-order", `seq ${e.seq} comes after seq ${head.seq}`);
    if (this.complete && e.seq > head.seq + 1) {
      return violation("missing", `seq ${head.seq + 1}${e.seq - 1 > head.seq + 1 ? `…${e.seq - 1}` : ""} missing before it`);
    }
    const previous = e.seq === head.seq + 1 ? head : this.held.get(e.origin, e.seq - 1);
    if (chainRules.chainsTo(e, previous) === false) {
      return violation("broken-chain", `prev does not match the hash of ${e.origin}#${e.seq - 1}: an event was altered, replaced or inserted`);
    }
    return { kind: "new" };
  }

  /** The next seq expected of `origin` (after the newest held or accepted). */
  next(origin: string): number {
    return this.head(origin).seq + 1;
  }

  /** Records that `e` (checked `new`) is now the newest of its origin if it is past the head (the holder keeps the event itself). */
  accept(e: Link): void {
    const head = this.head(e.origin);
    if (e.seq > head.seq) this.heads.set(e.origin, { seq: e.seq, hash: e.hash });
  }
}

/**
 * Checks complete per-origin logs, streamed in recorded order: every hash matches its content,
 * seq runs 1, 2, 3 … without gaps or repeats, and each `prev` is the hash of the event before.
 * Any single altered, dropped or inserted event yields at least one violation.
 */
export function verifyChain(events: Iterable<EventEnvelope>): Violation[] {
  // The list itself holds the events accepted so far: seq → hash per origin.
  const held = new Map<string, Map<number, string>>();
  const holder: HeldChains = {
    head: () => undefined,
    get: (origin, seq) => {
      const hash = held.get(origin)?.get(seq);
      return hash === undefined ? undefined : { hash };
    },
  };
  const verifier = new ChainVerifier(holder, true);
  const accept = (e: EventEnvelope) => {
    let seqs = held.get(e.origin);
    if (!seqs) held.set(e.origin, (seqs = new Map()));
    seqs.set(e.seq, e.hash);
    verifier.accept(e);
  };
  const violations: Violation[] = [];
  for (const e of events) {
    if (hashEnvelope(e) !== e.hash) violations.push({ kind: "altered", origin: e.origin, seq: e.seq, detail: "its hash does not match its content" });
    const check = verifier.check(e);
    if (check.kind === "violation") {
      violations.push(check.violation);
      // A gap is reported once; the chain goes on from the event after it.
      if (check.violation.kind === "missing") accept(e);
    } else if (check.kind === "duplicate") {
      violations.push({ kind: "duplicated", origin: e.origin, seq: e.seq, detail: `seq ${e.seq} appears twice` });
    } else accept(e);
  }
  return violations;
}
