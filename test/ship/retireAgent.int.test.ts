// Issue 12, item 3 (and "last heard from" of item 8), through real nodes and a folder parking
// area: retiring an agent from the office's point of view.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec, folderArea, Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

async function office() {
  const dir = tempDir();
  const net = new Network(dir, folderArea(join(dir, "park")), ["AG01", "AG02", "AG03"]);
  exec(
    net.sede,
    { kind: "RegisterAgent", code: "AG01", name: "Mario" },
    { kind: "RegisterAgent", code: "AG02", name: "Luca" },
    { kind: "RegisterAgent", code: "AG03", name: "Piero" },
    { kind: "AddProduct", code: "P001", description: "Olio" },
    { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
    { kind: "AddCustomer", name: "Bar Centrale", agent: "AG03", list: "BASE" },
    { kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "7.50" },
  );
  await net.sync(net.sede);
  await net.sync(net.agent("AG01"));
  await net.sync(net.agent("AG03"));
  exec(net.agent("AG03"), { kind: "AddCustomer", name: "Trattoria", list: "BASE" });
  await net.sync(net.agent("AG03"));
  await net.sync(net.sede);
  return net;
}

const files = (net: Network, ...folder: string[]) => readdirSync(net.file(...folder));

describe("agent retire, from the office's point of view", () => {
  it("--customers-to moves its customers in one command; what it had in transit is received; its folders are emptied after", async () => {
    const net = await office();
    const ag03 = net.agent("AG03");
    // In transit when the office retires it: an order and a new customer.
    exec(ag03, { kind: "AddCustomer", name: "Pizzeria", list: "BASE" }, { kind: "PlaceOrder", customer: "AG03000001", lines: [{ product: "P001", qty: "3" }] });
    await net.sync(ag03);
    const retired = net.sede.retire("AG03", "AG02");
    expect(retired).toEqual({ customers: ["000001", "AG03000001"], moved: true });
    expect(files(net, "SincroAg", "AG03").length).toBeGreaterThan(0);
    const report = await net.sync(net.sede);
    expect(report.errors).toEqual([]);
    // Received: the order and the customer parked before retirement.
    expect(net.sede.read.listOrders().map((o) => `${o.type}/${o.number}`)).toEqual(["AG03/1"]);
    // The customer that was in transit arrived after the move: it stays at the office under AG03, reported below.
    expect(net.sede.read.listCustomers().map((c) => `${c.code}:${c.agent}`)).toEqual(["000001:AG02", "AG03000001:AG02", "AG03000002:AG03"]);
    expect(files(net, "SincroAg", "AG03")).toEqual([]);
    expect(files(net, "SincroSede", "AG03")).toEqual([]);
    // The customer that arrived with the last upload is moved by naming the agent again.
    expect(net.sede.retire("AG03", "AG02")).toEqual({ customers: ["AG03000002"], moved: true });
    await net.sync(net.sede);
    await net.sync(net.agent("AG02"));
    const ag02 = net.agent("AG02");
    expect(ag02.read.listCustomers().map((c) => c.code)).toEqual(["000001", "AG03000001", "AG03000002"]);
    expect(ag02.read.listSpecialPrices().map((s) => `${s.customer}=${s.price}`)).toEqual(["000001=7.50"]);
    // Nothing more is written for AG03, and its folders stay empty at later syncs.
    await net.sync(net.sede);
    expect(files(net, "SincroSede", "AG03")).toEqual([]);
  });

  it("without --customers-to the customers are reported and stay at the office; --customers-to none later gives them to the office", async () => {
    const net = await office();
    expect(net.sede.retire("AG03")).toEqual({ customers: ["000001", "AG03000001"], moved: false });
    await net.sync(net.sede);
    expect(net.sede.read.listCustomers().map((c) => `${c.code}:${c.agent}`)).toEqual(["000001:AG03", "AG03000001:AG03"]);
    expect(net.sede.retire("AG03", null)).toEqual({ customers: ["000001", "AG03000001"], moved: true });
    expect(net.sede.read.listCustomers().map((c) => `${c.code}:${c.agent}`)).toEqual(["000001:null", "AG03000001:null"]);
    // Nothing is routed to the retired agent.
    expect(net.sede.outbox.pending("SEDE>AG03")).toBe(0);
    const refused = () => net.sede.retire("AG02", "AG03");
    expect(refused).toThrow(expect.objectContaining({ field: "customers-to", message: expect.stringContaining("retired too") }));
    expect(() => net.sede.retire("AG02", "AG09")).toThrow(expect.objectContaining({ field: "customers-to" }));
    expect(() => net.sede.retire("AG09")).toThrow(expect.objectContaining({ field: "agent" }));
  });

  it("status says, per agent, when the office last heard from it", async () => {
    const net = await office();
    const heard = net.sede.outbox.lastHeard(["AG01", "AG02", "AG03"]);
    expect(heard.map((h) => [h.code, h.lastHeard !== null])).toEqual([
      ["AG01", true],
      ["AG02", false],
      ["AG03", true],
    ]);
    const before = heard.find((h) => h.code === "AG01")?.lastHeard as string;
    // A quiet sync of the office hears nothing new; AG01's next order is news.
    await net.sync(net.sede);
    expect(net.sede.outbox.lastHeard(["AG01"])[0]?.lastHeard).toBe(before);
    exec(net.agent("AG01"), { kind: "AddCustomer", name: "Nuovo" });
    await net.sync(net.agent("AG01"));
    await net.sync(net.sede);
    expect(Date.parse(net.sede.outbox.lastHeard(["AG01"])[0]?.lastHeard as string)).toBeGreaterThan(Date.parse(before));
  });
});
