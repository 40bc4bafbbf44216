import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { SegmentError } from "../../src/errors.js";
import { openBox } from "../../src/wire/box.js";
import { embeddedFtpArea, exec, type Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";
import { office } from "./attackSupport.js";

/** Every file under `dir`, recursively, relative paths. */
function allFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? allFiles(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/** Business data that must never be readable on the server: names, VAT numbers, prices, quantities as the files would hold them. */
const SECRETS = ["Bar Centrale", "Pizzeria Napoli", "Trattoria Lupo", "Gelateria Azzurra", "IT01234567890", "IT09876543210", "IT55566677788", "Torino", "8.90", "12.34", "7.77", "Olio 1 l", "Pasta 500 g"];

/** Every occurrence of a secret in the parking area, in the raw bytes and, where a file gunzips, in what it decompresses to. */
function hits(root: string): string[] {
  const found: string[] = [];
  for (const file of allFiles(root)) {
    const bytes = readFileSync(join(root, file));
    let inflated: Buffer | undefined;
    try {
      inflated = gunzipSync(bytes);
    } catch {
      inflated = undefined;
    }
    for (const s of SECRETS) {
      for (const enc of ["utf8", "utf16le", "latin1"] as const) {
        if (bytes.includes(Buffer.from(s, enc))) found.push(`${file}: ${s} (${enc})`);
      }
      if (inflated?.includes(Buffer.from(s, "utf8"))) found.push(`${file}: ${s} (gzip)`);
    }
  }
  return found;
}

async function busyOffice(net: Network): Promise<void> {
  const ag01 = net.agent("AG01");
  exec(net.sede, { kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "7.77" });
  exec(ag01, { kind: "AddCustomer", name: "Gelateria Azzurra", list: "BASE", vatNumber: "IT55566677788", city: "Torino" });
  exec(ag01, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "3", price: "12.34" }] });
  exec(net.agent("AG02"), { kind: "PlaceOrder", customer: "000002", lines: [{ product: "P002", qty: "9" }] });
  await net.round();
  exec(ag01, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P002", qty: "11" }] });
  await net.sync(ag01); // left on the server, unread
  await net.sync(net.sede, { snapshotEvery: 1 });
}

describe("eavesdropping on the parking area with the password", () => {
  it("finds no customer name, VAT number, city, price or product in any byte of any file (folder)", async () => {
    const net = await office(tempDir());
    await busyOffice(net);
    const files = allFiles(net.area.root);
    expect(files.filter((f) => f.endsWith(".seg")).length).toBeGreaterThan(1);
    expect(files.filter((f) => f.endsWith(".snap")).length).toBeGreaterThan(2);
    expect(files.filter((f) => f.endsWith(".ack")).length).toBeGreaterThan(2);
    // The secrets are really in the data the nodes hold and shipped.
    expect(net.sede.read.listCustomers().map((c) => c.name)).toEqual(expect.arrayContaining(["Bar Centrale", "Pizzeria Napoli", "Trattoria Lupo", "Gelateria Azzurra"]));
    expect(net.sede.read.listOrders().map((o) => o.lines[0]?.price)).toContain("12.34");
    expect(hits(net.area.root)).toEqual([]);
    // The search itself finds what a plain gzip segment (sincro before encryption) would show.
    const plain = tempDir();
    writeFileSync(join(plain, "0000000001.seg"), gzipSync(Buffer.from('{"name":"Bar Centrale","vatNumber":"IT01234567890","price":"8.90"}\n')));
    expect(hits(plain)).toEqual(["0000000001.seg: Bar Centrale (gzip)", "0000000001.seg: IT01234567890 (gzip)", "0000000001.seg: 8.90 (gzip)"]);
  });

  it("finds nothing over the embedded FTP server either", async () => {
    const area = await embeddedFtpArea();
    try {
      const net = await office(tempDir(), area);
      await busyOffice(net);
      expect(allFiles(area.root).length).toBeGreaterThan(8);
      expect(hits(area.root)).toEqual([]);
    } finally {
      await area.stop();
    }
  });

  it("enrolled AG02 cannot open any file of AG01's folders, nor those the sede writes for AG01; it opens the catalogue and its own", async () => {
    const net = await office(tempDir());
    await busyOffice(net);
    const ag02 = net.agent("AG02");
    const mine = ag02.keyring.own()!;
    // A nosy AG02 skips no check it could skip: it takes the real writer's key as trusted, and
    // tries its own key under its own name, then under AG01's name with AG01's public key.
    const refusals = (folder: string, as?: { node: string; boxPublic: string }) =>
      allFiles(join(net.area.root, folder)).map((name) => {
        const path = `${folder}/${name}`;
        const writer = folder.startsWith("SincroAg/") ? folder.split("/")[1]! : "SEDE";
        const signPublic = writer === "SEDE" ? net.sede.keyring.own()!.signPublic : net.sede.keyring.current(writer)!.signPublic;
        try {
          openBox(path, readFileSync(join(net.area.root, path)), { node: writer, signPublics: [signPublic] }, { node: as?.node ?? "AG02", boxPublic: as?.boxPublic ?? mine.boxPublic, boxPrivate: mine.boxPrivate });
          return `${name}: opened`;
        } catch (err) {
          if (!(err instanceof SegmentError)) throw err;
          return `${name}: ${err.code}`;
        }
      });
    const ag01Files = [...refusals("SincroAg/AG01"), ...refusals("SincroSede/AG01")];
    expect(ag01Files.length).toBeGreaterThan(3);
    expect(ag01Files.filter((r) => !r.endsWith(": NOT_FOR_US"))).toEqual([]);
    const asAg01 = { node: "AG01", boxPublic: net.sede.keyring.current("AG01")!.boxPublic };
    const posing = [...refusals("SincroAg/AG01", asAg01), ...refusals("SincroSede/AG01", asAg01)];
    expect(posing.length).toBe(ag01Files.length);
    expect(posing.filter((r) => !r.endsWith(": BAD_KEY"))).toEqual([]);
    expect(refusals("SincroSede/_ALL").filter((r) => !r.endsWith(": opened"))).toEqual([]);
    expect(refusals("SincroSede/AG02").filter((r) => !r.endsWith(": opened"))).toEqual([]);
  });
});
