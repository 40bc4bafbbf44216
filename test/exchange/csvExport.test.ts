import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exportCsv } from "../../src/exchange/csvExport.js";
import { importCsv } from "../../src/exchange/csvImport.js";
import { makeNode, run, seededSede } from "../support/nodes.js";
import { tempDir } from "../support/tempDir.js";

describe("export", () => {
  it("writes each kind with a header, ; and decimal points, and leaves no temporary file", () => {
    const dir = tempDir();
    const sede = seededSede(dir);
    run(
      sede,
      { kind: "AddProduct", code: "P003", description: "Sale; fino", vat: "10,5" },
      { kind: "DiscontinueProduct", code: "P003" },
      { kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "8,1", discounts: ["10", "5"] },
      { kind: "PlaceOrder", customer: "000001", agent: "AG01", date: "2026-03-02", lines: [{ product: "P001", qty: "6" }, { product: "P002", qty: "2,5", price: "1.10" }] },
    );
    const read = (kind: Parameters<typeof exportCsv>[1]) => {
      const file = join(dir, `${kind}.csv`);
      exportCsv(sede, kind, file);
      return readFileSync(file, "utf8");
    };
    expect(read("products")).toBe(
      'code;description;unit;vat;active\nP001;Olio 1 l;PZ;4;true\nP002;Pasta 500 g;PZ;4;true\nP003;"Sale; fino";PZ;10.5;false\n',
    );
    expect(read("prices")).toBe("list;product;price\nBASE;P001;8.90\nBASE;P002;1.20\n");
    expect(read("customers")).toBe("code;name;agent;list;vatNumber;city;origin\n000001;Bar Centrale;AG01;BASE;;;SEDE\n");
    expect(read("special-prices")).toBe("customer;product;price;discounts;origin\n000001;P001;8.10;10+5;SEDE\n");
    expect(read("orders")).toBe(
      "type;number;date;customer;agent;product;qty;price;origin;line;discounts;status;changed\n" +
        "SEDE;1;2026-03-02;000001;AG01;P001;6;8.10;SEDE;1;10+5;placed;\n" +
        "SEDE;1;2026-03-02;000001;AG01;P002;2.5;1.10;SEDE;2;;placed;\n",
    );
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
  });

  it("round trip: export, then import into a fresh sede, gives the same listings", () => {
    const dir = tempDir();
    const sede = seededSede(dir);
    run(
      sede,
      { kind: "AddProduct", code: "P003", description: 'Sale "fino"; 1 kg', unit: "KG", vat: "10" },
      { kind: "DiscontinueProduct", code: "P002" },
      { kind: "SetGenericPrice", list: "VIP", product: "P003", price: "0.4999" },
      { kind: "AddCustomer", name: "Trattoria", list: "VIP", city: "Napoli", vatNumber: "IT0123" },
      { kind: "SetSpecialPrice", customer: "000002", product: "P003", price: "0.45", discounts: ["2.5"] },
    );
    const fresh = makeNode(dir, "fresh", { role: "sede" });
    run(fresh, { kind: "RegisterAgent", code: "AG01", name: "Mario Rossi" });
    for (const kind of ["products", "prices", "customers", "special-prices"] as const) {
      const file = join(dir, `${kind}.csv`);
      exportCsv(sede, kind, file);
      importCsv(fresh, kind, file);
    }
    expect(fresh.read.listProducts()).toEqual(sede.read.listProducts());
    expect(fresh.read.listPrices()).toEqual(sede.read.listPrices());
    expect(fresh.read.listCustomers()).toEqual(sede.read.listCustomers());
    const strip = (rows: Array<{ hlc: string }>) => rows.map(({ hlc: _hlc, ...rest }) => rest);
    expect(strip(fresh.read.listSpecialPrices())).toEqual(strip(sede.read.listSpecialPrices()));
  });

  it("--decimal-comma and --separator write what an Italian ERP reads", () => {
    const dir = tempDir();
    const sede = seededSede(dir);
    run(
      sede,
      { kind: "AddProduct", code: "P003", description: "Sale, fino", vat: "10,5" },
      { kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "8,1", discounts: ["12.5", "5"] },
      { kind: "PlaceOrder", customer: "000001", agent: "AG01", date: "2026-03-02", lines: [{ product: "P002", qty: "2,5", price: "1.10" }] },
    );
    const read = (kind: Parameters<typeof exportCsv>[1], options: Parameters<typeof exportCsv>[3]) => {
      const file = join(dir, `${kind}.csv`);
      exportCsv(sede, kind, file, options);
      return readFileSync(file, "utf8");
    };
    expect(read("products", { decimalComma: true })).toBe("code;description;unit;vat;active\nP001;Olio 1 l;PZ;4;true\nP002;Pasta 500 g;PZ;4;true\nP003;Sale, fino;PZ;10,5;true\n");
    expect(read("prices", { decimalComma: true, separator: "," })).toBe('list,product,price\nBASE,P001,"8,90"\nBASE,P002,"1,20"\n');
    expect(read("special-prices", { decimalComma: true, separator: "\t" })).toBe("customer\tproduct\tprice\tdiscounts\torigin\n000001\tP001\t8,10\t12,5+5\tSEDE\n");
    expect(read("orders", { decimalComma: true })).toBe(
      "type;number;date;customer;agent;product;qty;price;origin;line;discounts;status;changed\nSEDE;1;2026-03-02;000001;AG01;P002;2,5;1,10;SEDE;1;;placed;\n",
    );
    expect(read("customers", { separator: "," })).toBe("code,name,agent,list,vatNumber,city,origin\n000001,Bar Centrale,AG01,BASE,,,SEDE\n");
  });

  it.each([
    [";", true],
    [",", true],
    ["\t", true],
    [",", false],
    ["\t", false],
  ] as const)("round trip with separator %j and decimal comma %s gives the same listings", (separator, decimalComma) => {
    const dir = tempDir();
    const sede = seededSede(dir);
    run(
      sede,
      { kind: "AddProduct", code: "P003", description: "Sale, fino; 1 kg", unit: "KG", vat: "10,5" },
      { kind: "SetGenericPrice", list: "VIP", product: "P003", price: "1234.5" },
      { kind: "SetGenericPrice", list: "VIP", product: "P001", price: "1.234" },
      { kind: "SetGenericPrice", list: "VIP", product: "P002", price: "0.4999" },
      { kind: "AddCustomer", name: "Trattoria, Da Gino", list: "VIP", city: "Forlì", vatNumber: "IT0123" },
      { kind: "SetSpecialPrice", customer: "000002", product: "P003", price: "1250", discounts: ["2.5", "10"] },
    );
    const fresh = makeNode(dir, "fresh", { role: "sede" });
    run(fresh, { kind: "RegisterAgent", code: "AG01", name: "Mario Rossi" });
    for (const kind of ["products", "prices", "customers", "special-prices"] as const) {
      const file = join(dir, `${kind}.csv`);
      exportCsv(sede, kind, file, { separator, decimalComma });
      importCsv(fresh, kind, file);
    }
    expect(fresh.read.listProducts()).toEqual(sede.read.listProducts());
    expect(fresh.read.listPrices()).toEqual(sede.read.listPrices());
    expect(fresh.read.genericPrice("VIP", "P001")).toBe("1.234");
    expect(fresh.read.listCustomers()).toEqual(sede.read.listCustomers());
    const strip = (rows: Array<{ hlc: string }>) => rows.map(({ hlc: _hlc, ...rest }) => rest);
    expect(strip(fresh.read.listSpecialPrices())).toEqual(strip(sede.read.listSpecialPrices()));
  });
});
