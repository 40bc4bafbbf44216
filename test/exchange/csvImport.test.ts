import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RefusedError } from "../../src/errors.js";
import { importCsv, ImportRefusedError, type ImportOptions } from "../../src/exchange/csvImport.js";
import type { ImportKind } from "../../src/exchange/columns.js";
import type { SincroNode } from "../../src/node/sincroNode.js";
import { agentHoldingOthersCustomers, makeNode, run, seededSede } from "../support/nodes.js";
import { tempDir } from "../support/tempDir.js";

function csv(dir: string, name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** Imports and expects a refusal; checks nothing was written and returns the error. */
function refused(node: SincroNode, kind: ImportKind, file: string, options: ImportOptions = {}): ImportRefusedError {
  const before = node.log.count();
  const digests = JSON.stringify(node.digests());
  let caught: unknown;
  try {
    importCsv(node, kind, file, options);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ImportRefusedError);
  expect(node.log.count()).toBe(before);
  expect(JSON.stringify(node.digests())).toBe(digests);
  return caught as ImportRefusedError;
}

describe("import products", () => {
  it("reads ; with a BOM, quoted separators, a decimal comma and extra columns", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const file = csv(dir, "p.csv", '\uFEFFcode;description;unit;vat;ean\nP001;"Olio; extra 1 l";PZ;4,0;800123\nP002;"Pasta ""trafilata""";KG;22;\n');
    const summary = importCsv(node, "products", file);
    expect(summary).toMatchObject({ rows: 2, new: 2, changed: 0, unchanged: 0, removed: 0, events: 2 });
    expect(node.read.listProducts()).toEqual([
      { code: "P001", description: "Olio; extra 1 l", unit: "PZ", vat: "4", active: true },
      { code: "P002", description: 'Pasta "trafilata"', unit: "KG", vat: "22", active: true },
    ]);
  });

  it("reads , separated files with quoted decimal commas and CRLF line ends", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    importCsv(node, "products", csv(dir, "p.csv", 'code,description,unit,vat\r\nP001,"Olio, extra",PZ,"10,5"\r\n'));
    expect(node.read.product("P001")).toMatchObject({ description: "Olio, extra", vat: "10.5" });
  });

  it("records nothing the second time, and only the changed rows after an edit", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const rows = Array.from({ length: 40 }, (_, i) => `P${i};Prodotto ${i};PZ;22`);
    const file = csv(dir, "p.csv", `code;description;unit;vat\n${rows.join("\n")}\n`);
    importCsv(node, "products", file);
    const count = node.log.count();
    expect(importCsv(node, "products", file)).toMatchObject({ rows: 40, new: 0, changed: 0, unchanged: 40, events: 0 });
    expect(node.log.count()).toBe(count);
    rows[3] = "P3;Prodotto tre;PZ;22";
    rows[17] = "P17;Prodotto 17;PZ;10";
    rows.push("P40;Nuovo;PZ;4");
    csv(dir, "p.csv", `code;description;unit;vat\n${rows.join("\n")}\n`);
    expect(importCsv(node, "products", file)).toMatchObject({ rows: 41, new: 1, changed: 2, unchanged: 38, events: 3 });
    expect(node.log.count()).toBe(count + 3);
  });

  it("honours an active column: false discontinues, true re-activates, and a second run is unchanged", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const file = csv(dir, "p.csv", "code;description;unit;vat;active\nP1;Uno;PZ;22;true\nP2;Due;PZ;22;false\n");
    expect(importCsv(node, "products", file)).toMatchObject({ new: 2, events: 3 });
    expect(node.read.product("P2")?.active).toBe(false);
    expect(importCsv(node, "products", file)).toMatchObject({ unchanged: 2, events: 0 });
    csv(dir, "p.csv", "code;description;unit;vat;active\nP1;Uno;PZ;22;false\nP2;Due;PZ;22;true\n");
    expect(importCsv(node, "products", file)).toMatchObject({ changed: 2, events: 2 });
    expect([node.read.product("P1")?.active, node.read.product("P2")?.active]).toEqual([false, true]);
  });

  it("--remove-missing discontinues the products the file does not list", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const file = csv(dir, "p.csv", "code;description;unit;vat\nP001;Olio 1 l;PZ;4\n");
    expect(importCsv(node, "products", file)).toMatchObject({ unchanged: 1, removed: 0, events: 0 });
    expect(importCsv(node, "products", file, { removeMissing: true })).toMatchObject({ unchanged: 1, removed: 1, events: 1 });
    expect(node.read.product("P002")?.active).toBe(false);
    expect(importCsv(node, "products", file, { removeMissing: true })).toMatchObject({ removed: 0, events: 0 });
  });

  it("--dry-run counts what would change and writes nothing", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const before = node.log.count();
    const file = csv(dir, "p.csv", "code;description;unit;vat\nP001;Olio 1 litro;PZ;4\nP009;Nuovo;PZ;22\n");
    expect(importCsv(node, "products", file, { dryRun: true, removeMissing: true })).toMatchObject({
      rows: 2,
      new: 1,
      changed: 1,
      removed: 1,
      events: 3,
      dryRun: true,
    });
    expect(node.log.count()).toBe(before);
    expect(node.read.product("P009")).toBeUndefined();
    expect(node.read.product("P002")?.active).toBe(true);
  });
});

