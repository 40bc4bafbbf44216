import { writeFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { RefusedError } from "../../src/errors.js";
import type { ImportKind } from "../../src/exchange/columns.js";
import { importCsv, ImportRefusedError, type ImportOptions } from "../../src/exchange/csvImport.js";
import type { SincroNode } from "../../src/node/sincroNode.js";
import { makeNode, seededSede } from "../support/nodes.js";
import { tempDir } from "../support/tempDir.js";

// The ERP's files as they are: Italian headers, Windows-1252, numbers with thousands separators.

function csv(dir: string, name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

function refusal(node: SincroNode, kind: ImportKind, file: string, options: ImportOptions = {}): RefusedError {
  const before = node.log.count();
  let caught: unknown;
  try {
    importCsv(node, kind, file, options);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(RefusedError);
  expect(node.log.count()).toBe(before);
  return caught as RefusedError;
}

describe("header synonyms", () => {
  it("reads Italian headers in any case, with or without accents and punctuation", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const file = csv(dir, "p.csv", "CODICE ARTICOLO;Descrizione;U.M.;Aliquota IVA;Attivo;Note\nP1;Olio;LT;4;sì;x\nP2;Sale;KG;22;no;\n");
    expect(importCsv(node, "products", file)).toMatchObject({ rows: 2, new: 2 });
    expect(node.read.listProducts()).toEqual([
      { code: "P1", description: "Olio", unit: "LT", vat: "4", active: true },
      { code: "P2", description: "Sale", unit: "KG", vat: "22", active: false },
    ]);
  });

  it("customers: codice cliente is the code, ragione sociale the name, citta and Città alike", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const file = csv(dir, "c.csv", "Codice cliente;Ragione Sociale;Agente;Listino;P. IVA;CITTA\n000050;Trattoria Da Gino;AG01;BASE;IT01234567890;Forlì\n");
    importCsv(node, "customers", file);
    expect(node.read.customer("000050")).toMatchObject({ name: "Trattoria Da Gino", agent: "AG01", list: "BASE", vatNumber: "IT01234567890", city: "Forlì" });
  });

  it("English names too: special prices with Customer, Item, Unit price, Discount", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    importCsv(node, "special-prices", csv(dir, "s.csv", "Customer,Item,Unit price,Discount\n000001,P001,\"7,50\",10+5\n"));
    expect(node.read.specialPrice("000001", "P001")).toMatchObject({ price: "7.50", discounts: ["10", "5"] });
  });

  it("two columns read as one field are refused, naming both; --map chooses one and the other is ignored", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const file = csv(dir, "c.csv", "Codice;Ragione sociale;Nome;Agente;Listino\n000050;Trattoria Da Gino;Gino;;\n");
    const err = refusal(node, "customers", file) as ImportRefusedError;
    expect(err.problems).toMatchObject([
      { line: 1, column: "name", message: 'columns "Ragione sociale" and "Nome" are both read as name; keep one, or choose one with --map "Ragione sociale=name"' },
    ]);
    importCsv(node, "customers", file, { map: ["Ragione sociale=name"] });
    expect(node.read.customer("000050")?.name).toBe("Trattoria Da Gino");
  });

  it("--map reads any column as a field, matched like a header", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const file = csv(dir, "pr.csv", "Cod. Lis.;Cod. Art.;Importo\nBASE;P001;9,10\n");
    importCsv(node, "prices", file, { map: ["cod lis=list", "COD. ART.=product", "Importo=price"] });
    expect(node.read.genericPrice("BASE", "P001")).toBe("9.10");
  });

  it("--map to an unknown field is refused naming the field and listing the valid ones; to a missing column too", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const file = csv(dir, "pr.csv", "listino;articolo;importo\nBASE;P001;9\n");
    const unknown = refusal(node, "prices", file, { map: ["importo=prezzo"] });
    expect(unknown.field).toBe("map");
    expect(unknown.message).toBe('import prices: --map importo=prezzo: a prices file has no field "prezzo"; its fields are list, product, price');
    const malformed = refusal(node, "prices", file, { map: ["importo"] });
    expect(malformed.message).toBe('import prices: --map "importo" must be written COLUMN=FIELD, e.g. --map "Cod. Art.=code"');
    const absent = refusal(node, "prices", file, { map: ["prezzo netto=price"] }) as ImportRefusedError;
    expect(absent.problems).toMatchObject([
      { line: 1, column: "price", message: '--map prezzo netto=price: the header has no column "prezzo netto"; it names listino;articolo;importo' },
    ]);
  });

  it("a refused cell names the field and the file's own column", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const err = refusal(node, "prices", csv(dir, "pr.csv", "Listino;Articolo;Prezzo €\nBASE;P001;gratis\n")) as ImportRefusedError;
    expect(err.problems).toMatchObject([{ line: 2, column: "price", header: "Prezzo €", message: expect.stringContaining('"gratis" is not a decimal number') }]);
    expect(err.message).toContain('import prices line 2, column price ("Prezzo €"): "gratis" is not a decimal number');
  });

  it("a missing column lists the names read for it", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const err = refusal(node, "products", csv(dir, "p.csv", "codice;descrizione;um\nP1;Uno;PZ\n"));
    expect(err.message).toContain('line 1, column vat: missing column "vat"');
    expect(err.message).toContain("vat: vat, aliquota iva, aliquota, iva, vat rate; or name a column with --map COLUMN=FIELD");
  });
});

