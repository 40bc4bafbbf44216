import type { Command } from "commander";
import { type Io, jsonOption, printTable, withNode } from "../io.js";
import { record } from "./record.js";

export function registerCustomer(program: Command, io: Io): void {
  const customer = program.command("customer").description("customers");
  customer
    .command("add")
    .description("create a customer; prints the code assigned")
    .requiredOption("--name <name>")
    .option("--code <code>", "explicit code (default: the next in this node's series)")
    .option("--agent <code>", "the customer's agent (sede; an agent's customers are its own)")
    .option("--list <list>", "generic price list")
    .option("--vat-number <v>")
    .option("--city <city>")
    .action(function (this: Command) {
      const o = this.opts() as { name: string; code?: string; agent?: string; list?: string; vatNumber?: string; city?: string };
      record(this, io, { kind: "AddCustomer", ...o });
    });
  customer
    .command("update")
    .description("change a customer here only (edits are not sent, DESIGN §3)")
    .argument("<code>")
    .option("--name <name>")
    .option("--list <list>", "generic price list (empty to clear)")
    .option("--vat-number <v>")
    .option("--city <city>")
    .action(function (this: Command, code: string) {
      const o = this.opts() as { name?: string; list?: string; vatNumber?: string; city?: string };
      record(this, io, { kind: "UpdateCustomer", code, ...o });
    });
  customer
    .command("list")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const rows = withNode(this, io, (node) => node.read.listCustomers());
      if ((this.opts() as { json?: boolean }).json) {
        io.out(JSON.stringify(rows.map(({ code, name, agent, list, origin }) => ({ code, name, agent, list, origin }))));
      } else printTable(io, rows as unknown as Array<Record<string, unknown>>);
    });
}
