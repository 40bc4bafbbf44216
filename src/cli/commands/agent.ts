import type { Command } from "commander";
import { type Io, jsonOption, printTable, withNode } from "../io.js";
import { record } from "./record.js";

export function registerAgent(program: Command, io: Io): void {
  const agent = program.command("agent").description("the sede's agents");
  agent
    .command("add")
    .description("register an agent (sede)")
    .argument("<code>", "agent code, 1 to 8 capital letters or digits")
    .requiredOption("--name <name>", "the agent's name")
    .option("--order-type <type>", "order type the agent numbers its orders in (default: the agent code)")
    .option("--customer-prefix <prefix>", "prefix of the agent's customer codes (default: the agent code)")
    .action(function (this: Command, code: string) {
      const o = this.opts() as { name: string; orderType?: string; customerPrefix?: string };
      record(this, io, { kind: "RegisterAgent", code, name: o.name, ...(o.orderType !== undefined && { orderType: o.orderType }), ...(o.customerPrefix !== undefined && { customerPrefix: o.customerPrefix }) });
    });
  agent
    .command("list")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const rows = withNode(this, io, (node) => node.read.listAgents());
      if ((this.opts() as { json?: boolean }).json) io.out(JSON.stringify(rows));
      else printTable(io, rows as unknown as Array<Record<string, unknown>>);
    });
}
