import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { IMPORT_COLUMNS, type ImportKind } from "../../src/exchange/columns.js";
import { fieldOfHeader, HEADER_SYNONYMS, normalizeHeader, parseColumnMap } from "../../src/exchange/headers.js";

describe("header synonyms", () => {
  it.each([
    ["Città", "citta"],
    ["  CITTA ", "citta"],
    ["P.IVA", "p iva"],
    ["P. IVA", "p iva"],
    ["vatNumber", "vatnumber"],
    ["Unità di misura", "unita di misura"],
    ["Prezzo €", "prezzo"],
    ["Sconto %", "sconto"],
  ])("%j is compared as %j", (header, normalized) => {
    expect(normalizeHeader(header)).toBe(normalized);
  });

  it("no name is read as two fields, and every field the importers know has names", () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const [field, names] of Object.entries(HEADER_SYNONYMS)) {
      for (const name of names) {
        const earlier = owner.get(normalizeHeader(name));
        if (earlier !== undefined && earlier !== field) clashes.push(`${name}: ${earlier} and ${field}`);
        owner.set(normalizeHeader(name), field);
      }
    }
    expect(clashes).toEqual([]);
    const known = new Set(Object.values(IMPORT_COLUMNS).flatMap((c) => [...c.required, ...c.optional]));
    expect(Object.keys(HEADER_SYNONYMS).sort()).toEqual([...known].sort());
  });

  it.each([
    ["products", "Codice articolo", "code"],
    ["prices", "Codice articolo", "product"],
    ["customers", "Codice cliente", "code"],
    ["special-prices", "Codice cliente", "customer"],
    ["customers", "Aliquota IVA", undefined],
    ["products", "Partita IVA", undefined],
    ["customers", "partita_iva", "vatNumber"],
    ["special-prices", "SCONTI", "discounts"],
    ["products", "Note", undefined],
  ] as const)("in a %s file %j is read as %s", (kind, header, field) => {
    expect(fieldOfHeader(kind as ImportKind, header)).toBe(field);
  });

  it("--map: a column mapped twice is refused", () => {
    expect(() => parseColumnMap("prices", ["Prezzo=price", "prezzo=list"])).toThrow('import prices: --map maps column "prezzo" twice (to price and to list)');
  });

  it("the README's table is this table", () => {
    const readme = new Set(
      readFileSync(new URL("../../README.md", import.meta.url), "utf8")
        .split("\n")
        .map((line) => line.trim()),
    );
    const missing: string[] = [];
    for (const [field, names] of Object.entries(HEADER_SYNONYMS)) {
      const kinds = Object.entries(IMPORT_COLUMNS)
        .filter(([, c]) => [...c.required, ...c.optional].includes(field))
        .map(([k]) => k);
      const row = `| \`${field}\` | ${kinds.join(", ")} | ${names.map((n) => `\`${n}\``).join(", ")} |`;
      if (!readme.has(row)) missing.push(row);
    }
    expect(missing).toEqual([]);
  });
});
