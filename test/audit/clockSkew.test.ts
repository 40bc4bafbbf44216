import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditNodeDatabase } from "../../src/audit/auditSources.js";
import { SincroNode } from "../../src/node/sincroNode.js";
import { exec, folderArea, Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";
import { said } from "./said.js";

describe("clock-skew warnings", () => {
  it("names the agent whose clock ran 3 days ahead, and shows how far it pulled the sede's clock; the audit still holds", async () => {
    const dir = tempDir();
    const net = new Network(dir, folderArea(join(dir, "park")), ["AG01"]);
    exec(net.sede, { kind: "RegisterAgent", code: "AG01", name: "Mario" }, { kind: "AddProduct", code: "P001", description: "Olio", vat: "4" });
    const [c] = exec(net.sede, { kind: "AddCustomer", name: "Bar", agent: "AG01" });
    await net.round();
    // AG01's PC clock jumps three days ahead.
    const file = net.agent("AG01").db.name;
    net.agent("AG01").close();
    net.agents.set("AG01", SincroNode.open(file, { now: () => net.clock.now() + 3 * 86_400_000 }));
    exec(net.agent("AG01"), { kind: "SetSpecialPrice", customer: c as string, product: "P001", price: "7.00" });
    await net.round();
    exec(net.sede, { kind: "AddProduct", code: "P002", description: "Pasta", vat: "4" });
    const r = said(auditNodeDatabase(net.sede.db.name));
    const skew = r.findings.filter((f) => f.kind === "clock-skew");
    expect(skew.map((f) => [f.severity, f.origin])).toEqual([
      ["warning", "AG01"],
      ["warning", "SEDE"],
    ]);
    expect(skew[0]?.detail).toContain("AG01's clock ran ahead");
    expect(skew[1]?.detail).toContain("pulled forward");
    expect(r.ok).toBe(true);
    const clean = said(auditNodeDatabase(net.agent("AG01").db.name));
    expect(clean.findings.filter((f) => f.kind === "clock-skew" && f.origin === "SEDE" && f.detail.includes("ran ahead"))).toEqual([]);
  });
});
