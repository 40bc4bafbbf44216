import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { enrollAgent, eventCount, sincro, sincroOk } from "../support/cli.js";
import { tempDir } from "../support/tempDir.js";

const ok = sincroOk;

/** A sede with agent AG01, and the ERP's four files beside it. */
function setup(): { dir: string; sede: string; file: (name: string, text: string) => string } {
  const dir = tempDir();
  const sede = join(dir, "sede.db");
  ok(["--db", sede, "init", "--role", "sede"]);
  ok(["--db", sede, "agent", "add", "AG01", "--name", "Mario Rossi"]);
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  return { dir, sede, file };
}

const PRODUCTS = '\uFEFFcode;description;unit;vat\nP001;"Olio; extra 1 l";PZ;4\nP002;Pasta 500 g;PZ;"4,0"\n';
const PRICES = 'list,product,price\nBASE,P001,"8,90"\nBASE,P002,1.20\n';
const CUSTOMERS = "code;name;agent;list;vatNumber;city\n000010;Bar Centrale;AG01;BASE;IT123;Roma\n000011;Trattoria;;;;\n";
const SPECIAL = "customer;product;price;discounts\n000010;P001;8,10;10+5\n";

describe("sincro import / export", () => {
  it("imports the four kinds, prints a summary, and records nothing the second time", () => {
    const { sede, file } = setup();
    expect(ok(["--db", sede, "import", "products", file("p.csv", PRODUCTS)])).toMatch(
      /^import products .*p\.csv: 2 rows: 2 new, 0 changed, 0 unchanged, 0 removed; recorded 2 events\n$/,
    );
    ok(["--db", sede, "import", "prices", file("pr.csv", PRICES)]);
    ok(["--db", sede, "import", "customers", file("c.csv", CUSTOMERS)]);
    ok(["--db", sede, "import", "special-prices", file("s.csv", SPECIAL)]);
    const count = eventCount(sede);
    for (const [kind, name, rows] of [["products", "p.csv", 2], ["prices", "pr.csv", 2], ["customers", "c.csv", 2], ["special-prices", "s.csv", 1]] as const) {
      const summary = JSON.parse(ok(["--db", sede, "import", kind, join(dirname(sede), name), "--json"])) as Record<string, unknown>;
      expect(summary).toMatchObject({ rows, new: 0, changed: 0, unchanged: rows, events: 0 });
    }
    expect(eventCount(sede)).toBe(count);
  });

  it("a refused file exits 1 with line and column, and the log is unchanged", () => {
    const { sede, file } = setup();
    ok(["--db", sede, "import", "products", file("p.csv", PRODUCTS)]);
    const count = eventCount(sede);
    const r = sincro(["--db", sede, "import", "prices", file("bad.csv", 'list;product;price\nBASE;P001;9\nBASE;P002;"12,5,0"\nBASE;P404;1\n')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("2 problems, nothing was imported");
    expect(r.stderr).toContain('import prices line 3, column price: price "12,5,0" is not a decimal number');
    expect(r.stderr).toContain("import prices line 4, column product: product P404 does not exist");
    expect(eventCount(sede)).toBe(count);
  });

  it("--dry-run reports the changes and writes nothing; --remove-missing removes", () => {
    const { sede, file } = setup();
    ok(["--db", sede, "import", "products", file("p.csv", PRODUCTS)]);
    const count = eventCount(sede);
    const one = file("one.csv", "code;description;unit;vat\nP001;Olio extra 1 l;PZ;4\n");
    expect(ok(["--db", sede, "import", "products", one, "--dry-run", "--remove-missing"])).toContain(
      "(dry run, nothing written): 1 rows: 0 new, 1 changed, 0 unchanged, 1 removed; would record 2 events",
    );
    expect(eventCount(sede)).toBe(count);
    ok(["--db", sede, "import", "products", one, "--remove-missing"]);
    expect(eventCount(sede)).toBe(count + 2);
    const products = JSON.parse(ok(["--db", sede, "product", "list", "--json"])) as Array<{ code: string; active: boolean }>;
    expect(products.map((p) => [p.code, p.active])).toEqual([
      ["P001", true],
      ["P002", false],
    ]);
  });

  it("an agent is refused the sede's kinds, and special prices for customers it does not hold", () => {
    const { dir, sede, file } = setup();
    const agent = join(dir, "agent.db");
    enrollAgent(sede, agent, "AG01");
    const before = eventCount(agent);
    const r = sincro(["--db", agent, "import", "products", file("p.csv", PRODUCTS)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("import products: only the office imports products (this PC is agent AG01)");
    expect(eventCount(agent)).toBe(before);
    ok(["--db", sede, "import", "products", file("p.csv", PRODUCTS)]);
    const missing = sincro(["--db", agent, "import", "special-prices", file("s.csv", SPECIAL)]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("import special-prices line 2, column customer: customer 000010 does not exist");
  });

  it("unknown kinds are usage errors that list the known ones", () => {
    const { sede, dir } = setup();
    const exp = sincro(["--db", sede, "export", "invoices", "--out", join(dir, "x")]);
    expect(exp.status).toBe(2);
    expect(exp.stderr).toContain("export invoices: unknown kind; known kinds: products, prices, customers, special-prices, orders");
    const imp = sincro(["--db", sede, "import", "agents", join(dir, "x")]);
    expect(imp.status).toBe(2);
    expect(imp.stderr).toContain("known kinds: products, prices, customers, special-prices");
  });

  it("round trip: export from one sede, import into a fresh one, same list --json", () => {
    const { dir, sede, file } = setup();
    ok(["--db", sede, "import", "products", file("p.csv", PRODUCTS)]);
    ok(["--db", sede, "import", "prices", file("pr.csv", PRICES)]);
    ok(["--db", sede, "import", "customers", file("c.csv", CUSTOMERS)]);
    ok(["--db", sede, "import", "special-prices", file("s.csv", SPECIAL)]);
    ok(["--db", sede, "product", "discontinue", "P002"]);
    ok(["--db", sede, "order", "add", "--customer", "000010", "--line", "P001:6", "--agent", "AG01", "--date", "2026-03-02"]);
    const fresh = join(dir, "fresh.db");
    ok(["--db", fresh, "init", "--role", "sede"]);
    ok(["--db", fresh, "agent", "add", "AG01", "--name", "Mario Rossi"]);
    for (const kind of ["products", "prices", "customers", "special-prices"]) {
      const out = join(dir, `${kind}.out.csv`);
      expect(ok(["--db", sede, "export", kind, "--out", out])).toMatch(new RegExp(`^exported \\d+ ${kind} rows to `));
      ok(["--db", fresh, "import", kind, out]);
    }
    for (const listing of ["product", "price", "customer"]) {
      expect(ok(["--db", fresh, listing, "list", "--json"])).toBe(ok(["--db", sede, listing, "list", "--json"]));
    }
    const special = (db: string) =>
      (JSON.parse(ok(["--db", db, "special-price", "list", "--json"])) as Array<Record<string, unknown>>).map(({ hlc: _hlc, ...rest }) => rest);
    expect(special(fresh)).toEqual(special(sede));
    const orders = join(dir, "orders.csv");
    ok(["--db", sede, "export", "orders", "--out", orders]);
    expect(readFileSync(orders, "utf8")).toBe(
      "type;number;date;customer;agent;product;qty;price;origin;line;discounts;status;changed\nSEDE;1;2026-03-02;000010;AG01;P001;6;8.10;SEDE;1;10+5;placed;\n",
    );
    expect(existsSync(join(dir, ".orders.csv.tmp"))).toBe(false);
    // About 25 runs of the real binary.
  }, 180_000);
});
