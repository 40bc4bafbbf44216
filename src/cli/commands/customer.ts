import type { Command } from "commander";
import { type Io, jsonOption, printTable, withNode } from "../io.js";
import type { Translator } from "../../i18n/translator.js";
import { record } from "./record.js";

/** What `customer assign` and `customer rename` print (plain English, for the message catalogue). */
/** What `customer assign` and `customer rename` say, one whole message per case. */
const MESSAGES = {
  assignNothing: (t: Translator, code: string, to: string | null) =>
    to === null ? t.t("customer.assignNothing.office", { code }) : t.t("customer.assignNothing.agent", { code, agent: to }),
  assigned: (t: Translator, code: string, from: string | null, to: string | null, n: number) => {
    if (from === null) return t.t("customer.assigned.fromOffice", { code, to: to ?? "", n });
    if (to === null) return t.t("customer.assigned.toOffice", { code, from });
    return t.t("customer.assigned.agentToAgent", { code, from, to, n });
  },
  renameNothing: (t: Translator, code: string) => t.t("customer.renameNothing", { code }),
  renamed: (t: Translator, oldCode: string, newCode: string, agent: string | null) =>
    agent === null ? t.t("customer.renamed", { oldCode, newCode }) : t.t("customer.renamedAgent", { oldCode, newCode, agent }),
};

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
    .command("assign")
    .description("sede: move a customer to another agent (--agent none: to the office); the new agent receives it and its special prices, the old one stops showing them")
    .argument("<code>", "the customer's code")
    .requiredOption("--agent <code>", "the new agent, or none for the office")
    .option("--origin <node>", "who created the customer, when two customers share the code")
    .action(function (this: Command, code: string) {
      const o = this.opts() as { agent: string; origin?: string };
      const to = o.agent === "none" ? null : o.agent;
      const { events, from, prices } = withNode(this, io, (node) => {
        const before = node.read.customersWithCode(code).find((c) => o.origin === undefined || c.createdBy === o.origin);
        const r = node.execute({ kind: "ReassignCustomer", code, agent: to, ...(o.origin !== undefined && { origin: o.origin }) });
        return { events: r.events.length, from: before?.agent ?? null, prices: node.read.listSpecialPrices(code).length };
      });
      io.out(events === 0 ? MESSAGES.assignNothing(io.t, code, to) : MESSAGES.assigned(io.t, code, from, to, prices));
    });
  customer
    .command("rename")
    .description("sede: give a customer a new code (after a code collision); its special prices follow, past orders keep the old code")
    .argument("<old>", "the customer's code now")
    .argument("<new>", "its new code")
    .option("--origin <node>", "who created the customer, when two customers share the code")
    .action(function (this: Command, oldCode: string, newCode: string) {
      const o = this.opts() as { origin?: string };
      const { events, agent } = withNode(this, io, (node) => {
        const r = node.execute({ kind: "RenameCustomer", code: oldCode, newCode, ...(o.origin !== undefined && { origin: o.origin }) });
        return { events: r.events.length, agent: node.read.customer(newCode)?.agent ?? null };
      });
      io.out(events === 0 ? MESSAGES.renameNothing(io.t, newCode) : MESSAGES.renamed(io.t, oldCode, newCode, agent));
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
