import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SegmentError } from "../../src/errors.js";
import { exec } from "../support/network.js";
import { enroll, makeNode } from "../support/nodes.js";
import { tempDir } from "../support/tempDir.js";
import { holdings, office, otherStreamsStillSync, parkedNames } from "./attackSupport.js";

const ordersAtSede = (net: Awaited<ReturnType<typeof office>>) => net.sede.read.listOrders().map((o) => `${o.type}/${o.number}:${o.lines[0]?.qty}`);

function openFails(open: () => unknown): string {
  try {
    open();
  } catch (err) {
    if (err instanceof SegmentError) return err.code;
    throw err;
  }
  return "opened";
}

describe("a retired agent (sede.retire('AG02'), then the sede syncs)", () => {
  it("what it had parked is received; its uploads afterwards are not; the others sync", async () => {
    const net = await office(tempDir());
    const ag02 = net.agent("AG02");
    exec(ag02, { kind: "PlaceOrder", customer: "000002", lines: [{ product: "P001", qty: "4" }] });
    await net.sync(ag02);
    net.sede.retire("AG02");
    await net.sync(net.sede);
    expect(ordersAtSede(net)).toEqual(["AG02/1:4"]);
    expect(net.sede.keyring.isRetired("AG02")).toBe(true);
    // The retired PC keeps recording and uploading.
    exec(ag02, { kind: "PlaceOrder", customer: "000002", lines: [{ product: "P001", qty: "40" }] });
    exec(ag02, { kind: "AddCustomer", name: "Cliente fantasma", list: "BASE" });
    await net.sync(ag02);
    expect(parkedNames(net, "SincroAg/AG02").length).toBeGreaterThan(0);
    const before = holdings(net.sede);
    const r = await net.sync(net.sede);
    expect(r.errors).toEqual([]);
    expect(holdings(net.sede)).toEqual(before);
    expect(ordersAtSede(net)).toEqual(["AG02/1:4"]);
    expect(net.sede.read.listCustomers().map((c) => c.name)).not.toContain("Cliente fantasma");
    await otherStreamsStillSync(net, { ag02: true });
    expect(ordersAtSede(net)).toEqual(["AG01/1:3", "AG02/1:4"]);
  });

  it("nothing the sede publishes after the retirement opens with its keys, nor what was still parked for it", async () => {
    const net = await office(tempDir());
    const ag02 = net.agent("AG02");
    net.sede.retire("AG02");
    await net.sync(net.sede);
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9.90" }, { kind: "AddCustomer", name: "Nuovo Bar", agent: "AG01", list: "BASE", vatNumber: "IT11122233344" });
    await net.sync(net.sede);
    const catalogue = readdirSync(join(net.area.root, "SincroSede/_ALL")).filter((n) => n.endsWith(".seg") || n.endsWith(".snap"));
    expect(catalogue.length).toBeGreaterThan(0);
    for (const name of catalogue) {
      expect(openFails(() => net.opened(ag02, `SincroSede/_ALL/${name}`))).toBe("NOT_FOR_US");
      expect(openFails(() => net.opened(net.agent("AG01"), `SincroSede/_ALL/${name}`))).toBe("opened");
    }
    const before = holdings(ag02);
    const r = await net.sync(ag02);
    expect(r.errors.join("\n")).toMatch(/SEDE>\* stopped: read SincroSede\/_ALL\/\d{10}\.(seg|snap): not encrypted for AG02's key/);
    expect(holdings(ag02)).toEqual(before);
    expect(ag02.read.listPrices().find((p) => p.product === "P001")?.price).toBe("8.90");
    await net.sync(net.agent("AG01"));
    expect(net.agent("AG01").read.listPrices().find((p) => p.product === "P001")?.price).toBe("9.90");
  });
});

describe("a retired agent whose last upload was damaged on the server (the attacker holds the password)", () => {
  it("the office waits for that file, reads it once it is whole again, and nothing the PC wrote after the retirement", async () => {
    const net = await office(tempDir());
    const ag02 = net.agent("AG02");
    exec(ag02, { kind: "PlaceOrder", customer: "000002", lines: [{ product: "P001", qty: "4" }] });
    await net.sync(ag02);
    const last = parkedNames(net, "SincroAg/AG02").filter((n) => n.endsWith(".seg")).sort().at(-1) as string;
    const next = `${String(Number(last.slice(0, 10)) + 1).padStart(10, "0")}.seg`;
    const seg1 = join(net.area.root, "SincroAg/AG02", last);
    const whole = readFileSync(seg1);
    writeFileSync(seg1, whole.subarray(0, 100));
    net.sede.retire("AG02");
    const blocked = await net.sync(net.sede);
    expect(blocked.errors).toEqual([expect.stringMatching(new RegExp(`^AG02>SEDE stopped: read SincroAg/AG02/${last.replace(".", "\\.")}: `))]);
    expect(blocked.warnings).toContainEqual(expect.stringMatching(/^agent AG02 is retired, but its last upload could not be read \(.*\); its folder SincroAg\/AG02 is kept, and read again at the next sync$/));
    expect(ordersAtSede(net)).toEqual([]);
    expect([net.sede.keyring.isRetiring("AG02"), net.sede.keyring.isRetired("AG02")]).toEqual([true, false]);
    // The retired PC keeps recording and uploads the next segment, after what was in transit.
    exec(ag02, { kind: "PlaceOrder", customer: "000002", lines: [{ product: "P001", qty: "40" }] });
    exec(ag02, { kind: "AddCustomer", name: "Cliente fantasma", list: "BASE" });
    await net.sync(ag02);
    expect(parkedNames(net, "SincroAg/AG02")).toContain(next);
    // The damaged file is put back (by the provider, or by the attacker itself).
    writeFileSync(seg1, whole);
    const read = await net.sync(net.sede);
    expect(read.errors).toEqual([]);
    expect(read.warnings.filter((w) => w.includes("AG02"))).toEqual([]);
    expect(ordersAtSede(net)).toEqual(["AG02/1:4"]);
    expect(net.sede.read.listCustomers().map((c) => c.name)).not.toContain("Cliente fantasma");
    expect(net.sede.keyring.isRetired("AG02")).toBe(true);
    expect(parkedNames(net, "SincroAg/AG02")).toEqual([]);
    await otherStreamsStillSync(net, { ag02: true });
  });
});

/** The sede's report of a file signed with AG01's revoked key. */
const revoked = (name: string) =>
  expect.stringMatching(new RegExp(`^AG01>SEDE stopped: read SincroAg/AG01/${name}: signed with key [0-9a-f]{16}, not a key trusted for AG01 \\(forged, or from a PC whose keys were revoked\\)$`));

describe("a retired agent whose retirement waits on its last upload", () => {
  // Folder seed 951000180, run 2728: the retired agent had left a resend request for a file of
  // its own folder it found damaged, and while its retirement waited the office uploaded that
  // file again at every sync.
  it("gets nothing written for it: a resend request it left is not answered", async () => {
    const net = await office(tempDir());
    const ag02 = net.agent("AG02");
    exec(net.sede, { kind: "SetSpecialPrice", customer: "000002", product: "P001", price: "7.00" });
    await net.sync(net.sede);
    const forAg02 = parkedNames(net, "SincroSede/AG02").filter((n) => /\.(seg|snap)$/.test(n)).sort().at(-1) as string;
    const sedeFile = join(net.area.root, "SincroSede/AG02", forAg02);
    writeFileSync(sedeFile, readFileSync(sedeFile).subarray(0, 100));
    exec(ag02, { kind: "PlaceOrder", customer: "000002", lines: [{ product: "P001", qty: "4" }] });
    const asked = await net.sync(ag02);
    expect(asked.errors).toEqual([expect.stringMatching(new RegExp(`^SEDE>AG02 stopped: read SincroSede/AG02/${forAg02.replace(".", "\\.")}: `))]);
    expect(readdirSync(join(net.area.root, "SincroAg/AG02"))).toContain("AG02.resend");
    const last = parkedNames(net, "SincroAg/AG02").filter((n) => n.endsWith(".seg")).sort().at(-1) as string;
    writeFileSync(join(net.area.root, "SincroAg/AG02", last), Buffer.from("cut"));
    net.sede.retire("AG02");
    const seen: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await net.sync(net.sede);
      expect(r.warnings).toContainEqual(expect.stringMatching(/^agent AG02 is retired, but its last upload could not be read/));
      expect(r.warnings.filter((w) => w.includes("uploaded again"))).toEqual([]);
      seen.push(readFileSync(sedeFile));
    }
    // Written again once, for the office alone (its readers changed); not at every sync.
    expect(seen[1]).toEqual(seen[0]);
    await otherStreamsStillSync(net, { ag02: true });
  });
});

