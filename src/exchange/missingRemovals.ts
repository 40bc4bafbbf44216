import type { Command } from "../events/commands.js";
import type { SincroNode } from "../node/sincroNode.js";
import type { ImportKind } from "./columns.js";
import { rowKey } from "./csvReader.js";

/**
 * The commands that remove what `node` holds of `kind` but the file does not list (`inFile`
 * holds the {@link rowKey} of every row read): products discontinued, generic prices and special
 * prices removed. On an agent a special-prices file covers its own customers only, so only
 * theirs are candidates. None for customers: sincro never deletes one.
 * Keys are gathered before any command runs: a statement being iterated keeps the connection busy.
 */
export function missingRemovals(node: SincroNode, kind: ImportKind, inFile: ReadonlyMap<string, number>): Command[] {
  const db = node.db;
  const missing: Command[] = [];
  if (kind === "products") {
    for (const code of db.prepare(`SELECT code FROM products WHERE active = 1 ORDER BY code`).pluck().iterate() as Iterable<string>) {
      if (!inFile.has(rowKey([code]))) missing.push({ kind: "DiscontinueProduct", code });
    }
  } else if (kind === "prices") {
    const rows = db.prepare(`SELECT list, product FROM prices ORDER BY list, product`).raw().iterate() as Iterable<[string, string]>;
    for (const [list, product] of rows) {
      if (!inFile.has(rowKey([list, product]))) missing.push({ kind: "RemoveGenericPrice", list, product });
    }
  } else if (kind === "special-prices") {
    const rows = db
      .prepare(
        `SELECT customer, product FROM special_prices WHERE removed = 0
         AND (@agent IS NULL OR customer IN (SELECT code FROM customers WHERE agent = @agent)) ORDER BY customer, product`,
      )
      .raw()
      .iterate({ agent: node.role === "agent" ? node.id : null }) as Iterable<[string, string]>;
    for (const [customer, product] of rows) {
      if (!inFile.has(rowKey([customer, product]))) missing.push({ kind: "RemoveSpecialPrice", customer, product });
    }
  }
  return missing;
}
