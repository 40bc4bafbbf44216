import type { Command } from "commander";
import { parseHlc } from "../../events/hlc.js";
import { collect, type Io, jsonOption, printTable, withNode } from "../io.js";
import { record } from "./record.js";

export function registerSpecialPrice(program: Command, io: Io): void {
  const sp = program.command("special-price").description("per-customer special prices (both sides; most recent change wins)");
  sp.command("set")
    .requiredOption("--customer <code>")
    .requiredOption("--product <code>")
    .requiredOption("--price <amount>")
    .option("--discount <percent>", "a cascading discount in percent (repeatable)", collect, [])
    .action(function (this: Command) {
      const o = this.opts() as { customer: string; product: string; price: string; discount: string[] };
      record(this, io, { kind: "SetSpecialPrice", customer: o.customer, product: o.product, price: o.price, discounts: o.discount });
    });
  sp.command("remove")
    .requiredOption("--customer <code>")
    .requiredOption("--product <code>")
    .action(function (this: Command) {
      const o = this.opts() as { customer: string; product: string };
      record(this, io, { kind: "RemoveSpecialPrice", ...o });
    });
  sp.command("list")
    .option("--customer <code>", "only this customer's")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const o = this.opts() as { customer?: string; json?: boolean };
      const rows = withNode(this, io, (node) => node.read.listSpecialPrices(o.customer));
      if (o.json) io.out(JSON.stringify(rows));
      else {
        // The HLC stays in --json and history --verbose; a person reads when and by whom.
        printTable(
          io,
          rows.map((r) => {
            const wall = parseHlc(r.hlc)?.wall;
            return {
              customer: r.customer,
              product: r.product,
              price: io.t.money(r.price),
              discounts: r.discounts.map((d) => io.t.number(d)).join(" + "),
              changed: wall === undefined ? "" : io.t.dateTime(wall),
              by: r.origin,
            };
          }),
        );
      }
    });
}