describe("a cloned PC after re-enrollment (AG01's old PC keeps a copy of its keys; the office enrolls a new PC)", () => {
  // Folder seed 951000080, run 568: the new PC's first sync was stopped by the attacker's file, so
  // it wrote no receipt yet, and a day later the office warned of a forgery about the old PC's.
  it("the old PC's receipts left in its folder are read as absent, without a warning of forgery, while the new PC has written none", async () => {
    const net = await office(tempDir());
    const dir = join(net.dir, "new-pc");
    mkdirSync(dir);
    enroll(net.sede, makeNode(dir, "AG01", { role: "agent", agent: "AG01" }, net.clock.now));
    await net.sync(net.sede); // the old PC's keys are revoked at the end of this sync
    expect(parkedNames(net, "SincroAg/AG01", ".ack").length).toBeGreaterThan(0);
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9.10" });
    await net.sync(net.sede);
    await net.sync(net.agent("AG02"));
    net.clock.set(net.clock.peek() + 25 * 3_600_000); // a day later the office reads every folder, AG01's too
    const r = await net.sync(net.sede);
    expect(r.errors).toEqual([]);
    expect(r.warnings.filter((w) => w.includes("SincroAg/AG01/"))).toEqual([]);
  });

  it("the old PC's uploads after the sede's next sync are refused naming the file; the new PC carries on and its orders arrive", async () => {
    const net = await office(tempDir());
    const old = net.agent("AG01");
    const dir = join(net.dir, "new-pc");
    mkdirSync(dir);
    const pc = makeNode(dir, "AG01", { role: "agent", agent: "AG01" }, net.clock.now);
    enroll(net.sede, pc);
    await net.sync(net.sede); // the old PC's keys are revoked at the end of this sync
    exec(old, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "66" }] });
    await net.sync(old);
    const uploaded = parkedNames(net, "SincroAg/AG01").at(-1) as string;
    const before = holdings(net.sede);
    const r = await net.sync(net.sede);
    expect(r.errors).toEqual([revoked(uploaded)]);
    expect(holdings(net.sede)).toEqual(before);
    expect(ordersAtSede(net)).toEqual([]);
    // The new PC syncs, records an order; it reaches the sede, and the clone's never does.
    net.agents.set("AG01", pc);
    await net.sync(pc);
    exec(pc, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "5" }] });
    await net.sync(pc);
    await net.sync(net.sede);
    expect(ordersAtSede(net)).toEqual(["AG01/1:5"]);
    const again = await net.sync(net.sede);
    expect(again.errors).toEqual([]);
    // The clone uploads again: refused again; the new PC's next upload takes that name, and arrives.
    exec(old, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "67" }] });
    await net.sync(old);
    const second = parkedNames(net, "SincroAg/AG01").at(-1) as string;
    const refused = await net.sync(net.sede);
    expect(refused.errors).toEqual([revoked(second)]);
    expect(ordersAtSede(net)).toEqual(["AG01/1:5"]);
    exec(pc, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P002", qty: "6" }] });
    await net.sync(pc);
    const last = await net.sync(net.sede);
    expect(last.errors).toEqual([]);
    expect(ordersAtSede(net)).toEqual(["AG01/1:5", "AG01/2:6"]);
  });
});
