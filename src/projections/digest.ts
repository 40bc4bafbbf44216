import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { PROJECTION_TABLES, type ProjectionTable } from "../db/schema.js";

const ORDER_BY: Record<ProjectionTable, string> = {
  agents: "code",
  order_types: "code",
  products: "code",
  price_lists: "code",
  prices: "list, product",
  customers: "code, created_by",
  special_prices: "customer, product",
  orders: "id",
  order_lines: "order_id, line_no",
  conflicts: "id",
  customer_departures: "agent, code, created_by",
  customer_renames: "code, created_by",
};

export interface TableDigest {
  table: ProjectionTable;
  rows: number;
  sha256: string;
}

/**
 * A SHA-256 per projection table over its rows in primary-key order (each row as a JSON array
 * of its columns, one per line): equal digests mean equal tables.
 */
export function digestProjections(db: Database.Database): TableDigest[] {
  return PROJECTION_TABLES.map((table) => {
    const hash = createHash("sha256");
    let rows = 0;
    const stmt = db.prepare(`SELECT * FROM ${table} ORDER BY ${ORDER_BY[table]}`).raw(true);
    for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
      hash.update(JSON.stringify(row));
      hash.update("\n");
      rows++;
    }
    return { table, rows, sha256: hash.digest("hex") };
  });
}
