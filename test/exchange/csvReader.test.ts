import { closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CsvRow, readCsv, rowKey } from "../../src/exchange/csvReader.js";
import type { ImportKind } from "../../src/exchange/columns.js";
import type { ImportProblem } from "../../src/exchange/importRefusedError.js";
import { tempDir } from "../support/tempDir.js";

function read(kind: ImportKind, content: string) {
  const file = join(tempDir(), "f.csv");
  writeFileSync(file, content);
  const rows: Array<[number, CsvRow]> = [];
  const problems: ImportProblem[] = [];
  const fd = openSync(file, "r");
  try {
    const result = readCsv(fd, kind, { row: (row, line) => rows.push([line, row]), problem: (p) => problems.push(p) });
    return { rows, problems, result };
  } finally {
    closeSync(fd);
  }
}

describe("readCsv", () => {
  it("hands each row by column name, in any header order and case, with the line it starts on", () => {
    const { rows, problems, result } = read("prices", 'Price;LIST;product;note\n"8,90";BASE;P001;x\n\n"1\n0";VIP;P002;\n');
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      [2, { list: "BASE", product: "P001", price: "8,90" }],
      [4, { list: "VIP", product: "P002", price: "1\n0" }],
    ]);
    expect(result.rows).toBe(2);
    expect([...result.keys]).toEqual([
      [rowKey(["BASE", "P001"]), 2],
      [rowKey(["VIP", "P002"]), 4],
    ]);
  });

  it("reports a bad row and reads on; an optional column is read only when the header names it", () => {
    const { rows, problems, result } = read("special-prices", "customer,product,price,discounts\nC1,P1,8,\nC1,P1,9,\nC2,,1,\nC3,P1,2,10+5\n");
    expect(problems).toMatchObject([
      { line: 3, column: "product", message: "customer C1, product P1 appears again (first on line 2)" },
      { line: 4, column: "product", message: "is empty; every row needs a product" },
    ]);
    expect(rows.map(([line, row]) => [line, row.discounts])).toEqual([
      [2, ""],
      [5, "10+5"],
    ]);
    expect(result.rows).toBe(4);
  });

  it("stops at a header that lacks a required column", () => {
    const { rows, problems } = read("products", "code;description\nP1;Uno\n");
    expect(rows).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 1, column: "unit", message: expect.stringContaining('missing columns "unit", "vat"') });
  });
});