describe("encodings", () => {
  // "Caffè;Più;Città;Virtù;Però;€ 1" in Windows-1252, byte by byte.
  const ACCENTS_1252 = Buffer.from([
    0x63, 0x6f, 0x64, 0x65, 0x3b, 0x64, 0x65, 0x73, 0x63, 0x72, 0x69, 0x70, 0x74, 0x69, 0x6f, 0x6e, 0x3b, 0x75, 0x6e, 0x69, 0x74, 0x3b, 0x76, 0x61, 0x74, 0x0d, 0x0a, // code;description;unit;vat\r\n
    0x50, 0x31, 0x3b, 0x43, 0x61, 0x66, 0x66, 0xe8, 0x20, 0xe0, 0x20, 0xec, 0x20, 0xf2, 0x20, 0xf9, 0x20, 0x80, 0x3b, 0x50, 0x5a, 0x3b, 0x32, 0x32, 0x0d, 0x0a, // P1;Caffè à ì ò ù €;PZ;22\r\n
  ]);

  it("a Windows-1252 file is detected (it is not valid UTF-8) and its à è ì ò ù € read right", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const summary = importCsv(node, "products", csv(dir, "p.csv", ACCENTS_1252));
    expect(summary.encoding).toBe("windows-1252");
    expect(node.read.product("P1")?.description).toBe("Caffè à ì ò ù €");
  });

  it("Windows-1252 headers with accents, written by iconv-lite, map through the synonyms", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const text = "Codice cliente;Ragione sociale;Agente;Listino;Città\r\n000060;Caffè Però;AG01;BASE;Cantù\r\n";
    const summary = importCsv(node, "customers", csv(dir, "c.csv", iconv.encode(text, "windows-1252")));
    expect(summary.encoding).toBe("windows-1252");
    expect(node.read.customer("000060")).toMatchObject({ name: "Caffè Però", city: "Cantù" });
  });

  it("UTF-8, with or without BOM, is read as UTF-8; --encoding windows-1252 forces the 8-bit reading", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const text = "code;description;unit;vat\nP1;Caffè €;PZ;22\n";
    expect(importCsv(node, "products", csv(dir, "a.csv", text)).encoding).toBe("utf8");
    expect(node.read.product("P1")?.description).toBe("Caffè €");
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replace("Caffè", "Tè"))]);
    expect(importCsv(node, "products", csv(dir, "b.csv", bom)).encoding).toBe("utf8");
    expect(node.read.product("P1")?.description).toBe("Tè €");
    // The UTF-8 bytes of "è" (C3 A8) read as Windows-1252 are "Ã¨".
    importCsv(node, "products", csv(dir, "c.csv", "code;description;unit;vat\nP1;Tè;PZ;22\n"), { encoding: "windows-1252" });
    expect(node.read.product("P1")?.description).toBe("TÃ¨");
  });

  it("detection looks at the whole file: one 8-bit byte after 300 KB of ASCII makes it Windows-1252", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const rows = Array.from({ length: 12000 }, (_, i) => `P${i};Prodotto numero ${i};PZ;22`).join("\n");
    const content = Buffer.concat([Buffer.from(`code;description;unit;vat\n${rows}\nPX;Perch`), Buffer.from([0xe9]), Buffer.from(";PZ;22\n")]);
    expect(content.length).toBeGreaterThan(300_000);
    expect(importCsv(node, "products", csv(dir, "p.csv", content)).encoding).toBe("windows-1252");
    expect(node.read.product("PX")?.description).toBe("Perché");
  });

  it("a UTF-16 file is refused, saying what to save it as", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("code;description;unit;vat\n", "utf16le")]);
    const err = refusal(node, "products", csv(dir, "p.csv", utf16));
    expect(err.field).toBe("encoding");
    expect(err.message).toMatch(/p\.csv: the file is UTF-16 text; save it as CSV \(UTF-8 or Windows-1252\)$/);
  });
});

describe("numbers as the ERP writes them", () => {
  it("thousands separators and decimal commas, in prices, VAT rates and discounts", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    importCsv(node, "prices", csv(dir, "pr.csv", "listino;articolo;prezzo\nBASE;P001;1.234,56\nVIP;P001;2.500\nVIP;P002;12.345.678,9\n"));
    expect(node.read.listPrices()).toEqual([
      { list: "BASE", product: "P001", price: "1234.56" },
      { list: "BASE", product: "P002", price: "1.20" },
      { list: "VIP", product: "P001", price: "2500.00" },
      { list: "VIP", product: "P002", price: "12345678.90" },
    ]);
    importCsv(node, "special-prices", csv(dir, "s.csv", "cliente;articolo;prezzo;sconti\n000001;P001;1.100,5;12,5+2,25\n"));
    expect(node.read.specialPrice("000001", "P001")).toMatchObject({ price: "1100.50", discounts: ["12.5", "2.25"] });
  });

  it("a file with decimal points reads 1.250 as one and a quarter", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    importCsv(node, "prices", csv(dir, "pr.csv", "list,product,price\nBASE,P001,8.9\nBASE,P002,1.250\n"));
    expect(node.read.genericPrice("BASE", "P002")).toBe("1.25");
  });

  it("1.234 before the file's first decimal comma is refused as ambiguous, with its line and column; nothing written", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const err = refusal(node, "prices", csv(dir, "pr.csv", "listino;articolo;prezzo\nBASE;P001;1.234\nBASE;P002;8,90\n")) as ImportRefusedError;
    expect(err.problems).toMatchObject([
      {
        line: 2,
        column: "price",
        header: "prezzo",
        message: '"1.234" is ambiguous: line 3 writes decimals with a comma ("8,90"), so this dot may group thousands; write 1234 or 1,234',
      },
    ]);
    expect(node.read.genericPrice("BASE", "P001")).toBe("8.90");
  });

  it("a tab-separated file", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    importCsv(node, "prices", csv(dir, "pr.csv", "list\tproduct\tprice\nBASE\tP001\t1.001,5\n"));
    expect(node.read.genericPrice("BASE", "P001")).toBe("1001.50");
  });
});
