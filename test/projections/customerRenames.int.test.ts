// The projections' record of customer renames (customer_renames): what a creation applied after
// its rename needs, kept equal to what a rebuild from the log gives.
import { describe, expect, it } from "vitest";
import { exec, officeWithAgentAG01 } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

describe("customer renames in the projections", () => {
  it("a database from before the table gets it filled from the log at its next open, as a rebuild would", async () => {
    const net = officeWithAgentAG01(tempDir());
    await net.round();
    const [code] = exec(net.agent("AG01"), { kind: "AddCustomer", name: "Bar", list: "BASE" });
    await net.round();
    exec(net.sede, { kind: "RenameCustomer", code: code as string, newCode: "R1", origin: "AG01" });
    net.sede.db.exec(`DROP TABLE customer_renames`);

    const sede = net.reopen(net.sede);
    expect(sede.db.prepare(`SELECT code, created_by, new_code, agent FROM customer_renames`).all()).toEqual([
      { code, created_by: "AG01", new_code: "R1", agent: "AG01" },
    ]);
    const { before, after } = sede.rebuild();
    expect(after).toEqual(before);
    expect(sede.read.listCustomers().map((c) => c.code)).toEqual(["R1"]);
  });
});
