import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec, type Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";
import { cursorOf, holdings, office, otherStreamsStillSync, parkedNames, segName } from "./attackSupport.js";

const AG01_FOLDER = "SincroAg/AG01";
const ordersAtSede = (net: Network) => net.sede.read.listOrders().map((o) => `${o.type}/${o.number}:${o.lines[0]?.qty}`);

/** AG01 places an order and syncs; returns the name and bytes of the segment it uploaded. */
async function orderUploaded(net: Network, qty: string): Promise<{ name: string; bytes: Buffer }> {
  const ag01 = net.agent("AG01");
  const before = new Set(parkedNames(net, AG01_FOLDER));
  exec(ag01, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty }] });
  await net.sync(ag01);
  const name = parkedNames(net, AG01_FOLDER).find((n) => !before.has(n)) as string;
  return { name, bytes: readFileSync(join(net.area.root, AG01_FOLDER, name)) };
}

describe("a replayed segment (an old, validly signed file put back after it was applied and pruned)", () => {
  it("of AG01's stream is ignored by the sede: no error, nothing applied twice", async () => {
    const net = await office(tempDir());
    const first = await orderUploaded(net, "1");
    await net.sync(net.sede);
    await net.sync(net.agent("AG01")); // pruned
    expect(existsSync(join(net.area.root, AG01_FOLDER, first.name))).toBe(false);
    writeFileSync(join(net.area.root, AG01_FOLDER, first.name), first.bytes);
    const before = holdings(net.sede);
    const r = await net.sync(net.sede);
    expect(r.errors).toEqual([]);
    expect(r.received.events).toBe(0);
    expect(holdings(net.sede)).toEqual(before);
    expect(ordersAtSede(net)).toEqual(["AG01/1:1"]);
    await otherStreamsStillSync(net);
    expect(ordersAtSede(net)).toEqual(["AG01/1:1", "AG01/2:3", "AG02/1:7"]);
  });

  it("of the catalogue is ignored by an agent past it, and an old snapshot put back does not roll its prices back", async () => {
    const net = await office(tempDir());
    const ALL = "SincroSede/_ALL";
    const oldSnapshot = parkedNames(net, ALL, ".snap").at(-1) as string;
    const oldBytes = readFileSync(join(net.area.root, ALL, oldSnapshot));
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9.10" });
    await net.sync(net.sede, { snapshotEvery: 1 });
    const segment = parkedNames(net, ALL).at(-1) as string;
    const segmentBytes = readFileSync(join(net.area.root, ALL, segment));
    for (const a of ["AG01", "AG02"]) await net.sync(net.agent(a));
    await net.sync(net.sede, { snapshotEvery: 1 });
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9.20" });
    await net.sync(net.sede, { snapshotEvery: 1 });
    for (const a of ["AG01", "AG02"]) await net.sync(net.agent(a));
    await net.sync(net.sede, { snapshotEvery: 1 });
    expect(existsSync(join(net.area.root, ALL, oldSnapshot))).toBe(false);
    writeFileSync(join(net.area.root, ALL, oldSnapshot), oldBytes);
    writeFileSync(join(net.area.root, ALL, segment), segmentBytes);
    const ag01 = net.agent("AG01");
    const before = holdings(ag01);
    const r = await net.sync(ag01);
    expect(r.errors).toEqual([]);
    expect(holdings(ag01)).toEqual(before);
    expect(ag01.read.listPrices().map((p) => `${p.product}=${p.price}`)).toEqual(["P001=9.20", "P002=1.20"]);
  });
});

