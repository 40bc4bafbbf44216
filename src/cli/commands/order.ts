import type { Command } from "commander";
import { collect, type Io, jsonOption, parseLine, parseOrderRef, printTable, withNode } from "../io.js";
import { record } from "./record.js";

export function registerOrder(program: Command, io: Io): void {
  const order = program.command("order").description("orders");
  order
    .command("add")
    .description("place an order; prints TYPE/NUMBER")
    .requiredOption("--customer <code>")
    .requiredOption("--line <P:QTY[@PRICE]>", "a line (repeatable); without @PRICE the special or list price is used", collect, [])
    .option("--type <type>", "order type (default: this node's)")
    .option("--agent <code>", "sede: the agent on whose behalf the order is entered (not sent to the agent)")
    .option("--date <YYYY-MM-DD>", "order date (default today)")
    .action(function (this: Command) {
      const o = this.opts() as { customer: string; line: string[]; type?: string; agent?: string; date?: string };
      record(this, io, {
        kind: "PlaceOrder",
        customer: o.customer,
        lines: o.line.map(parseLine),
        ...(o.type !== undefined && { orderType: o.type }),
        ...(o.agent !== undefined && { agent: o.agent }),
        ...(o.date !== undefined && { date: o.date }),
      });
    });
  order
    .command("amend")
    .description("replace the lines of an order; an agent's change reaches the office at its next sync")
    .argument("<TYPE/NUMBER>")
    .requiredOption("--line <P:QTY[@PRICE]>", "a line (repeatable)", collect, [])
    .action(function (this: Command, ref: string) {
      const o = this.opts() as { line: string[] };
      record(this, io, { kind: "AmendOrder", ...parseOrderRef(ref), lines: o.line.map(parseLine) });
    });
  order
    .command("cancel")
    .argument("<TYPE/NUMBER>")
    .option("--reason <text>")
    .action(function (this: Command, ref: string) {
      const o = this.opts() as { reason?: string };
      record(this, io, { kind: "CancelOrder", ...parseOrderRef(ref), ...(o.reason !== undefined && { reason: o.reason }) });
    });
  order
    .command("list")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const rows = withNode(this, io, (node) => node.read.listOrders());
      if ((this.opts() as { json?: boolean }).json) {
        io.out(
          JSON.stringify(
            rows.map(({ type, number, year, customer, agent, origin, lines, date, status, changedAfterReceipt }) => ({ type, number, year, customer, agent, origin, date, status, changedAfterReceipt, lines })),
          ),
        );
      } else {
        printTable(
          io,
          rows.map((r) => {
            const status = orderStatus(io, r.status);
            return {
              order: `${r.type}/${r.number}`,
              date: io.t.date(r.date),
              customer: r.customer,
              agent: r.agent,
              origin: r.origin,
              status: r.changedAfterReceipt ? io.t.t("order.changedAfterReceipt", { status }) : status,
              lines: r.lines.map((l) => `${l.product} ${io.t.number(l.qty)} × ${io.t.money(l.price)}`).join("; "),
            };
          }),
        );
      }
    });
}

function orderStatus(io: Io, status: string): string {
  return status === "placed" || status === "amended" || status === "cancelled" ? io.t.t(`order.${status}`) : status;
}
