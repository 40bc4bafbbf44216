// Issue 12, item 3 on the real command line, through a folder parking area: an agent's amendments
// and cancellations reach the office; those made after the office received the order are flagged
// in `order list`, `status` and `export orders`; the office's own orders never reach the agent.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { enrollAgent, sincroOk } from "../support/cli.js";
import { folderArea } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

interface Listed {
  type: string;
  number: number;
  status: string;
  changedAfterReceipt: boolean;
  lines: Array<{ product: string; qty: string }>;
}
const listed = (db: string): Map<string, Listed> =>
  new Map((JSON.parse(sincroOk(["--db", db, "order", "list", "--json"])) as Listed[]).map((o) => [`${o.type}/${o.number}`, o]));
const qtys = (o: Listed | undefined) => o?.lines.map((l) => `${l.product}:${l.qty}`);

describe("order changes on the command line", () => {
  it("an agent's amendments and cancellations reach the office; those after receipt are flagged in order list, status and export orders", () => {
    const dir = tempDir();
    const sede = join(dir, "sede.db");
    const ag01 = join(dir, "ag01.db");
    sincroOk(["--db", sede, "init", "--role", "sede"]);
    sincroOk(["--db", sede, "config", "set", "transport", "folder"]);
    sincroOk(["--db", sede, "config", "set", "folder.path", folderArea(join(dir, "park")).root]);
    sincroOk(["--db", sede, "agent", "add", "AG01", "--name", "Mario"]);
    sincroOk(["--db", sede, "product", "add", "P001", "--description", "Olio"]);
    sincroOk(["--db", sede, "price", "set", "--list", "BASE", "--product", "P001", "--price", "9.00"]);
    enrollAgent(sede, ag01, "AG01");
    sincroOk(["--db", sede, "sync"]);
    sincroOk(["--db", ag01, "sync"]);
    const customer = sincroOk(["--db", ag01, "customer", "add", "--name", "Bar Roma", "--list", "BASE"]).trim();

    // Changed before the first sync: the office gets them in their final state, not flagged.
    expect(sincroOk(["--db", ag01, "order", "add", "--customer", customer, "--line", "P001:10"]).trim()).toBe("AG01/1");
    sincroOk(["--db", ag01, "order", "amend", "AG01/1", "--line", "P001:100"]);
    expect(sincroOk(["--db", ag01, "order", "add", "--customer", customer, "--line", "P001:5"]).trim()).toBe("AG01/2");
    sincroOk(["--db", ag01, "order", "cancel", "AG01/2", "--reason", "doppio"]);
    sincroOk(["--db", ag01, "sync"]);
    sincroOk(["--db", sede, "sync"]);
    let office = listed(sede);
    expect(qtys(office.get("AG01/1"))).toEqual(["P001:100"]);
    expect(office.get("AG01/2")?.status).toBe("cancelled");
    expect([...office.values()].map((o) => o.changedAfterReceipt)).toEqual([false, false]);
    expect(sincroOk(["--db", sede, "status"])).not.toContain("changed by the agent");

    // Changed after the office received them: updated there and flagged.
    expect(sincroOk(["--db", ag01, "order", "add", "--customer", customer, "--line", "P001:3"]).trim()).toBe("AG01/3");
    sincroOk(["--db", ag01, "sync"]);
    sincroOk(["--db", sede, "sync"]);
    expect(listed(sede).get("AG01/3")?.changedAfterReceipt).toBe(false);
    sincroOk(["--db", ag01, "order", "amend", "AG01/3", "--line", "P001:30"]);
    sincroOk(["--db", ag01, "order", "cancel", "AG01/1"]);
    sincroOk(["--db", ag01, "sync"]);
    sincroOk(["--db", sede, "sync"]);
    office = listed(sede);
    expect(qtys(office.get("AG01/3"))).toEqual(["P001:30"]);
    expect(office.get("AG01/1")?.status).toBe("cancelled");
    expect([...office.entries()].filter(([, o]) => o.changedAfterReceipt).map(([ref]) => ref)).toEqual(["AG01/1", "AG01/3"]);

    const table = sincroOk(["--db", sede, "order", "list"]).split("\n");
    expect(table.find((l) => l.includes("AG01/3"))).toContain("changed by the agent after the office received it");
    expect(table.find((l) => l.includes("AG01/2"))).not.toContain("changed by the agent");
    expect(sincroOk(["--db", sede, "--lang", "it", "order", "list"]).split("\n").find((l) => l.includes("AG01/1"))).toContain(
      "modificato dall'agente dopo che la sede l'aveva ricevuto",
    );
    expect(sincroOk(["--db", sede, "status"])).toContain(
      "Orders changed by the agent after the office received them (fix them in the ERP too): AG01/1, AG01/3",
    );

    const csv = join(dir, "orders.csv");
    sincroOk(["--db", sede, "export", "orders", "--out", csv]);
    const [header, ...rows] = readFileSync(csv, "utf8").trim().split(/\r?\n/).map((l) => l.split(";"));
    const col = (name: string) => (header as string[]).indexOf(name);
    expect(col("changed")).toBeGreaterThan(-1);
    const changed = new Map(rows.map((r) => [`${r[col("type")]}/${r[col("number")]}`, r[col("changed")]]));
    expect(Object.fromEntries(changed)).toEqual({ "AG01/1": "after-receipt", "AG01/2": "", "AG01/3": "after-receipt" });

    // The office's own order and its changes stay at the office.
    const own = sincroOk(["--db", sede, "order", "add", "--customer", customer, "--line", "P001:7"]).trim();
    sincroOk(["--db", sede, "order", "amend", own, "--line", "P001:8"]);
    sincroOk(["--db", sede, "sync"]);
    sincroOk(["--db", ag01, "sync"]);
    expect([...listed(ag01).keys()].sort()).toEqual(["AG01/1", "AG01/2", "AG01/3"]);
    expect(listed(sede).has(own)).toBe(true);
  }, 120_000);
});
