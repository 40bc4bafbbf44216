import type { Command } from "commander";
import { type Io, jsonOption, printTable, withNode } from "../io.js";
import { record } from "./record.js";

export function registerCatalogue(program: Command, io: Io): void {
  const product = program.command("product").description("the catalogue (sede)");
  product
    .command("add")
    .argument("<code>")
    .requiredOption("--description <text>", "what the product is")
    .option("--unit <unit>", "unit of measure (default PZ)")
    .option("--vat <rate>", "VAT rate in percent (default 22)")
    .action(function (this: Command, code: string) {
      const o = this.opts() as { description: string; unit?: string; vat?: string };
      record(this, io, { kind: "AddProduct", code, description: o.description, ...(o.unit !== undefined && { unit: o.unit }), ...(o.vat !== undefined && { vat: o.vat }) });
    });
  product
    .command("update")
    .argument("<code>")
    .option("--description <text>")
    .option("--unit <unit>")
    .option("--vat <rate>")
    .action(function (this: Command, code: string) {
      const o = this.opts() as { description?: string; unit?: string; vat?: string };
      record(this, io, { kind: "UpdateProduct", code, ...o });
    });
  product
    .command("discontinue")
    .argument("<code>")
    .action(function (this: Command, code: string) {
      record(this, io, { kind: "DiscontinueProduct", code });
    });
  product
    .command("list")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const rows = withNode(this, io, (node) => node.read.listProducts());
      if ((this.opts() as { json?: boolean }).json) io.out(JSON.stringify(rows));
      else printTable(io, rows.map((r) => ({ ...r, vat: io.t.number(r.vat), active: io.t.t(r.active ? "common.yes" : "common.no") })));
    });

  const price = program.command("price").description("generic price lists (sede)");
  price
    .command("set")
    .requiredOption("--list <list>", "price list code (created on first use)")
    .requiredOption("--product <code>")
    .requiredOption("--price <amount>", "e.g. 12.50 or 12,50")
    .action(function (this: Command) {
      const o = this.opts() as { list: string; product: string; price: string };
      record(this, io, { kind: "SetGenericPrice", ...o });
    });
  price
    .command("remove")
    .requiredOption("--list <list>")
    .requiredOption("--product <code>")
    .action(function (this: Command) {
      const o = this.opts() as { list: string; product: string };
      record(this, io, { kind: "RemoveGenericPrice", ...o });
    });
  price
    .command("list")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const rows = withNode(this, io, (node) => node.read.listPrices());
      if ((this.opts() as { json?: boolean }).json) io.out(JSON.stringify(rows));
      else printTable(io, rows.map((r) => ({ ...r, price: io.t.money(r.price) })));
    });
}
