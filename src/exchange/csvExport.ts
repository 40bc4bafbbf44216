import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { stringify } from "csv-stringify/sync";
import { cannotWriteSay, RefusedError, say } from "../errors.js";
import type { SincroNode } from "../node/sincroNode.js";
import { DISCOUNT_SEPARATOR, EXPORT_COLUMNS, EXPORT_DECIMALS, type ExportKind } from "./columns.js";

/** What an export wrote. */
export interface ExportSummary {
  kind: ExportKind;
  file: string;
  rows: number;
}

type Cell = string | number | null | undefined;

/** The separators an export writes between fields. */
export const EXPORT_SEPARATORS = [";", ",", "\t"] as const;
export type ExportSeparator = (typeof EXPORT_SEPARATORS)[number];

/** How an export writes its CSV, so that the ERP reads it back. */
export interface ExportOptions {
  /** Between fields; default `;`. A field holding it is quoted. */
  separator?: ExportSeparator;
  /** Decimals with a comma (`8,90`), as an Italian ERP writes them; default a point (`8.90`). */
  decimalComma?: boolean;
}

/** One query per kind, a row per CSV line in the order of {@link EXPORT_COLUMNS}. */
const QUERIES: Record<ExportKind, { sql: string; row: (r: Cell[]) => Cell[] }> = {
  products: {
    sql: `SELECT code, description, unit, vat, active FROM products ORDER BY code`,
    row: ([code, description, unit, vat, active]) => [code, description, unit, vat, active === 1 ? "true" : "false"],
  },
  prices: {
    sql: `SELECT list, product, price FROM prices ORDER BY list, product`,
    row: (r) => r,
  },
  customers: {
    sql: `SELECT code, name, agent, list, vat_number, city, created_by FROM customers ORDER BY code, created_by`,
    row: (r) => r,
  },
  "special-prices": {
    sql: `SELECT customer, product, price, discounts, origin FROM special_prices WHERE removed = 0 ORDER BY customer, product`,
    row: ([customer, product, price, discounts, origin]) => [customer, product, price, joinDiscounts(discounts), origin],
  },
  orders: {
    // changed: "after-receipt" when the agent changed the order after the sede had received it.
    sql: `SELECT o.type, o.number, o.date, o.customer, o.agent, l.product, l.qty, l.price, o.origin, l.line_no, l.discounts, o.status,
                 CASE WHEN EXISTS (SELECT 1 FROM orders_changed_after_receipt c WHERE c.order_id = o.id) THEN 'after-receipt' ELSE '' END
          FROM orders o JOIN order_lines l ON l.order_id = o.id
          ORDER BY o.type, o.number, o.origin, l.line_no`,
    row: (r) => [...r.slice(0, 10), joinDiscounts(r[10] ?? "[]"), r[11] ?? null, r[12] ?? ""],
  },
};

const ROWS_PER_WRITE = 2000;

/**
 * Writes the node's `kind` as CSV to `file`: header row, `;` separator, decimal point, UTF-8
 * (or the separator and decimal comma of `options`), the columns of {@link EXPORT_COLUMNS}
 * (what `importCsv` reads back). Rows are streamed from
 * one query, so a single consistent snapshot, never all in memory. The file appears whole or
 * not at all: it is written under a temporary name beside `file` and renamed into place.
 */
export function exportCsv(node: SincroNode, kind: ExportKind, file: string, options: ExportOptions = {}): ExportSummary {
  const query = QUERIES[kind];
  const delimiter = options.separator ?? ";";
  const decimals = options.decimalComma ? EXPORT_DECIMALS[kind].map((c) => EXPORT_COLUMNS[kind].indexOf(c)) : [];
  const row = (r: Cell[]): Cell[] => {
    const cells = query.row(r);
    for (const i of decimals) {
      const v = cells[i];
      if (v !== null && v !== undefined) cells[i] = String(v).replaceAll(".", ",");
    }
    return cells;
  };
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, "w");
  } catch (cause) {
    throw new RefusedError("out", `export ${kind} ${file}: cannot write there: ${(cause as Error).message}`, {
      code: "NO_FILE",
      cause,
      say: cannotWriteSay(`export ${kind}`, file, cause),
    });
  }
  let rows = 0;
  let done = false;
  try {
    const write = (records: Cell[][]) => writeSync(fd, stringify(records, { delimiter, cast: { number: String } }));
    write([[...EXPORT_COLUMNS[kind]]]);
    let batch: Cell[][] = [];
    for (const r of node.db.prepare(query.sql).raw().iterate() as Iterable<Cell[]>) {
      batch.push(row(r));
      if (batch.length === ROWS_PER_WRITE) {
        write(batch);
        rows += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) write(batch);
    rows += batch.length;
    fsyncSync(fd);
    closeSync(fd);
    done = true;
    renameSync(temp, file);
  } catch (cause) {
    if (!done) closeSync(fd);
    rmSync(temp, { force: true });
    throw new RefusedError("out", `export ${kind} ${file}: ${(cause as Error).message}`, {
      code: "WRITE_FAILED",
      cause,
      say: say("export.refused.writeFailed", { kind, file, why: (cause as Error).message }),
    });
  }
  return { kind, file, rows };
}

function joinDiscounts(json: Cell): string {
  return (JSON.parse(String(json)) as string[]).join(DISCOUNT_SEPARATOR);
}