describe("refused files: every problem with its line and column, nothing written", () => {
  it("a malformed decimal names the line, the column and the value", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const err = refused(node, "prices", csv(dir, "p.csv", 'list;product;price\nBASE;P001;9.10\nBASE;P002;"12,5,0"\n'));
    expect(err.problems).toMatchObject([{ line: 3, column: "price", message: expect.stringContaining('"12,5,0" is not a decimal number') }]);
    expect(err.message).toContain('import prices line 3, column price: "12,5,0" is not a decimal number');
    // The valid row before it was not kept either.
    expect(node.read.genericPrice("BASE", "P001")).toBe("8.90");
  });

  it("an unknown product in a price", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const err = refused(node, "prices", csv(dir, "p.csv", "list;product;price\nBASE;P001;9\nBASE;P404;1\n"));
    expect(err.message).toContain("import prices line 3, column product: product P404 does not exist");
  });

  it("a duplicate key within the file names both lines", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const err = refused(node, "products", csv(dir, "p.csv", "code;description;unit;vat\nP1;Uno;PZ;22\nP2;Due;PZ;22\nP1;Ancora;PZ;22\n"));
    expect(err.problems).toMatchObject([{ line: 4, column: "code", message: "code P1 appears again (first on line 2)" }]);
  });

  it("a missing required column is named, with the header it found", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const err = refused(node, "products", csv(dir, "p.csv", "code;description;unit\nP1;Uno;PZ\n"));
    expect(err.problems).toHaveLength(1);
    expect(err.message).toContain('import products line 1, column vat: missing column "vat"');
    expect(err.message).toContain("code;description;unit;vat");
  });

  it("an empty required field", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const err = refused(node, "products", csv(dir, "p.csv", "code;description;unit;vat\nP1;;PZ;22\n"));
    expect(err.problems).toMatchObject([{ line: 2, column: "description", message: "is empty; every row needs a description" }]);
  });

  it("an unquoted decimal comma in a comma-separated file is a field count problem with a hint", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const err = refused(node, "prices", csv(dir, "p.csv", "list,product,price\nBASE,P001,12,50\n"));
    expect(err.problems[0]).toMatchObject({ line: 2, column: null });
    expect(err.message).toContain('import prices line 2: 4 fields where the header names 3 (in a file separated by commas, a decimal comma must be quoted: "12,50")');
  });

  it("counts lines across quoted line breaks and blank lines", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const file = csv(dir, "p.csv", 'code;description;unit;vat\nP1;"two\nlines";PZ;22\n\nP2;Due;PZ;x\n');
    const err = refused(node, "products", file);
    expect(err.problems.map((p) => [p.line, p.column])).toEqual([
      [2, "description"],
      [5, "vat"],
    ]);
  });

  it("broken quoting stops at its line", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const err = refused(node, "products", csv(dir, "p.csv", 'code;description;unit;vat\nP1;Uno;PZ;22\nP2;"Due;PZ;22\n'));
    expect(err.problems).toHaveLength(1);
    expect(err.message).toMatch(/import products line \d+: the file is not valid CSV: Quote Not Closed/);
  });

  it("lists the first 50 problems, then how many more", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const rows = Array.from({ length: 70 }, (_, i) => `L${i};P001;bad`);
    const err = refused(node, "prices", csv(dir, "p.csv", `list;product;price\n${rows.join("\n")}\n`));
    expect(err.total).toBe(70);
    expect(err.problems).toHaveLength(50);
    expect(err.problems[49]?.line).toBe(51);
    expect(err.message).toContain("70 problems");
    expect(err.message.trimEnd().endsWith("… and 20 more")).toBe(true);
  });

  it("invalid UTF-8 read as UTF-8 (--encoding utf8) is refused, naming the cell", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    const latin1 = Buffer.concat([Buffer.from("code;description;unit;vat\nP1;Caff"), Buffer.from([0xe8]), Buffer.from(";PZ;22\n")]);
    const err = refused(node, "products", csv(dir, "p.csv", latin1), { encoding: "utf8" });
    expect(err.problems).toMatchObject([
      { line: 2, column: "description", message: "is not valid UTF-8 text; save the file as UTF-8, or read it with --encoding windows-1252" },
    ]);
  });

  it("a missing file, and an empty one", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    expect(() => importCsv(node, "products", join(dir, "nope.csv"))).toThrow(/import products .*nope\.csv: no such file/);
    expect(refused(node, "products", csv(dir, "e.csv", "")).message).toContain("the file is empty");
  });
});

