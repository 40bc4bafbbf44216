import { hashEnvelope, type EventEnvelope } from "./envelope.js";

export type ViolationKind = "altered" | "missing" | "duplicated" | "out-of-order" | "broken-chain";

export interface Violation {
  kind: ViolationKind;
  origin: string;
  seq: number;
  detail: string;
}

/**
 * Checks complete per-origin logs, streamed in recorded order: every hash matches its content,
 * seq runs 1, 2, 3 … without gaps or repeats, and each `prev` is the hash of the event before.
 * Any single altered, dropped or inserted event yields at least one violation.
 */
export class ChainVerifier {
  private readonly heads = new Map<string, { seq: number; hash: string }>();
  readonly violations: Violation[] = [];
  checked = 0;

  add(e: EventEnvelope): void {
    this.checked++;
    const head = this.heads.get(e.origin) ?? { seq: 0, hash: "" };
    const report = (kind: ViolationKind, detail: string) => this.violations.push({ kind, origin: e.origin, seq: e.seq, detail });
    if (hashEnvelope(e) !== e.hash) report("altered", "its hash does not match its content");
    if (e.seq === head.seq) {
      report("duplicated", `seq ${e.seq} appears twice`);
      return;
    }
    if (e.seq < head.seq) {
      report("out-of-order", `seq ${e.seq} comes after seq ${head.seq}`);
      return;
    }
    if (e.seq > head.seq + 1) {
      report("missing", `seq ${head.seq + 1}${e.seq - 1 > head.seq + 1 ? `…${e.seq - 1}` : ""} missing before it`);
    } else if (e.prev !== head.hash) {
      report("broken-chain", `prev does not match the hash of ${e.origin}#${head.seq}: an event was altered, replaced or inserted`);
    }
    this.heads.set(e.origin, { seq: e.seq, hash: e.hash });
  }

  /** Last seq seen per origin. */
  origins(): Map<string, number> {
    return new Map([...this.heads].map(([o, h]) => [o, h.seq]));
  }
}

export function verifyChain(events: Iterable<EventEnvelope>): Violation[] {
  const v = new ChainVerifier();
  for (const e of events) v.add(e);
  return v.violations;
}
