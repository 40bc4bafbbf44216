import { describe, expect, it } from "vitest";
import { ChainVerifier, chainRules, type HeldChains, type Link } from "../../src/events/verifyChain.js";

/** A link of AG01 with hash "h<seq>" chained to "h<seq-1>" unless `prev` says otherwise. */
const link = (seq: number, prev = seq === 1 ? "" : `h${seq - 1}`, hash = `h${seq}`): Link => ({ origin: "AG01", seq, prev, hash });

/** What a node holds of AG01: the listed seqs, with hashes h<seq>. */
function holding(...seqs: number[]): HeldChains {
  return {
    head: (o) => (o === "AG01" && seqs.length > 0 ? { seq: Math.max(...seqs), hash: `h${Math.max(...seqs)}` } : undefined),
    get: (o, seq) => (o === "AG01" && seqs.includes(seq) ? { hash: `h${seq}` } : undefined),
  };
}

describe("chain rules", () => {
  it.each([
    ["seq 1 chains to nothing", link(1), undefined, true],
    ["seq 1 with a prev is broken", link(1, "h0"), undefined, false],
    ["seq 5 chains to h4", link(5), { hash: "h4" }, true],
    ["seq 5 naming another hash is broken", link(5, "x"), { hash: "h4" }, false],
    ["seq 5 without seq 4 held cannot be decided", link(5), undefined, undefined],
  ] as const)("%s", (_name, e, previous, expected) => {
    expect(chainRules.chainsTo(e, previous)).toBe(expected);
  });
  it("the same seq again is a duplicate with the same hash, a conflict with another", () => {
    expect(chainRules.sameSeq({ hash: "a" }, { hash: "a" })).toBe("duplicate");
    expect(chainRules.sameSeq({ hash: "a" }, { hash: "b" })).toBe("conflict");
  });
});

describe("ChainVerifier over what a node holds", () => {
  const kind = (c: ReturnType<ChainVerifier["check"]>) => (c.kind === "violation" ? c.violation.kind : c.kind);
  it.each([
    ["the next event is new", holding(1, 2, 3), false, link(4), "new"],
    ["an event held again is a duplicate", holding(1, 2, 3), false, link(2), "duplicate"],
    ["another event under a held number is a conflict", holding(1, 2, 3), false, link(2, "h1", "forged"), "duplicated"],
    ["a stream may skip numbers (routed elsewhere)", holding(1, 2), false, link(7), "new"],
    ["but must chain where the previous is held", holding(1, 2, 3), false, link(4, "x"), "broken-chain"],
    ["a complete log may not skip", holding(1, 2), true, link(4), "missing"],
    ["nor go back to a number not held", holding(1, 5), true, link(3), "out-of-order"],
    ["the first event of an origin", holding(), true, link(1), "new"],
  ] as const)("%s", (_name, held, complete, e, expected) => {
    expect(kind(new ChainVerifier(held, complete).check(e))).toBe(expected);
  });

  it("accepted events become the head the next one chains to", () => {
    const v = new ChainVerifier(holding(1), true);
    expect(kind(v.check(link(2)))).toBe("new");
    v.accept(link(2));
    expect(v.next("AG01")).toBe(3);
    expect(kind(v.check(link(3)))).toBe("new");
    expect(kind(v.check(link(3, "h1")))).toBe("broken-chain");
  });
});