describe("import prices", () => {
  it("creates the list on first use, and --remove-missing removes the prices the file lacks", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const file = csv(dir, "p.csv", "list;product;price\nBASE;P001;8,90\nVIP;P001;7.5\n");
    expect(importCsv(node, "prices", file)).toMatchObject({ new: 1, unchanged: 1, events: 2 });
    expect(node.read.priceList("VIP")).toBeDefined();
    expect(importCsv(node, "prices", file, { removeMissing: true })).toMatchObject({ unchanged: 2, removed: 1, events: 1 });
    expect(node.read.listPrices()).toEqual([
      { list: "BASE", product: "P001", price: "8.90" },
      { list: "VIP", product: "P001", price: "7.50" },
    ]);
  });
});

describe("import customers", () => {
  it("creates and updates; vatNumber and city are optional columns", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const file = csv(dir, "c.csv", "code;name;agent;list;city\n000001;Bar Centrale;AG01;BASE;Roma\n000050;Trattoria;;;\n");
    expect(importCsv(node, "customers", file)).toMatchObject({ new: 1, changed: 1, events: 2 });
    expect(node.read.customer("000001")).toMatchObject({ city: "Roma", agent: "AG01" });
    expect(node.read.customer("000050")).toMatchObject({ name: "Trattoria", agent: null, list: null });
    expect(importCsv(node, "customers", file)).toMatchObject({ unchanged: 2, events: 0 });
  });

  it("refuses moving a customer to another agent, and maps the decider's fields to columns", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const err = refused(
      node,
      "customers",
      csv(dir, "c.csv", `code;name;agent;list;vatNumber\n000001;Bar Centrale;;BASE;\n000002;Nuovo;AG01;BASE;${"9".repeat(40)}\n000003;Altro;AG09;;\n`),
    );
    expect(err.problems.map((p) => [p.line, p.column])).toEqual([
      [2, "agent"],
      [3, "vatNumber"],
      [4, "agent"],
    ]);
    expect(err.problems[0]?.message).toContain("customer 000001 belongs to agent AG01, the file says none");
    expect(err.problems[2]?.message).toContain("agent AG09 does not exist");
  });

  it("--remove-missing is refused: customers are never deleted", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const file = csv(dir, "c.csv", "code;name;agent;list\n");
    expect(() => importCsv(node, "customers", file, { removeMissing: true })).toThrow(/never deletes a customer/);
  });
});

