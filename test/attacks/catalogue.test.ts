import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../src/events/envelope.js";
import { encodeFile } from "../../src/wire/segmentCodec.js";
import { exec, type Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";
import {
  attackerKeys,
  cursorOf,
  forgedEvent,
  forgedSegment,
  holdings,
  office,
  otherStreamsStillSync,
  park,
  parkedNames,
  parkedLines,
  readersAtSede,
  segName,
} from "./attackSupport.js";

const ALL = "SincroSede/_ALL";

/**
 * A catalogue segment as the sede would write it next, hashes recomputed per docs/FORMATS.md:
 * P001 at 0.01 on list BASE, events with origin SEDE continuing the sede's chain. The forger is
 * given everything it could wish for (the previous segment's hash, the sede's last seq and hash).
 */
function forgedCatalogueSegment(net: Network): { path: string; inner: Buffer } {
  const at = cursorOf(net.agent("AG01"), "SEDE>*");
  const head = net.sede.log.head("SEDE")!;
  const price: EventEnvelope = forgedEvent({
    origin: "SEDE",
    seq: head.seq + 1,
    prev: head.hash,
    hlc: `${Date.UTC(2026, 2, 2, 10)}-00000-SEDE`,
    type: "GenericPriceSet",
    data: { list: "BASE", product: "P001", price: "0.01" },
  });
  const number = at.segment + 1;
  return { path: `${ALL}/${segName(number)}`, inner: forgedSegment("SEDE>*", number, at.offset + 1, at.sha256, "SEDE", [price]) };
}

/** AG01 syncs against the forgery: refused naming the file and the reason, nothing changes at AG01. */
async function refusedAtAgent(net: Network, path: string, reason: RegExp): Promise<void> {
  const ag01 = net.agent("AG01");
  const before = holdings(ag01);
  const r = await net.sync(ag01);
  const error = r.errors.find((e) => e.includes(path));
  expect(error, r.errors.join("\n")).toBeDefined();
  expect(error).toMatch(reason);
  expect(holdings(ag01)).toEqual(before);
  expect(ag01.read.listPrices().find((p) => p.product === "P001")?.price).toBe("8.90");
}

/** After the attack: the catalogue moves on as soon as the sede publishes again, and the other streams still sync. */
async function catalogueRecovers(net: Network): Promise<void> {
  await otherStreamsStillSync(net);
  exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9.10" });
  await net.sync(net.sede);
  const r = await net.sync(net.agent("AG01"));
  expect(r.errors).toEqual([]);
  expect(net.agent("AG01").read.listPrices().find((p) => p.product === "P001")?.price).toBe("9.10");
  expect(net.agent("AG02").read.listPrices().find((p) => p.product === "P001")?.price).toBe("8.90");
  await net.sync(net.agent("AG02"));
  expect(net.agent("AG02").read.listPrices().find((p) => p.product === "P001")?.price).toBe("9.10");
}

describe("a forged catalogue segment (SincroSede/_ALL), hashes recomputed", () => {
  it("by the attacker with the password, unsigned as an older sincro wrote it: refused, prices unchanged, other streams sync", async () => {
    const net = await office(tempDir());
    const { path, inner } = forgedCatalogueSegment(net);
    writeFileSync(join(net.area.root, path), inner);
    await refusedAtAgent(net, path, /not a signed sincro file/);
    await catalogueRecovers(net);
  });

  it("by the attacker, signed with a key of its own under the sede's name: refused as not a key trusted for SEDE", async () => {
    const net = await office(tempDir());
    const { path, inner } = forgedCatalogueSegment(net);
    park(net, path, inner, "SEDE", attackerKeys, readersAtSede(net, "catalogue"));
    await refusedAtAgent(net, path, /signed with key [0-9a-f]{16}, not a key trusted for SEDE/);
    await catalogueRecovers(net);
  });

  it("by enrolled AG02, who reads the catalogue and signs with its real key, as itself or as the sede: refused", async () => {
    const net = await office(tempDir());
    const ag02 = net.agent("AG02");
    // AG02 can read the real catalogue, so it knows the true previous hash; it re-signs the forgery.
    const snapshot = parkedNames(net, ALL, ".snap").at(-1) as string;
    expect(JSON.parse(parkedLines(net, ag02, `${ALL}/${snapshot}`)[0] as string)).toMatchObject({ stream: "SEDE>*", producer: "SEDE" });
    const { path, inner } = forgedCatalogueSegment(net);
    park(net, path, inner, "AG02", ag02.keyring.own()!, readersAtSede(net, "catalogue"));
    await refusedAtAgent(net, path, /signed by "AG02", but only SEDE writes here/);
    park(net, path, inner, "SEDE", ag02.keyring.own()!, readersAtSede(net, "catalogue"));
    await refusedAtAgent(net, path, /not a key trusted for SEDE/);
    await catalogueRecovers(net);
  });
});

describe("a forged catalogue snapshot with a jump in numbering (9999999999.snap)", () => {
  /** A snapshot file that would replace the catalogue: one product, P001 at 0.01. */
  function forgedSnapshot(): Buffer {
    return encodeFile(
      { format: "sincro-snapshot/1", stream: "SEDE>*", segment: 9999999999, offset: 9999999999, segmentSha256: "0".repeat(64), count: 3, producer: "SEDE", created: "2026-03-02T09:00:00.000Z" },
      [["P", "P001", "Olio", "PZ", "4", 1], ["L", "BASE", "BASE"], ["R", "BASE", "P001", "0.01"]],
    ).bytes;
  }
  const path = `${ALL}/9999999999.snap`;

  it.each([
    ["the attacker, unsigned", (net: Network) => writeFileSync(join(net.area.root, path), forgedSnapshot()), /not a signed sincro file/],
    ["the attacker, own key as SEDE", (net: Network) => park(net, path, forgedSnapshot(), "SEDE", attackerKeys, readersAtSede(net, "catalogue")), /not a key trusted for SEDE/],
    ["enrolled AG02, its real key", (net: Network) => park(net, path, forgedSnapshot(), "AG02", net.agent("AG02").keyring.own()!, readersAtSede(net, "catalogue")), /signed by "AG02", but only SEDE writes here/],
  ] as const)("by %s: refused; the catalogue and every other stream keep syncing", async (_who, plant, reason) => {
    const net = await office(tempDir());
    plant(net);
    await refusedAtAgent(net, path, reason);
    expect(cursorOf(net.agent("AG01"), "SEDE>*").segment).toBeLessThan(9999999999);
    await catalogueRecovers(net);
    expect(cursorOf(net.agent("AG01"), "SEDE>*").segment).toBeLessThan(100);
  });

  it("is no obstacle to a new agent bootstrapping from the real snapshot", async () => {
    const net = await office(tempDir());
    park(net, path, forgedSnapshot(), "SEDE", attackerKeys, readersAtSede(net, "catalogue"));
    // A third agent is registered and enrolled after the forgery was planted.
    const { makeNode, enroll } = await import("../support/nodes.js");
    exec(net.sede, { kind: "RegisterAgent", code: "AG03", name: "Anna Verdi" });
    const ag03 = makeNode(net.dir, "AG03", { role: "agent", agent: "AG03" }, net.clock.now);
    enroll(net.sede, ag03);
    net.agents.set("AG03", ag03);
    await net.sync(net.sede);
    await net.sync(ag03);
    await net.sync(net.sede);
    const r = await net.sync(ag03);
    expect(r.errors).toEqual([]);
    expect(ag03.read.listPrices().map((p) => `${p.product}=${p.price}`)).toEqual(["P001=8.90", "P002=1.20"]);
    expect(existsSync(join(net.area.root, path))).toBe(false);
  });
});

// The same forgery over FTP: what the attacker uploads with the password is refused the same way.
describe("a forged catalogue segment over the embedded FTP server", () => {
  it("is refused naming the file; the other streams sync", async () => {
    const { embeddedFtpArea } = await import("../support/network.js");
    const area = await embeddedFtpArea();
    try {
      const net = await office(tempDir(), area);
      const { path, inner } = forgedCatalogueSegment(net);
      park(net, path, inner, "SEDE", attackerKeys, readersAtSede(net, "catalogue"));
      await refusedAtAgent(net, path, /not a key trusted for SEDE/);
      await catalogueRecovers(net);
    } finally {
      await area.stop();
    }
  });
});

