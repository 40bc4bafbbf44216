import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import { exportLog } from "../../src/audit/logFile.js";
import type { SincroNode } from "../../src/node/sincroNode.js";
import { exec, folderArea, Network } from "../support/network.js";

/** The lines of a gzip NDJSON file (header first), without the final newline. */
export function readLines(file: string): string[] {
  return gunzipSync(readFileSync(file)).toString("utf8").split("\n").slice(0, -1);
}

export function writeLines(file: string, lines: string[]): void {
  writeFileSync(file, gzipSync(Buffer.from(`${lines.join("\n")}\n`, "utf8")));
}

/** Exports `node`'s log into `dir/<name>.log.gz` and returns its path. */
export function exported(node: SincroNode, dir: string, name = node.id): string {
  const out = join(dir, `${name}.log.gz`);
  exportLog(node, out);
  return out;
}

/** Index of the line holding `origin#seq` in an exported log's lines. */
export function lineOf(lines: string[], origin: string, seq: number): number {
  const i = lines.findIndex((l) => {
    const e = JSON.parse(l) as { origin?: string; seq?: number };
    return e.origin === origin && e.seq === seq;
  });
  if (i < 0) throw new Error(`no ${origin}#${seq} in the log`);
  return i;
}

/**
 * A sede and two agents syncing through a folder, with customers, special prices (one edited on
 * both sides without seeing each other) and orders: real logs, real segments.
 */
export async function busyNetwork(dir: string): Promise<Network> {
  const net = new Network(dir, folderArea(join(dir, "park")), ["AG01", "AG02"]);
  exec(net.sede, { kind: "RegisterAgent", code: "AG01", name: "Mario" }, { kind: "RegisterAgent", code: "AG02", name: "Anna" });
  exec(
    net.sede,
    { kind: "AddProduct", code: "P001", description: "Olio 1 l", vat: "4" },
    { kind: "AddProduct", code: "P002", description: "Pasta 500 g", vat: "4" },
    { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
    { kind: "SetGenericPrice", list: "BASE", product: "P002", price: "1.20" },
  );
  const [c1] = exec(net.sede, { kind: "AddCustomer", name: "Bar Centrale", agent: "AG01", list: "BASE" });
  exec(net.sede, { kind: "AddCustomer", name: "Hotel Lago", agent: "AG02", list: "BASE" }, { kind: "AddCustomer", name: "Sede sola", list: "BASE" });
  await net.round();
  const ag = net.agent("AG01");
  const [c2] = exec(ag, { kind: "AddCustomer", name: "Pizzeria Da Gino", list: "BASE" });
  exec(ag, { kind: "PlaceOrder", customer: c2 as string, lines: [{ product: "P001", qty: "6" }] });
  exec(net.sede, { kind: "SetSpecialPrice", customer: c1 as string, product: "P001", price: "8.10" });
  await net.round();
  // Both edit the same special price without seeing the other's change: most recent wins.
  exec(ag, { kind: "SetSpecialPrice", customer: c1 as string, product: "P001", price: "7.95", discounts: ["5"] });
  exec(net.sede, { kind: "SetSpecialPrice", customer: c1 as string, product: "P001", price: "7.80" });
  exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P002", price: "1.25" });
  await net.round();
  exec(ag, { kind: "PlaceOrder", customer: c1 as string, lines: [{ product: "P002", qty: "40" }] });
  exec(net.sede, { kind: "AddProduct", code: "P003", description: "Vino 0,75 l", vat: "22" });
  await net.round();
  return net;
}
