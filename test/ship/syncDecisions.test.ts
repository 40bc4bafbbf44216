import { describe, expect, it } from "vitest";
import type { OutboxFile } from "../../src/node/outbox.js";
import { planPrune, needsAcks } from "../../src/ship/prune.js";
import { planUpload } from "../../src/ship/publish.js";
import { nextStep, startingPoint } from "../../src/ship/receive.js";
import { snapshotDue } from "../../src/ship/seal.js";

const DAY = 86_400_000;
const NOW = Date.parse("2026-12-01T12:00:00.000Z");

/** seg(3) / snap(3): a file of the stream on the server, sealed `daysAgo` days before NOW. */
function file(kind: "segment" | "snapshot", number: number, daysAgo = 0, state: "live" | "sealed" | "pruned" = "live"): OutboxFile {
  const sealed = new Date(NOW - daysAgo * DAY).toISOString();
  return {
    stream: "SEDE>*",
    kind,
    number,
    first: number,
    last: number,
    sha256: `h${number}`,
    size: 100,
    sealed,
    uploaded: state === "sealed" ? null : sealed,
    pruned: state === "pruned" ? sealed : null,
  };
}
const seg = (n: number, daysAgo = 0, state?: "live" | "sealed" | "pruned") => file("segment", n, daysAgo, state);
const snap = (n: number, daysAgo = 0, state?: "live" | "sealed" | "pruned") => file("snapshot", n, daysAgo, state);
const names = (files: OutboxFile[]) => files.map((f) => `${f.kind === "segment" ? "seg" : "snap"}${f.number}`);

describe("planPrune: what a producer deletes from the parking area", () => {
  const cases: Array<{ name: string; role: "sede" | "agent"; live: OutboxFile[]; acked: number; expected: string[] }> = [
    { name: "agent: the segments the sede acked", role: "agent", live: [seg(1), seg(2), seg(3)], acked: 2, expected: ["seg1", "seg2"] },
    { name: "agent: nothing acked yet", role: "agent", live: [seg(1), seg(2)], acked: -1, expected: [] },
    { name: "agent: all acked", role: "agent", live: [seg(4), seg(5)], acked: 5, expected: ["seg4", "seg5"] },
    { name: "sede: no snapshot, nothing goes", role: "sede", live: [seg(1), seg(2)], acked: 2, expected: [] },
    { name: "sede: older snapshots go, the newest stays", role: "sede", live: [snap(2), snap(5), seg(6)], acked: -1, expected: ["snap2"] },
    {
      name: "sede: covered and acked segments go, uncovered ones stay even if acked",
      role: "sede",
      live: [seg(1), seg(2), seg(3), snap(3), seg(4)],
      acked: 4,
      expected: ["seg1", "seg2", "seg3"],
    },
    { name: "sede: covered but not acked by every reader stays", role: "sede", live: [seg(1), seg(2), snap(2), seg(3)], acked: 1, expected: ["seg1"] },
    {
      name: "sede: covered segments older than the retention go without an ack",
      role: "sede",
      live: [seg(1, 20), seg(2, 3), snap(2, 3)],
      acked: -1,
      expected: ["seg1"],
    },
    { name: "sede: no reader (no agents) acks everything", role: "sede", live: [seg(1), snap(1)], acked: Number.POSITIVE_INFINITY, expected: ["seg1"] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(names(planPrune({ role: c.role, live: c.live, acked: c.acked, nowMs: NOW, retentionMs: 14 * DAY }))).toEqual(c.expected);
    });
  }

  const acks: Array<[string, "sede" | "agent", OutboxFile[], boolean]> = [
    ["agent with segments on the server", "agent", [seg(1)], true],
    ["agent with nothing on the server", "agent", [], false],
    ["sede whose newest snapshot covers a segment", "sede", [seg(1), snap(1)], true],
    ["sede whose segments all follow its snapshot", "sede", [snap(1), seg(2)], false],
    ["sede with old snapshots only", "sede", [snap(1), snap(2)], false],
    ["sede without a snapshot", "sede", [seg(1)], false],
  ];
  for (const [name, role, live, expected] of acks) {
    it(`reads the readers' acks only when they can change the decision: ${name} → ${expected}`, () => {
      expect(needsAcks(role, live)).toBe(expected);
    });
  }
});

describe("planUpload: what goes to the server", () => {
  it("skips segments the stream's first, not yet uploaded, snapshot covers", () => {
    const plan = planUpload([seg(1, 0, "sealed"), seg(2, 0, "sealed"), snap(2, 0, "sealed"), seg(3, 0, "sealed")]);
    expect(names(plan.skip)).toEqual(["seg1", "seg2"]);
    expect(names(plan.upload)).toEqual(["snap2", "seg3"]);
  });
  it("uploads every sealed file once the first snapshot is on the server", () => {
    const plan = planUpload([snap(2), seg(3, 0, "sealed"), snap(3, 0, "sealed")]);
    expect(plan.skip).toEqual([]);
    expect(names(plan.upload)).toEqual(["seg3", "snap3"]);
  });
  it("never uploads what is already uploaded or pruned", () => {
    const plan = planUpload([seg(1), seg(2, 0, "pruned"), seg(3, 0, "sealed")]);
    expect(names(plan.upload)).toEqual(["seg3"]);
  });
});

describe("receiving: where a reader starts and what it does next", () => {
  const set = (...n: number[]) => new Set(n);
  it.each([
    ["a cursor past segment 4 starts there", 4, set(5), [], 4],
    ["nothing applied, segments only: before segment 1", undefined, set(1, 2), [], 0],
    ["nothing applied, a snapshot there: from a snapshot (-1)", -1, set(3), [2], -1],
    ["nothing applied, an empty folder: nothing (-1)", undefined, set(), [], -1],
  ] as const)("%s", (_name, applied, segments, snapshots, expected) => {
    expect(startingPoint(applied, segments, snapshots)).toBe(expected);
  });
  it.each([
    ["first the newest snapshot", -1, set(1, 2, 3), [1, 3], { kind: "snapshot", number: 3 }],
    ["then the next segment", 3, set(4, 5), [3], { kind: "segment", number: 4 }],
    ["the next segment gone: catch up from the newest later snapshot", 3, set(7), [5, 6], { kind: "snapshot", number: 6 }],
    ["a gap with later segments waits", 3, set(5, 6), [2], { kind: "wait", missing: 4, later: 2 }],
    ["nothing newer: done", 6, set(5, 6), [5], { kind: "done" }],
    ["nothing at all: done", -1, set(), [], { kind: "done" }],
  ] as const)("%s", (_name, at, segments, snapshots, expected) => {
    expect(nextStep(at, segments, snapshots)).toEqual(expected);
  });
});

describe("snapshotDue: when the sede seals a new snapshot", () => {
  it.each([
    ["no snapshot yet", 0, undefined, 10, true],
    ["fewer events than the interval since the last", 19, { last: 10 }, 10, false],
    ["exactly the interval", 20, { last: 10 }, 10, true],
  ] as const)("%s", (_name, lastOffset, snapshot, every, expected) => {
    expect(snapshotDue(lastOffset, snapshot, every)).toBe(expected);
  });
});