describe("import special prices", () => {
  it("reads cascading discounts, is idempotent, and --remove-missing removes the others", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    run(node, { kind: "SetSpecialPrice", customer: "000001", product: "P002", price: "1.00" });
    const file = csv(dir, "s.csv", "customer;product;price;discounts\n000001;P001;8,10;10+5\n");
    expect(importCsv(node, "special-prices", file)).toMatchObject({ new: 1, events: 1 });
    expect(node.read.specialPrice("000001", "P001")).toMatchObject({ price: "8.10", discounts: ["10", "5"] });
    expect(importCsv(node, "special-prices", file)).toMatchObject({ unchanged: 1, events: 0 });
    expect(importCsv(node, "special-prices", file, { removeMissing: true })).toMatchObject({ removed: 1, events: 1 });
    expect(node.read.listSpecialPrices().map((s) => s.product)).toEqual(["P001"]);
  });

  it("a bad discount is reported in the discounts column", () => {
    const dir = tempDir();
    const node = seededSede(dir);
    const err = refused(node, "special-prices", csv(dir, "s.csv", "customer;product;price;discounts\n000001;P001;8;10+abc\n"));
    expect(err.problems).toMatchObject([{ line: 2, column: "discounts", message: expect.stringContaining('discount 2 "abc"') }]);
  });

  it("on an agent: its own customers' special prices only", () => {
    const dir = tempDir();
    const sede = seededSede(dir);
    run(sede, { kind: "RegisterAgent", code: "AG02", name: "Luca" }, { kind: "AddCustomer", name: "Bar Due", agent: "AG02" });
    const agent = makeNode(dir, "agent", { role: "agent", agent: "AG01" });
    // Everything the sede recorded, including a customer of AG02 that routing would never send here.
    agent.receive([...sede.log.iterate()]);
    const own = csv(dir, "own.csv", "customer;product;price\n000001;P001;7\n");
    expect(importCsv(agent, "special-prices", own)).toMatchObject({ new: 1, events: 1 });
    const err = refused(agent, "special-prices", csv(dir, "other.csv", "customer;product;price\n000001;P002;1\n000002;P001;7\n"));
    expect(err.problems).toMatchObject([
      { line: 3, column: "customer", message: expect.stringContaining("customer 000002 is agent AG02's, not this agent's (AG01)") },
    ]);
  });

  it("the deciders' refusals of another's customer read in the file's terms, whether the row is new or held", () => {
    const dir = tempDir();
    const { sede, agent } = agentHoldingOthersCustomers(dir);
    const err = refused(agent, "special-prices", csv(dir, "s.csv", "customer;product;price\n000002;P001;7\n000003;P001;7\n"));
    expect(err.problems).toMatchObject([
      { line: 2, column: "customer", message: "customer 000002 is agent AG02's, not this agent's (AG01); an agent imports special prices for its own customers only" },
      { line: 3, column: "customer", message: "customer 000003 is the sede's, not this agent's (AG01); an agent imports special prices for its own customers only" },
    ]);
    const moved = refused(sede, "customers", csv(dir, "c.csv", "code;name;agent;list\n000002;Bar Due;AG01;\n000003;Trattoria;AG02;\n"));
    expect(moved.problems).toMatchObject([
      { line: 2, column: "agent", message: "customer 000002 belongs to agent AG02, the file says AG01: an import does not move a customer to another agent" },
      { line: 3, column: "agent", message: "customer 000003 belongs to no agent, the file says AG02: an import does not move a customer to another agent" },
    ]);
  });

  it("an agent is refused the sede's kinds, naming the role", () => {
    const dir = tempDir();
    const agent = makeNode(dir, "agent", { role: "agent", agent: "AG01" });
    const file = csv(dir, "p.csv", "code;description;unit;vat\nP1;Uno;PZ;22\n");
    for (const kind of ["products", "prices", "customers"] as const) {
      let caught: unknown;
      try {
        importCsv(agent, kind, file);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(RefusedError);
      expect((caught as RefusedError).field).toBe("role");
      expect((caught as Error).message).toContain(`only the sede imports ${kind} (this node is agent AG01)`);
    }
  });
});
