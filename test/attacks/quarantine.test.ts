import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../src/events/envelope.js";
import { exec, type Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";
import { cursorOf, forgedEvent, forgedSegment, office, park, readersAtSede, segName } from "./attackSupport.js";

/**
 * Issue 11, "Hostile input never blocks the rest": an event validly signed by enrolled AG02, in
 * its own stream, but invalid for the domain, is quarantined: kept in the log, reported, never
 * projected, never merged into the clock, never blocking later events.
 */
async function shipAsAg02(net: Network, type: string, data: unknown, hlc = `${Date.UTC(2026, 2, 2, 10)}-00000-AG02`): Promise<EventEnvelope> {
  const at = cursorOf(net.sede, "AG02>SEDE");
  const head = net.sede.log.head("AG02")!;
  const event = forgedEvent({ origin: "AG02", seq: head.seq + 1, prev: head.hash, hlc, type, data });
  const number = at.segment + 1;
  const path = `SincroAg/AG02/${segName(number)}`;
  park(net, path, forgedSegment("AG02>SEDE", number, at.offset + 1, at.sha256, "AG02", [event]), "AG02", net.agent("AG02").keyring.own()!, readersAtSede(net, "AG02"));
  return event;
}

/** The sede receives the hostile event: it is kept, reported, not projected; then AG02's next real order arrives, and AG01 still takes the sede's segments. */
async function quarantined(net: Network, event: EventEnvelope, notProjected: () => void): Promise<void> {
  const events = net.sede.log.count();
  const r = await net.sync(net.sede);
  expect(r.errors).toEqual([]);
  expect([...r.warnings, ...r.errors].filter((l) => /quarantin/i.test(l) && l.includes(`AG02#${event.seq}`))).toHaveLength(1);
  expect(net.sede.log.count()).toBe(events + 1);
  expect([...net.sede.log.iterate()].some((e) => e.hash === event.hash)).toBe(true);
  notProjected();
  // The sede's clock did not take the event's HLC.
  exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9.30" });
  expect(net.sede.log.head("SEDE")).toBeDefined();
  const own = [...net.sede.log.iterate()].filter((e) => e.origin === "SEDE").at(-1) as EventEnvelope;
  expect(own.hlc < "2027").toBe(true);
  // AG02's later events are not blocked. The real AG02 continues its own numbering after the hostile
  // event (the sede acknowledged it), so its node is brought to that point first.
  const next = forgedEvent({
    origin: "AG02",
    seq: event.seq + 1,
    prev: event.hash,
    hlc: `${Date.UTC(2026, 2, 2, 11)}-00000-AG02`,
    type: "OrderPlaced",
    data: { type: "AG02", number: 1, year: 2026, date: "2026-03-02", customer: "000002", agent: "AG02", lines: [{ product: "P002", qty: "7", price: "1.20", discounts: [] }] },
  });
  const at = cursorOf(net.sede, "AG02>SEDE");
  const path = `SincroAg/AG02/${segName(at.segment + 1)}`;
  park(net, path, forgedSegment("AG02>SEDE", at.segment + 1, at.offset + 1, at.sha256, "AG02", [next]), "AG02", net.agent("AG02").keyring.own()!, readersAtSede(net, "AG02"));
  const later = await net.sync(net.sede);
  expect(later.errors).toEqual([]);
  expect(net.sede.read.listOrders().map((o) => `${o.type}/${o.number}:${o.lines[0]?.qty}`)).toEqual(["AG02/1:7"]);
  const ag01 = await net.sync(net.agent("AG01"));
  expect(ag01.errors).toEqual([]);
  expect(net.agent("AG01").read.listPrices().find((p) => p.product === "P001")?.price).toBe("9.30");
}

describe("validly signed events the domain refuses are quarantined", () => {
  it("a poisoned HLC (9999999999999-00000-AG02): kept, not projected, not merged into the sede's clock, nothing blocked", async () => {
    const net = await office(tempDir());
    const event = await shipAsAg02(
      net,
      "CustomerCreated",
      { code: "AG02000009", name: "Dal futuro", agent: "AG02", list: "BASE", vatNumber: null, city: null },
      "9999999999999-00000-AG02",
    );
    await quarantined(net, event, () => expect(net.sede.read.customer("AG02000009")).toBeUndefined());
  });

  it("a malformed payload (CustomerCreated without a name): kept, not projected, nothing blocked", async () => {
    const net = await office(tempDir());
    const event = await shipAsAg02(net, "CustomerCreated", { code: "AG02000009", agent: "AG02", list: "BASE", vatNumber: null, city: null });
    await quarantined(net, event, () => expect(net.sede.read.customer("AG02000009")).toBeUndefined());
  });

  it("a path-like code (CustomerCreated with code 'x/../y z'): kept, not projected, nothing blocked", async () => {
    const net = await office(tempDir());
    const event = await shipAsAg02(net, "CustomerCreated", { code: "x/../y z", name: "Percorso", agent: "AG02", list: "BASE", vatNumber: null, city: null });
    await quarantined(net, event, () => expect(net.sede.read.listCustomers().map((c) => c.code)).not.toContain("x/../y z"));
  });

  it("an order AG02 records in AG01's order type and name: kept, not projected, nothing blocked", async () => {
    const net = await office(tempDir());
    const event = await shipAsAg02(net, "OrderPlaced", {
      type: "AG01",
      number: 1,
      year: 2026,
      date: "2026-03-02",
      customer: "000001",
      agent: "AG01",
      lines: [{ product: "P001", qty: "100", price: "0.01", discounts: [] }],
    });
    await quarantined(net, event, () => expect(net.sede.read.listOrders()).toEqual([]));
  });

  it("a special price AG02 sets for AG01's customer: kept, not applied, nothing blocked", async () => {
    const net = await office(tempDir());
    const before = net.sede.read.listSpecialPrices();
    const event = await shipAsAg02(net, "SpecialPriceSet", { customer: "000001", product: "P001", price: "0.01", discounts: [], supersedes: null });
    await quarantined(net, event, () => expect(net.sede.read.listSpecialPrices()).toEqual(before));
    expect(net.sede.log.quarantined().at(-1)?.reason).toBe("customer 000001 is not AG02's (it belongs to AG01)");
  });
});
