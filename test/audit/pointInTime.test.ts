import { describe, expect, it } from "vitest";
import { auditNodeDatabase } from "../../src/audit/auditSources.js";
import { parseUntil } from "../../src/audit/untilPoint.js";
import { tempDir } from "../support/tempDir.js";
import { exported } from "./logs.js";
import { auditLogFile } from "../../src/audit/auditSources.js";
import { knownHistory } from "./timeline.js";
import { said } from "./said.js";

describe("audit --until: the state as it was then", () => {
  it("by date: the special prices of a customer as of 2026-03-03, and which change set each", async () => {
    const h = await knownHistory(tempDir());
    const r = auditNodeDatabase(h.net.sede.db.name, { until: parseUntil("2026-03-03"), specialPricesOf: h.customer });
    expect(r.specialPrices?.rows).toEqual([
      { product: "P001", price: "8.10", discounts: [], removed: false, setBy: `SEDE#${h.first.seq}`, hlc: h.first.hlc, origin: "SEDE" },
    ]);
    // A point in time is not compared with the node's current projections.
    expect(r.replay?.tables.every((t) => t.same === undefined)).toBe(true);
    expect(r.ok).toBe(true);
  });

  it("by date at the end of 2026-03-04: the most recent change has won and AG01's P002 is there", async () => {
    const h = await knownHistory(tempDir());
    const r = auditNodeDatabase(h.net.sede.db.name, { until: parseUntil("2026-03-04"), specialPricesOf: h.customer });
    expect(r.specialPrices?.rows.map((p) => [p.product, p.price, p.setBy])).toEqual([
      ["P001", "7.80", `SEDE#${h.sedeEdit.seq}`],
      ["P002", "1.10", `AG01#${h.p002.seq}`],
    ]);
  });

  it("by date-time: just before the sede's second change, the agent's concurrent one was the most recent", async () => {
    const h = await knownHistory(tempDir());
    const before = new Date(Number(h.sedeEdit.hlc.slice(0, 13)) - 1).toISOString();
    const r = auditNodeDatabase(h.net.sede.db.name, { until: parseUntil(before), specialPricesOf: h.customer });
    // The agent's edit has an earlier HLC, so it is in; the sede's own is not.
    expect(r.specialPrices?.rows.map((p) => [p.product, p.price, p.setBy])).toEqual([["P001", "7.95", `AG01#${h.agentEdit.seq}`]]);
  });

  it("by ORIGIN:SEQ: replay stops right after that event, in the log's order; also on an exported log", async () => {
    const dir = tempDir();
    const h = await knownHistory(dir);
    const until = parseUntil(`SEDE:${h.first.seq}`);
    const r = auditNodeDatabase(h.net.sede.db.name, { until, specialPricesOf: h.customer });
    expect(r.specialPrices?.rows.map((p) => [p.product, p.price])).toEqual([["P001", "8.10"]]);
    const fromLog = said(await auditLogFile(exported(h.net.sede, dir), { until, specialPricesOf: h.customer }));
    expect(fromLog.replay?.tables.map((t) => t.sha256)).toEqual(r.replay?.tables.map((t) => t.sha256));
    const missing = said(auditNodeDatabase(h.net.sede.db.name, { until: parseUntil("SEDE:9999") }));
    expect(missing.ok).toBe(false);
    expect(missing.findings.find((f) => f.severity === "violation")?.detail).toContain("not in this log");
  });

  it("refuses an --until that is neither a date nor ORIGIN:SEQ", () => {
    expect(() => parseUntil("yesterday")).toThrow(/expected an ISO date/);
    expect(() => parseUntil("2026-02-30T25:00")).toThrow(/expected an ISO date/);
  });
});
