import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { BIN, eventCount, sincro, sincroOk } from "../support/cli.js";
import { tempDir } from "../support/tempDir.js";

const ok = sincroOk;

function sede(): { dir: string; db: string; file: (name: string, content: string | Buffer) => string } {
  const dir = tempDir();
  const db = join(dir, "sede.db");
  ok(["--db", db, "init", "--role", "sede"]);
  ok(["--db", db, "agent", "add", "AG01", "--name", "Mario Rossi"]);
  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  return { dir, db, file };
}

describe("sincro import: the ERP's files as they are", () => {
  it("Italian headers, Windows-1252, thousands separators and --map", () => {
    const { db, file } = sede();
    const products = iconv.encode("Codice articolo;Descrizione;U.M.;Aliquota IVA\r\nP001;Caffè in grani 1 kg;KG;22\r\n", "windows-1252");
    expect(ok(["--db", db, "import", "products", file("p.csv", products)])).toMatch(
      /^import products .*p\.csv \(read as Windows-1252\): 1 rows: 1 new, 0 changed, 0 unchanged, 0 removed; recorded 1 events\n$/,
    );
    ok(["--db", db, "import", "prices", file("pr.csv", "Cod. listino;Cod. art.;Importo\nBASE;P001;1.234,50\n"), "--map", "Cod. listino=list", "--map", "cod art=product", "--map", "Importo=price"]);
    expect(JSON.parse(ok(["--db", db, "product", "list", "--json"]))).toEqual([{ code: "P001", description: "Caffè in grani 1 kg", unit: "KG", vat: "22", active: true }]);
    expect(JSON.parse(ok(["--db", db, "price", "list", "--json"]))).toEqual([{ list: "BASE", product: "P001", price: "1234.50" }]);
  });

  it("--encoding utf8 on a Windows-1252 file refuses the cell; an unknown encoding is a usage error", () => {
    const { db, file } = sede();
    const p = file("p.csv", Buffer.from([...Buffer.from("code;description;unit;vat\nP1;Tazza caff"), 0xe8, ...Buffer.from(";PZ;22\n")]));
    const r = sincro(["--db", db, "import", "products", p, "--encoding", "utf8"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("import products line 2, column description: is not valid UTF-8 text; save the file as UTF-8, or read it with --encoding windows-1252");
    const bad = sincro(["--db", db, "import", "products", p, "--encoding", "latin1"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("argument 'latin1' is invalid. Allowed choices are utf8, windows-1252.");
  });

  it("export --separator tab --decimal-comma imports back into a fresh sede unchanged", () => {
    const { dir, db, file } = sede();
    ok(["--db", db, "import", "products", file("p.csv", "codice;descrizione;um;iva\nP001;Olio, extra 1 l;LT;4\nP002;Sale;KG;10,5\n")]);
    ok(["--db", db, "import", "prices", file("pr.csv", "listino;articolo;prezzo\nBASE;P001;1.234,5\nBASE;P002;0,4999\n")]);
    ok(["--db", db, "import", "customers", file("c.csv", "codice cliente;ragione sociale;agente;listino;città\n000010;Bar Centrale;AG01;BASE;Forlì\n")]);
    ok(["--db", db, "import", "special-prices", file("s.csv", "cliente;articolo;prezzo;sconti\n000010;P001;1.100;12,5+5\n")]);
    const prices = join(dir, "prices.out.csv");
    ok(["--db", db, "export", "prices", "--out", prices, "--separator", "tab", "--decimal-comma"]);
    expect(readFileSync(prices, "utf8")).toBe("list\tproduct\tprice\nBASE\tP001\t1234,50\nBASE\tP002\t0,4999\n");
    const fresh = join(dir, "fresh.db");
    ok(["--db", fresh, "init", "--role", "sede"]);
    ok(["--db", fresh, "agent", "add", "AG01", "--name", "Mario Rossi"]);
    for (const kind of ["products", "prices", "customers", "special-prices"]) {
      const out = join(dir, `${kind}.tab.csv`);
      ok(["--db", db, "export", kind, "--out", out, "--separator", "tab", "--decimal-comma"]);
      ok(["--db", fresh, "import", kind, out]);
    }
    for (const listing of ["product", "price", "customer"]) {
      expect(ok(["--db", fresh, listing, "list", "--json"])).toBe(ok(["--db", db, listing, "list", "--json"]));
    }
    const special = (at: string) =>
      (JSON.parse(ok(["--db", at, "special-price", "list", "--json"])) as Array<Record<string, unknown>>).map(({ hlc: _hlc, ...rest }) => rest);
    expect(special(fresh)).toEqual([{ customer: "000010", product: "P001", price: "1100.00", discounts: ["12.5", "5"], origin: "SEDE" }]);
    expect(special(fresh)).toEqual(special(db));
    const log = sincro(["--db", db, "export", "log", "--out", join(dir, "log.gz"), "--decimal-comma"]);
    expect(log.status).toBe(2);
    expect(log.stderr).toContain("export log: --separator and --decimal-comma apply to the CSV kinds; the log is NDJSON");
  }, 120_000);
});

describe("--json errors: one JSON object on stderr, exit codes unchanged", () => {
  it("a refused import: code, message, field and the problems with line and column; nothing written", () => {
    const { db, file } = sede();
    ok(["--db", db, "import", "products", file("p.csv", "code;description;unit;vat\nP001;Olio;PZ;4\n")]);
    const before = eventCount(db);
    const r = sincro(["--db", db, "import", "prices", file("pr.csv", "listino;articolo;prezzo\nBASE;P001;1.234\nBASE;P404;8,90\n"), "--json"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.endsWith("\n")).toBe(true);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    const err = JSON.parse(r.stderr) as Record<string, unknown>;
    expect(err).toEqual({
      code: "IMPORT_REFUSED",
      message: expect.stringContaining("2 problems, nothing was imported"),
      field: "file",
      total: 2,
      // Line 3's number is read (and shows the decimal comma) before its product is looked up.
      problems: [
        {
          line: 2,
          column: "price",
          header: "prezzo",
          message: '"1.234" is ambiguous: line 3 writes decimals with a comma ("8,90"), so this dot may group thousands; write 1234 or 1,234',
        },
        { line: 3, column: "product", header: "articolo", message: "product P404 does not exist" },
      ],
    });
    expect(eventCount(db)).toBe(before);
  });

  it("a refused command, a bad --map and a usage error", () => {
    const { db, file } = sede();
    const refused = sincro(["--db", db, "import", "products", file("p.csv", "code;description;unit;vat\n"), "--map", "x=prezzo", "--json"]);
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stderr)).toEqual({
      code: "BAD_MAP",
      message: 'import products: --map x=prezzo: a products file has no field "prezzo"; its fields are code, description, unit, vat, active',
      field: "map",
    });
    const usage = sincro(["--db", db, "product", "list", "--json", "--colour"]);
    expect(usage.status).toBe(2);
    expect(JSON.parse(usage.stderr)).toEqual({ code: "USAGE", message: "unknown option '--colour'" });
    const plain = sincro(["--db", db, "product", "list", "--colour"]);
    expect(plain.status).toBe(2);
    expect(plain.stderr).toContain("error: unknown option '--colour'");
  });
});

describe("a closed pipe", () => {
  it("sincro product list with its stdout closed early ends quietly, exit 0", async () => {
    const { db, file } = sede();
    const rows = Array.from({ length: 3000 }, (_, i) => `P${i};Prodotto numero ${i}, descrizione lunga;PZ;22`);
    ok(["--db", db, "import", "products", file("p.csv", `code;description;unit;vat\n${rows.join("\n")}\n`)]);
    for (const args of [["product", "list"], ["product", "list", "--json"]]) {
      const r = await new Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, "--db", db, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        // The reader goes away before sincro writes its first line, as `| head -1` does after the first.
        child.stdout.destroy();
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        child.on("error", reject);
        child.on("close", (status, signal) => resolve({ status, signal, stderr }));
      });
      expect(r).toEqual({ status: 0, signal: null, stderr: "" });
    }
  });

  it("| head -1 prints the first line and nothing on stderr", () => {
    const { db, file } = sede();
    const rows = Array.from({ length: 3000 }, (_, i) => `P${i};Prodotto numero ${i}, descrizione lunga;PZ;22`);
    ok(["--db", db, "import", "products", file("p.csv", `code;description;unit;vat\n${rows.join("\n")}\n`)]);
    const r = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${BIN}" --db "${db}" product list | head -1`], {
      encoding: "utf8",
      env: { ...process.env, LC_ALL: "", LC_MESSAGES: "", LANG: "en_US.UTF-8" },
    });
    // Codes up to P2999 (5 wide), descriptions up to "Prodotto numero 2999, descrizione lunga" (39 wide).
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: `code   description${" ".repeat(30)}unit  VAT %  active\n`, stderr: "" });
  });
});
