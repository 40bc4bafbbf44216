import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import type { Command as DomainCommand } from "../../events/commands.js";
import { SincroNode } from "../../node/sincroNode.js";
import { type Io, printTable } from "../io.js";

/** A local walk-through on one sede node in a temporary folder. */
export function registerDemo(program: Command, io: Io): void {
  program
    .command("demo")
    .description("a walk-through on temporary nodes; changes nothing of yours")
    .action(() => {
      const dir = mkdtempSync(join(tmpdir(), "sincro-demo-"));
      try {
        runLocalDemo(join(dir, "sede.db"), io);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
}

function runLocalDemo(file: string, io: Io): void {
  const sede = SincroNode.init(file, { role: "sede" });
  const step = (title: string, command: DomainCommand) => {
    const { decision, events } = sede.execute(command);
    io.out(`- ${title}: ${events.map((e) => e.type).join(", ") || decision.unchanged}${decision.assigned ? ` → ${decision.assigned}` : ""}`);
  };
  io.out("sede: catalogue, price list, an agent, customers, special prices, orders");
  step("register agent AG01", { kind: "RegisterAgent", code: "AG01", name: "Mario Rossi" });
  step("product P001", { kind: "AddProduct", code: "P001", description: "Olio extravergine 1 l", vat: "4" });
  step("product P002", { kind: "AddProduct", code: "P002", description: "Pasta di semola 500 g", vat: "4" });
  step("list price P001", { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8,90" });
  step("list price P002", { kind: "SetGenericPrice", list: "BASE", product: "P002", price: "1.20" });
  step("customer for AG01", { kind: "AddCustomer", name: "Bar Centrale", agent: "AG01", list: "BASE", city: "Bologna" });
  step("special price", { kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "8.10", discounts: ["5"] });
  step("order on behalf of AG01", {
    kind: "PlaceOrder",
    customer: "000001",
    agent: "AG01",
    lines: [{ product: "P001", qty: "6" }, { product: "P002", qty: "24" }],
  });
  step("same price again", { kind: "SetGenericPrice", list: "BASE", product: "P002", price: "1.2" });
  io.out("");
  printTable(io, sede.read.listOrders().flatMap((o) => o.lines.map((l) => ({ order: `${o.type}/${o.number}`, customer: o.customer, ...l }))));
  io.out("");
  const { before, after, events } = sede.rebuild();
  const same = before.every((b, i) => b.sha256 === after[i]?.sha256);
  io.out(`rebuild replayed ${events} events; projections identical: ${same ? "yes" : "NO"}`);
  sede.close();
  if (!same) process.exitCode = 1;
}
