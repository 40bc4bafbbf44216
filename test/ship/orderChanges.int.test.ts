import { describe, expect, it } from "vitest";
import { exec, officeWithAgentAG01 } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

async function officeWithCustomer() {
  const net = officeWithAgentAG01(tempDir());
  exec(net.sede, { kind: "AddCustomer", name: "Bar", agent: "AG01", list: "BASE" });
  await net.round();
  return net;
}

const orderAtSede = (net: Awaited<ReturnType<typeof officeWithCustomer>>) => net.sede.read.listOrders().find((o) => o.type === "AG01");

describe("an agent's changes to its orders reach the sede", () => {
  it("an order amended before its first sync arrives in its final state, not flagged", async () => {
    const net = await officeWithCustomer();
    const ag = net.agent("AG01");
    exec(ag, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "10" }] });
    exec(ag, { kind: "AmendOrder", type: "AG01", number: 1, lines: [{ product: "P001", qty: "100" }] });
    await net.sync(ag);
    await net.sync(net.sede);
    expect(orderAtSede(net)).toMatchObject({ status: "amended", changedAfterReceipt: false, lines: [{ product: "P001", qty: "100", price: "8.90", discounts: [] }] });
  });

  it("an order amended after the sede received it is updated there and flagged 'changed by the agent after receipt'", async () => {
    const net = await officeWithCustomer();
    const ag = net.agent("AG01");
    exec(ag, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "10" }] });
    await net.sync(ag);
    await net.sync(net.sede);
    expect(orderAtSede(net)).toMatchObject({ status: "placed", changedAfterReceipt: false });
    exec(ag, { kind: "AmendOrder", type: "AG01", number: 1, lines: [{ product: "P001", qty: "100" }] });
    await net.sync(ag);
    await net.sync(net.sede);
    expect(orderAtSede(net)).toMatchObject({ status: "amended", changedAfterReceipt: true, lines: [{ product: "P001", qty: "100", price: "8.90", discounts: [] }] });
    // Rebuilding the sede's projections keeps the order as amended, and the flag stays.
    const r = net.sede.rebuild();
    expect(r.after).toEqual(r.before);
    expect(orderAtSede(net)).toMatchObject({ changedAfterReceipt: true });
  });

  // Seed 951000001 of a 1000-run folder run (run 380): an agent's order for a customer the office
  // renamed afterwards could no longer be amended ("customer AG01000001 does not exist"); the
  // amendment now prices the lines under the customer's new code, with its special price.
  it("an order amended after the office renamed its customer is priced under the new code", async () => {
    const net = officeWithAgentAG01(tempDir());
    await net.round();
    const ag = net.agent("AG01");
    const [cust] = exec(ag, { kind: "AddCustomer", name: "Bar", list: "BASE" });
    exec(ag, { kind: "PlaceOrder", customer: cust as string, lines: [{ product: "P001", qty: "10" }] });
    await net.round();
    exec(net.sede, { kind: "RenameCustomer", code: cust as string, newCode: "R77", origin: "AG01" });
    exec(net.sede, { kind: "SetSpecialPrice", customer: "R77", product: "P001", price: "7.50" });
    await net.round();
    await net.round();
    expect(ag.read.listCustomers().map((c) => c.code)).toEqual(["R77"]);
    exec(ag, { kind: "AmendOrder", type: "AG01", number: 1, lines: [{ product: "P001", qty: "100" }] });
    await net.round();
    expect(orderAtSede(net)).toMatchObject({ status: "amended", changedAfterReceipt: true, lines: [{ product: "P001", qty: "100", price: "7.50", discounts: [] }] });
  });

  it("a cancellation travels too, before or after receipt", async () => {
    const net = await officeWithCustomer();
    const ag = net.agent("AG01");
    exec(ag, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "1" }] });
    exec(ag, { kind: "CancelOrder", type: "AG01", number: 1, reason: "sbagliato" });
    exec(ag, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "2" }] });
    await net.sync(ag);
    await net.sync(net.sede);
    exec(ag, { kind: "CancelOrder", type: "AG01", number: 2, reason: "il cliente ha chiamato" });
    await net.sync(ag);
    await net.sync(net.sede);
    expect(net.sede.read.listOrders().map((o) => [`${o.type}/${o.number}`, o.status, o.changedAfterReceipt])).toEqual([
      ["AG01/1", "cancelled", false],
      ["AG01/2", "cancelled", true],
    ]);
  });

  it("the sede's own orders and changes never go to the agent", async () => {
    const net = await officeWithCustomer();
    exec(net.sede, { kind: "PlaceOrder", customer: "000001", agent: "AG01", lines: [{ product: "P001", qty: "2" }] });
    exec(net.sede, { kind: "AmendOrder", type: "SEDE", number: 1, lines: [{ product: "P001", qty: "3" }] });
    await net.round();
    expect(net.agent("AG01").read.listOrders()).toEqual([]);
  });
});
