import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeAck } from "../../src/wire/ackFile.js";
import { exec, type Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";
import { attackerKeys, office, park, parkedNames, readersAtSede } from "./attackSupport.js";

const SEDE_ACK = "SincroSede/AG01/AG01.ack";
const AG01_FOLDER = "SincroAg/AG01";

/** AG01 uploads two orders the sede has not read yet; returns the names of its segments on the server. */
async function unreadOrders(net: Network): Promise<string[]> {
  const ag01 = net.agent("AG01");
  exec(ag01, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "1" }] });
  await net.sync(ag01);
  exec(ag01, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "2" }] });
  await net.sync(ag01);
  const names = parkedNames(net, AG01_FOLDER);
  expect(names.length).toBe(2);
  return names;
}

/** An ack saying the sede applied everything up to segment 999 of AG01's stream. */
const ackOf999 = (): Buffer =>
  encodeAck({ format: "sincro-ack/1", stream: "AG01>SEDE", reader: "SEDE", segment: 999, offset: 999, sha256: "0".repeat(64), at: "2026-03-02T10:00:00.000Z", lastSeq: 999 });

/** AG01 syncs with the forged ack in place: its unread segments stay, the ack is named as ignored; then the sede receives both orders. */
async function nothingPruned(net: Network, names: string[], reason: RegExp): Promise<void> {
  const ag01 = net.agent("AG01");
  const r = await net.sync(ag01);
  expect(r.pruned).toBe(0);
  expect(parkedNames(net, AG01_FOLDER)).toEqual(names);
  const warning = r.warnings.find((w) => w.includes(SEDE_ACK));
  expect(warning, r.warnings.join("\n")).toMatch(reason);
  expect(warning).toContain("ack ignored");
  expect(ag01.outbox.files("AG01>SEDE").filter((f) => f.pruned !== null && names.includes(`${String(f.number).padStart(10, "0")}.seg`))).toEqual([]);
  const received = await net.sync(net.sede);
  expect(received.errors).toEqual([]);
  expect(net.sede.read.listOrders().map((o) => `${o.type}/${o.number}:${o.lines[0]?.qty}`)).toEqual(["AG01/1:1", "AG01/2:2"]);
  // With the sede's real ack back, AG01 prunes what the sede read, and only that.
  const after = await net.sync(ag01);
  expect(after.pruned).toBe(2);
}

describe("a forged ack of AG01's stream (SincroSede/AG01/AG01.ack) claiming segment 999", () => {
  it.each([
    ["the attacker, unsigned", (net: Network) => writeFileSync(join(net.area.root, SEDE_ACK), ackOf999()), /not a signed sincro file/],
    ["the attacker, signed as SEDE with its own key", (net: Network) => park(net, SEDE_ACK, ackOf999(), "SEDE", attackerKeys, readersAtSede(net, "AG01")), /not a key trusted for SEDE/],
    ["enrolled AG02, signed with its real key", (net: Network) => park(net, SEDE_ACK, ackOf999(), "AG02", net.agent("AG02").keyring.own()!, readersAtSede(net, "AG01")), /signed by "AG02", but only SEDE writes here/],
  ] as const)("by %s: AG01 prunes nothing, no order is lost", async (_who, plant, reason) => {
    const net = await office(tempDir());
    const names = await unreadOrders(net);
    plant(net);
    await nothingPruned(net, names, reason);
  });
});

describe("a replayed old ack (a real, earlier ack file of the sede put back)", () => {
  it("makes AG01 prune nothing it has not been acknowledged for; no order is lost", async () => {
    const net = await office(tempDir());
    const ag01 = net.agent("AG01");
    const old = readFileSync(join(net.area.root, SEDE_ACK));
    const oldSegment = (JSON.parse(net.opened(ag01, SEDE_ACK).toString("utf8")) as { segment: number }).segment;
    // One order read and acknowledged by the sede, then two the sede has not read yet.
    exec(ag01, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P002", qty: "5" }] });
    await net.sync(ag01);
    await net.sync(net.sede);
    expect((JSON.parse(net.opened(ag01, SEDE_ACK).toString("utf8")) as { segment: number }).segment).toBe(oldSegment + 1);
    exec(ag01, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "1" }] });
    await net.sync(ag01);
    exec(ag01, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "2" }] });
    await net.sync(ag01);
    const names = parkedNames(net, AG01_FOLDER);
    expect(names).toHaveLength(2); // the acknowledged one was pruned at AG01's first sync after the ack
    writeFileSync(join(net.area.root, SEDE_ACK), old);
    const r = await net.sync(ag01);
    expect(r.pruned).toBe(0);
    expect(parkedNames(net, AG01_FOLDER)).toEqual(names);
    await net.sync(net.sede);
    expect(net.sede.read.listOrders().map((o) => `${o.type}/${o.number}:${o.lines[0]?.qty}`)).toEqual(["AG01/1:5", "AG01/2:1", "AG01/3:2"]);
  });

  it("an ack moved from AG02's folder into AG01's (validly signed by AG02, another path) is refused", async () => {
    const net = await office(tempDir());
    const names = await unreadOrders(net);
    // AG02's ack of its own stream, a real file signed by the sede, copied over AG01's.
    const ag02Ack = "SincroSede/AG02/AG02.ack";
    expect(existsSync(join(net.area.root, ag02Ack))).toBe(true);
    writeFileSync(join(net.area.root, SEDE_ACK), readFileSync(join(net.area.root, ag02Ack)));
    await nothingPruned(net, names, /signature of SEDE does not verify \(altered, forged, or moved here from another name\)/);
  });
});

describe("a forged catalogue ack by enrolled AG02 in its own folder, claiming it read segment 999", () => {
  it("makes the sede prune only what its snapshot covers: AG01, who has not read the newest segments, still gets them", async () => {
    const net = await office(tempDir());
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9.10" });
    await net.sync(net.sede);
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P002", price: "1.30" });
    await net.sync(net.sede);
    const ack = encodeAck({ format: "sincro-ack/1", stream: "SEDE>*", reader: "AG02", segment: 999, offset: 999, sha256: "0".repeat(64), at: "2026-03-02T10:00:00.000Z" });
    park(net, "SincroAg/AG02/_ALL.ack", ack, "AG02", net.agent("AG02").keyring.own()!, readersAtSede(net, "AG02"));
    await net.sync(net.sede);
    const r = await net.sync(net.agent("AG01"));
    expect(r.errors).toEqual([]);
    expect(net.agent("AG01").read.listPrices().map((p) => `${p.product}=${p.price}`)).toEqual(["P001=9.10", "P002=1.30"]);
  });
});
