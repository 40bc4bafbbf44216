import { describe, expect, it } from "vitest";
import { HISTORY_TYPES, history } from "../../src/audit/history.js";
import { tempDir } from "../support/tempDir.js";
import { knownHistory } from "./timeline.js";

describe("history of one thing", () => {
  it("customer: created at the sede, edited locally on each side; the agent got it from a snapshot", async () => {
    const h = await knownHistory(tempDir());
    const atSede = history(h.net.sede.db.name, { kind: "customer", code: h.customer });
    expect(atSede.entries.map((e) => [e.origin, e.type])).toEqual([
      ["SEDE", "CustomerCreated"],
      ["SEDE", "CustomerUpdated"],
    ]);
    expect(atSede.entries[1]?.data).toMatchObject({ city: "Napoli" });
    expect(atSede.entries[0]?.at).toMatch(/^2026-03-02T10:00/);
    const atAgent = history(h.net.agent("AG01").db.name, { kind: "customer", code: h.customer });
    expect(atAgent.entries.map((e) => [e.origin, e.type])).toEqual([
      ["SEDE", "CustomerCreated (snapshot row)"],
      ["AG01", "CustomerUpdated"],
    ]);
    expect(atAgent.entries[0]?.ref).toMatch(/^snapshot SEDE>AG01 #\d+$/);
  });

  it("special price: every change with HLC and wall time, which won and which lost and why", async () => {
    const h = await knownHistory(tempDir());
    const s = history(h.net.sede.db.name, { kind: "special-price", customer: h.customer, product: "P001" });
    expect(s.entries.map((e) => [e.ref, e.outcome])).toEqual([
      [`SEDE#${h.first.seq}`, "lost"],
      [`SEDE#${h.sedeEdit.seq}`, "won"],
      [`AG01#${h.agentEdit.seq}`, "lost"],
    ]);
    const [first, won, lost] = s.entries;
    expect(first?.reason).toBe(`replaced by AG01#${h.agentEdit.seq}, made after seeing this change`);
    expect(lost?.reason).toContain(`lost to SEDE#${h.sedeEdit.seq}`);
    expect(lost?.reason).toContain("concurrent");
    expect(won?.hlc).toBe(h.sedeEdit.hlc);
    expect(won?.hlcTime).toBe(new Date(Number(h.sedeEdit.hlc.slice(0, 13))).toISOString());
    expect(won?.at).toBe(h.sedeEdit.at);
    // The agent sees the same outcome: same rule, same events.
    const a = history(h.net.agent("AG01").db.name, { kind: "special-price", customer: h.customer, product: "P001" });
    expect(a.entries.find((e) => e.outcome === "won")?.ref).toBe(`SEDE#${h.sedeEdit.seq}`);
  });

  it("order: placed by the agent, amended at the sede", async () => {
    const h = await knownHistory(tempDir());
    const o = history(h.net.sede.db.name, { kind: "order", type: "AG01", number: 1 });
    expect(h.order).toBe("AG01/1");
    expect(o.entries.map((e) => [e.origin, e.type])).toEqual([
      ["AG01", "OrderPlaced"],
      ["SEDE", "OrderAmended"],
    ]);
    expect(o.entries[1]?.data).toMatchObject({ lines: [{ product: "P001", qty: "12" }] });
    expect(history(h.net.agent("AG01").db.name, { kind: "order", type: "AG01", number: 1 }).entries.map((e) => e.type)).toEqual(["OrderPlaced"]);
  });
});

describe("the event types each history reads (derived from the event specs)", () => {
  it.each([
    ["customer", ["CustomerCreated", "CustomerReassigned", "CustomerRenamed", "CustomerUpdated", "SnapshotApplied"]],
    ["special-price", ["SnapshotApplied", "SpecialPriceRemoved", "SpecialPriceSet"]],
    ["order", ["OrderAmended", "OrderCancelled", "OrderPlaced"]],
  ] as const)("%s: %j", (kind, types) => {
    expect([...HISTORY_TYPES[kind]].sort()).toEqual(types);
  });
});
