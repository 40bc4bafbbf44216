import { Command, Option } from "commander";
import { SincroNode } from "../../node/sincroNode.js";
import { RefusedError } from "../../errors.js";
import { type Io, dbPath } from "../io.js";

export function registerInit(program: Command, io: Io): void {
  program
    .command("init")
    .description("create a node database (the sede, or one agent's PC)")
    .addOption(new Option("--role <role>", "sede or agent").choices(["sede", "agent"]).makeOptionMandatory())
    .option("--agent <code>", "the agent code (agents only), e.g. AG01")
    .option("--customer-prefix <prefix>", "customer codes start with this (default: none at the sede, the agent code at an agent)")
    .option("--customer-digits <n>", "digits of the customer code's progressive number (default 6)")
    .option("--order-type <type>", "order type this node numbers its orders in (default SEDE, or the agent code)")
    .action(function (this: Command) {
      const o = this.opts() as { role: "sede" | "agent"; agent?: string; customerPrefix?: string; customerDigits?: string; orderType?: string };
      let digits: number | undefined;
      if (o.customerDigits !== undefined) {
        if (!/^\d{1,2}$/.test(o.customerDigits)) throw new RefusedError("customer-digits", `--customer-digits "${o.customerDigits}" must be a whole number from 3 to 12`);
        digits = Number(o.customerDigits);
      }
      const file = dbPath(this, io);
      const node = SincroNode.init(file, {
        role: o.role,
        ...(o.agent !== undefined && { agent: o.agent }),
        ...(o.customerPrefix !== undefined && { customerPrefix: o.customerPrefix }),
        ...(digits !== undefined && { customerDigits: digits }),
        ...(o.orderType !== undefined && { orderType: o.orderType }),
      });
      const ctx = node.context();
      node.close();
      io.out(`created ${o.role} node ${ctx.node} in ${file}`);
      io.out(`customer codes: ${ctx.customerPrefix}${"N".repeat(ctx.customerDigits)}; orders numbered in type ${ctx.orderType}`);
    });
}
