import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../src/events/envelope.js";
import type { Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";
import { attackerKeys, cursorOf, forgedEvent, forgedSegment, holdings, office, otherStreamsStillSync, park, readersAtSede, ringFor, segName } from "./attackSupport.js";

const HLC = `${Date.UTC(2026, 2, 2, 10)}-00000`;

/** The next segment of `agent`'s stream as the sede would expect it (number, offset and chain right), holding `events`. */
function nextSegmentOf(net: Network, agent: string, events: EventEnvelope[]): { path: string; inner: Buffer } {
  const at = cursorOf(net.sede, `${agent}>SEDE`);
  const number = at.segment + 1;
  return { path: `SincroAg/${agent}/${segName(number)}`, inner: forgedSegment(`${agent}>SEDE`, number, at.offset + 1, at.sha256, agent, events) };
}

/** The next event of `origin`'s chain (seq and prev right, as the sede holds them). */
function nextOf(net: Network, origin: string, type: string, data: unknown): EventEnvelope {
  const head = net.sede.log.head(origin);
  return forgedEvent({ origin, seq: (head?.seq ?? 0) + 1, prev: head?.hash ?? "", hlc: `${HLC}-${origin}`, type, data });
}

const ORDER_AS_AG01 = {
  type: "AG01",
  number: 1,
  year: 2026,
  date: "2026-03-02",
  customer: "000001",
  agent: "AG01",
  lines: [{ product: "P001", qty: "100", price: "0.01", discounts: [] }],
};

/** The sede syncs against the forged file: refused naming it and the reason; nothing changes at the sede. */
async function refusedAtSede(net: Network, path: string, reason: RegExp): Promise<void> {
  const before = holdings(net.sede);
  const r = await net.sync(net.sede);
  const error = r.errors.find((e) => e.includes(path));
  expect(error, r.errors.join("\n")).toBeDefined();
  expect(error).toMatch(reason);
  expect(holdings(net.sede)).toEqual(before);
  expect(net.sede.read.listOrders()).toEqual([]);
  expect(net.sede.read.listPrices().find((p) => p.product === "P001")?.price).toBe("8.90");
}

describe("enrolled AG02 puts events it may not send in its own folder, signed with its own key", () => {
  it.each([
    ["origin SEDE (a price)", (net: Network) => nextOf(net, "SEDE", "GenericPriceSet", { list: "BASE", product: "P001", price: "0.01" }), /event line 2 claims origin "SEDE", but AG02>SEDE carries only AG02's own events/],
    ["origin AG01 (an order in AG01's name)", (net: Network) => nextOf(net, "AG01", "OrderPlaced", ORDER_AS_AG01), /event line 2 claims origin "AG01", but AG02>SEDE carries only AG02's own events/],
    [
      "an AgentRegistered of its own",
      (net: Network) => nextOf(net, "AG02", "AgentRegistered", { code: "AG09", name: "Finto", orderType: "AG09", customerPrefix: "AG09" }),
      /event line 2 is a "AgentRegistered", which .*an agent never sends/,
    ],
    ["a ProductSaved of its own", (net: Network) => nextOf(net, "AG02", "ProductSaved", { code: "P001", description: "Olio", unit: "PZ", vat: "0" }), /event line 2 is a "ProductSaved", which .*an agent never sends/],
  ] as const)("%s: the file is refused, the sede's data unchanged, the other streams sync", async (_what, event, reason) => {
    const net = await office(tempDir());
    const ag02 = net.agent("AG02");
    const { path, inner } = nextSegmentOf(net, "AG02", [event(net)]);
    park(net, path, inner, "AG02", ag02.keyring.own()!, readersAtSede(net, "AG02"));
    await refusedAtSede(net, path, reason);
    // AG02's own stream stays stopped on its forgery (the sede asked AG02 to upload it again); the others go on.
    expect(net.opened(net.sede, "SincroSede/AG02/AG02.resend").toString("utf8")).toContain(`"file":"${path.slice(-14)}"`);
    await otherStreamsStillSync(net, { ag02: true });
    expect(net.sede.read.listOrders().map((o) => `${o.type}/${o.number}:${o.origin}:${o.lines[0]?.qty}`)).toEqual(["AG01/1:AG01:3"]);
    expect(net.sede.read.listPrices().find((p) => p.product === "P001")?.price).toBe("8.90");
    expect(net.sede.read.agents().map((a) => a.code)).toEqual(["AG01", "AG02"]);
  });

  it("a valid event of its own after an unauthorised one in the same file: the whole file is refused", async () => {
    const net = await office(tempDir());
    const ag02 = net.agent("AG02");
    const bad = nextOf(net, "SEDE", "GenericPriceSet", { list: "BASE", product: "P001", price: "0.01" });
    const head = net.sede.log.head("AG02")!;
    const own = forgedEvent({ origin: "AG02", seq: head.seq + 1, prev: head.hash, hlc: `${HLC}-AG02`, type: "CustomerCreated", data: { code: "AG02000009", name: "Pub", agent: "AG02", list: "BASE", vatNumber: null, city: null } });
    const { path, inner } = nextSegmentOf(net, "AG02", [own, bad]);
    park(net, path, inner, "AG02", ag02.keyring.own()!, readersAtSede(net, "AG02"));
    await refusedAtSede(net, path, /event line 3 claims origin "SEDE"/);
    expect(net.sede.read.customer("AG02000009")).toBeUndefined();
  });
});

describe("a segment in AG01's folder (SincroAg/AG01) that AG01 did not write", () => {
  it.each([
    ["enrolled AG02, signed as itself with its real key", (net: Network, p: string, b: Buffer) => park(net, p, b, "AG02", net.agent("AG02").keyring.own()!, readersAtSede(net, "AG01")), /signed by "AG02", but only AG01 writes here/],
    ["enrolled AG02, signed as AG01 with its real key", (net: Network, p: string, b: Buffer) => park(net, p, b, "AG01", net.agent("AG02").keyring.own()!, readersAtSede(net, "AG01")), /not a key trusted for AG01/],
    ["the attacker, unsigned", (net: Network, p: string, b: Buffer) => (writeFileSync(join(net.area.root, p), b), ringFor(net, p)), /not a signed sincro file/],
    ["the attacker, signed as AG01 with its own key", (net: Network, p: string, b: Buffer) => park(net, p, b, "AG01", attackerKeys, readersAtSede(net, "AG01")), /not a key trusted for AG01/],
  ] as const)("by %s: refused; the real AG01 is not locked out and its next order arrives", async (_who, plant, reason) => {
    const net = await office(tempDir());
    const { path, inner } = nextSegmentOf(net, "AG01", [nextOf(net, "AG01", "OrderPlaced", ORDER_AS_AG01)]);
    plant(net, path, inner);
    await refusedAtSede(net, path, reason);
    // AG01's next upload takes the forged file's place (it does not open as AG01's); the sede then reads it.
    await otherStreamsStillSync(net);
    expect(net.sede.read.listOrders().map((o) => `${o.type}/${o.number}:${o.origin}:${o.lines[0]?.qty}`)).toEqual(["AG01/1:AG01:3", "AG02/1:AG02:7"]);
  });
});