describe("a rolled-back segment (a newer one replaced with an older signed one)", () => {
  it("AG01's unread segment replaced by its earlier one: refused as moved from another name; resent from AG01's sealed copy, no order lost", async () => {
    const net = await office(tempDir());
    const first = await orderUploaded(net, "1");
    const second = await orderUploaded(net, "2");
    writeFileSync(join(net.area.root, AG01_FOLDER, second.name), first.bytes);
    const before = holdings(net.sede);
    const r = await net.sync(net.sede);
    const path = `${AG01_FOLDER}/${second.name}`;
    expect(r.errors).toEqual([`AG01>SEDE stopped: read ${path}: signature of AG01 does not verify (altered, forged, or moved here from another name)`]);
    // The first order, in the segment before, was applied; the rolled-back one was not applied at all.
    expect(ordersAtSede(net)).toEqual(["AG01/1:1"]);
    expect(holdings(net.sede).events).toBe(before.events + 1);
    const resent = await net.sync(net.agent("AG01"));
    expect(resent.warnings).toContain(`${path}: uploaded again from the sealed copy, as SEDE found it damaged`);
    expect(readFileSync(join(net.area.root, path)).equals(second.bytes)).toBe(true);
    const applied = await net.sync(net.sede);
    expect(applied.errors).toEqual([]);
    expect(ordersAtSede(net)).toEqual(["AG01/1:1", "AG01/2:2"]);
  });

  it("enrolled AG02 copies a segment the sede wrote for it into AG01's folder: refused, AG01's data unchanged", async () => {
    const net = await office(tempDir());
    const ag01 = net.agent("AG01");
    exec(net.sede, { kind: "SetSpecialPrice", customer: "000002", product: "P001", price: "0.50" });
    await net.sync(net.sede);
    const ag02Segment = parkedNames(net, "SincroSede/AG02").at(-1) as string;
    const ag01Next = segName(cursorOf(ag01, "SEDE>AG01").segment + 1);
    const target = `SincroSede/AG01/${ag01Next}`;
    writeFileSync(join(net.area.root, target), readFileSync(join(net.area.root, "SincroSede/AG02", ag02Segment)));
    const before = holdings(ag01);
    const r = await net.sync(ag01);
    expect(r.errors).toEqual([`SEDE>AG01 stopped: read ${target}: signature of SEDE does not verify (altered, forged, or moved here from another name)`]);
    expect(holdings(ag01)).toEqual(before);
    await otherStreamsStillSync(net);
  });
});

describe("a deleted unread segment (AG01 uploaded 2 segments; the first is deleted before the sede reads it)", () => {
  it("the sede's stream waits and reports the gap naming the file; nothing later is applied out of order; the other streams sync", async () => {
    const net = await office(tempDir());
    const first = await orderUploaded(net, "1");
    await orderUploaded(net, "2");
    rmSync(join(net.area.root, AG01_FOLDER, first.name));
    const before = holdings(net.sede);
    const r = await net.sync(net.sede);
    expect(r.warnings).toContain(
      `AG01>SEDE: waiting for segment ${Number(first.name.slice(0, 10))}: ${AG01_FOLDER}/${first.name} is missing while 1 later segment(s) are on the server (deleted there?); asked AG01 to upload it again`,
    );
    expect(holdings(net.sede)).toEqual(before);
    // The catalogue and SEDE>AG02, AG02>SEDE still move.
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P002", price: "1.40" });
    exec(net.agent("AG02"), { kind: "PlaceOrder", customer: "000002", lines: [{ product: "P002", qty: "7" }] });
    await net.sync(net.agent("AG02"));
    await net.sync(net.sede);
    await net.sync(net.agent("AG02"));
    expect(ordersAtSede(net)).toEqual(["AG02/1:7"]);
    expect(net.agent("AG02").read.listPrices().map((p) => `${p.product}=${p.price}`)).toEqual(["P001=8.90", "P002=1.40"]);
  });

  it("the sede asks for it, AG01 uploads the missing segment again from its sealed copy, and no order is lost", async () => {
    const net = await office(tempDir());
    const first = await orderUploaded(net, "1");
    await orderUploaded(net, "2");
    rmSync(join(net.area.root, AG01_FOLDER, first.name));
    await net.sync(net.sede); // waits, and asks AG01 for it
    const resent = await net.sync(net.agent("AG01"));
    expect(resent.warnings).toContain(`${AG01_FOLDER}/${first.name}: uploaded again from the sealed copy, as SEDE found it missing`);
    expect(readFileSync(join(net.area.root, AG01_FOLDER, first.name)).equals(first.bytes)).toBe(true);
    const r = await net.sync(net.sede);
    expect(r.errors).toEqual([]);
    expect(ordersAtSede(net)).toEqual(["AG01/1:1", "AG01/2:2"]);
  });
});
