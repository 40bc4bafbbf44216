import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { SincroNode } from "../../src/node/sincroNode.js";
import { embeddedFtpArea, exec, folderArea, Network, type ParkingArea } from "../support/network.js";
import { cloneKeys, enroll, makeNode } from "../support/nodes.js";
import { tempDir } from "../support/tempDir.js";

// Each rule of DESIGN §3, on real nodes (SQLite files) syncing through a folder and through a
// real FTP server (the embedded one; Debian's servers run the transport contract suite).
const areas: Array<[string, (dir: string) => Promise<ParkingArea>]> = [
  ["folder", async (dir) => folderArea(join(dir, "park"))],
  ["ftp", async () => embeddedFtpArea()],
];

const CATALOGUE = [
  { kind: "AddProduct", code: "P001", description: "Olio 1 l", vat: "4" },
  { kind: "AddProduct", code: "P002", description: "Pasta 500 g", vat: "4" },
  { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
  { kind: "SetGenericPrice", list: "BASE", product: "P002", price: "1.20" },
  { kind: "SetGenericPrice", list: "HORECA", product: "P001", price: "8.10" },
] as const;

describe.each(areas)("sync through %s", (_name, makeArea) => {
  async function network(agents = ["AG01", "AG02"]): Promise<Network> {
    const dir = tempDir();
    const area = await makeArea(dir);
    onTestFinished(() => area.stop());
    const net = new Network(dir, area, agents);
    for (const a of agents) exec(net.sede, { kind: "RegisterAgent", code: a, name: `Agent ${a}` });
    exec(net.sede, ...CATALOGUE);
    return net;
  }

  const codes = (n: SincroNode) => n.read.listCustomers().map((c) => c.code);

  it("an agent's first sync before the sede published stops, says what to do, and writes nothing", async () => {
    const net = await network();
    const ag = net.agent("AG01");
    const before = ag.log.count();
    await expect(net.sync(ag)).rejects.toThrow("The office has not published data for agent AG01 yet: run a sync at the office first".replace("The", "the"));
    expect(ag.log.count()).toBe(before);
    await net.sync(net.sede);
    const report = await net.sync(ag);
    expect(report.received.snapshots).toBe(2);
    expect(ag.read.listProducts().map((p) => p.code)).toEqual(["P001", "P002"]);
  });

  it("the first sync gives an agent its own customers, never another agent's or the sede's", async () => {
    const net = await network();
    const [c1, c2, c3] = exec(
      net.sede,
      { kind: "AddCustomer", name: "Bar Centrale", agent: "AG01", list: "BASE" },
      { kind: "AddCustomer", name: "Hotel Lago", agent: "AG02", list: "HORECA" },
      { kind: "AddCustomer", name: "Cliente di sede", list: "BASE" },
    );
    await net.round();
    expect(codes(net.agent("AG01"))).toEqual([c1]);
    expect(codes(net.agent("AG02"))).toEqual([c2]);
    expect(codes(net.sede)).toEqual([c1, c2, c3]);
    // A customer the sede creates later for an agent arrives at that agent's next sync.
    const [c4] = exec(net.sede, { kind: "AddCustomer", name: "Nuovo", agent: "AG02" });
    await net.round();
    expect(codes(net.agent("AG02"))).toEqual([c2, c4]);
    expect(codes(net.agent("AG01"))).toEqual([c1]);
  });

  it("every agent gets all products and all generic price lists, and later changes to them", async () => {
    const net = await network();
    await net.round();
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P002", price: "1.25" }, { kind: "DiscontinueProduct", code: "P001" });
    await net.round();
    for (const ag of net.agents.values()) {
      expect(ag.read.listPrices()).toEqual(net.sede.read.listPrices());
      expect(ag.read.listProducts()).toEqual(net.sede.read.listProducts());
    }
    expect(net.agent("AG01").read.listPrices()).toContainEqual({ list: "BASE", product: "P002", price: "1.25" });
  });

  it("an agent gets the special prices of its customers only", async () => {
    const net = await network();
    const [c1, c2] = exec(
      net.sede,
      { kind: "AddCustomer", name: "Bar", agent: "AG01", list: "BASE" },
      { kind: "AddCustomer", name: "Hotel", agent: "AG02", list: "BASE" },
    );
    exec(
      net.sede,
      { kind: "SetSpecialPrice", customer: c1 as string, product: "P001", price: "7.90", discounts: ["5"] },
      { kind: "SetSpecialPrice", customer: c2 as string, product: "P001", price: "7.50" },
    );
    await net.round();
    expect(net.agent("AG01").read.listSpecialPrices().map((s) => [s.customer, s.price, s.discounts])).toEqual([[c1, "7.90", ["5"]]]);
    expect(net.agent("AG02").read.listSpecialPrices().map((s) => [s.customer, s.price])).toEqual([[c2, "7.50"]]);
  });

  it("customers and orders an agent enters reach the sede exactly once, however often both sync", async () => {
    const net = await network();
    await net.round();
    const ag = net.agent("AG01");
    const [cust] = exec(ag, { kind: "AddCustomer", name: "Pizzeria Da Gino", list: "BASE", city: "Napoli" });
    const [o1, o2] = exec(
      ag,
      { kind: "PlaceOrder", customer: cust as string, lines: [{ product: "P001", qty: "6" }] },
      { kind: "PlaceOrder", customer: cust as string, lines: [{ product: "P002", qty: "40" }, { product: "P001", qty: "1", price: "8.00" }] },
    );
    expect([o1, o2]).toEqual(["AG01/1", "AG01/2"]);
    for (let i = 0; i < 3; i++) await net.round();
    const orders = net.sede.read.listOrders().filter((o) => o.origin === "AG01");
    expect(orders.map((o) => `${o.type}/${o.number}`)).toEqual(["AG01/1", "AG01/2"]);
    expect(orders[1]?.lines).toEqual([
      { product: "P002", qty: "40", price: "1.20", discounts: [] },
      { product: "P001", qty: "1", price: "8.00", discounts: [] },
    ]);
    expect(net.sede.read.listCustomers().filter((c) => c.code === cust)).toEqual([
      { code: cust, name: "Pizzeria Da Gino", agent: "AG01", list: "BASE", origin: "AG01", vatNumber: null, city: "Napoli" },
    ]);
    expect(net.sede.read.listConflicts()).toEqual([]);
    // And they never go back: AG02 holds no trace of them.
    expect(codes(net.agent("AG02"))).not.toContain(cust);
  });

  it("the sede flags an order whose type is not the sending agent's, and keeps it", async () => {
    const net = await network(["AG01"]);
    // This PC was set up with another order type than the one the office defined for AG01.
    const pcDir = join(net.dir, "pc");
    mkdirSync(pcDir);
    const pc = makeNode(pcDir, "AG01", { role: "agent", agent: "AG01", orderType: "ZZ" }, net.clock.now);
    enroll(net.sede, pc);
    await net.sync(net.sede);
    await net.sync(pc);
    const [cust] = exec(pc, { kind: "AddCustomer", name: "Pub", list: "BASE" });
    const [order] = exec(pc, { kind: "PlaceOrder", customer: cust as string, lines: [{ product: "P001", qty: "1" }] });
    expect(order).toBe("ZZ/1");
    await net.sync(pc);
    await net.sync(net.sede);
    expect(net.sede.read.listOrders().map((o) => `${o.type}/${o.number}@${o.origin}`)).toEqual(["ZZ/1@AG01"]);
    expect(net.sede.read.listConflicts()).toEqual([
      expect.objectContaining({ kind: "order-type", key: "ZZ/1", detail: "agent AG01 sent an order in type ZZ, which is not defined here" }),
    ]);
  });

  it("orders the sede enters on behalf of an agent never reach the agent", async () => {
    const net = await network();
    const [cust] = exec(net.sede, { kind: "AddCustomer", name: "Bar", agent: "AG01", list: "BASE" });
    const [order] = exec(net.sede, { kind: "PlaceOrder", customer: cust as string, agent: "AG01", lines: [{ product: "P001", qty: "2" }] });
    await net.round();
    await net.round();
    expect(order).toBe("SEDE/1");
    expect(net.agent("AG01").read.listOrders()).toEqual([]);
    expect(net.sede.read.listOrders().map((o) => [o.type, o.number, o.agent])).toEqual([["SEDE", 1, "AG01"]]);
  });

  it("customer updates stay on the side that made them; an agent's order amendment reaches the sede", async () => {
    const net = await network();
    const [cust] = exec(net.sede, { kind: "AddCustomer", name: "Bar", agent: "AG01", list: "BASE", city: "Roma" });
    await net.round();
    const ag = net.agent("AG01");
    exec(net.sede, { kind: "UpdateCustomer", code: cust as string, city: "Milano" });
    exec(ag, { kind: "UpdateCustomer", code: cust as string, name: "Bar Roma" });
    const [order] = exec(ag, { kind: "PlaceOrder", customer: cust as string, lines: [{ product: "P001", qty: "1" }] });
    await net.round();
    exec(ag, { kind: "AmendOrder", type: "AG01", number: 1, lines: [{ product: "P001", qty: "3" }] });
    await net.round();
    const at = (n: SincroNode) => n.read.listCustomers().find((c) => c.code === cust);
    expect(at(net.sede)).toMatchObject({ name: "Bar", city: "Milano" });
    expect(at(ag)).toMatchObject({ name: "Bar Roma", city: "Roma" });
    expect(order).toBe("AG01/1");
    expect(net.sede.read.listOrders().find((o) => o.type === "AG01")).toMatchObject({ status: "amended", changedAfterReceipt: true, lines: [expect.objectContaining({ qty: "3" })] });
    expect(ag.read.listOrders()[0]?.lines[0]?.qty).toBe("3");
  });

  it.each([
    ["the agent's", "later on the agent"],
    ["the sede's", "later at the sede"],
  ])("the most recent special price wins on both sides (%s edit made %s)", async (winner) => {
    const net = await network();
    const [cust] = exec(net.sede, { kind: "AddCustomer", name: "Bar", agent: "AG01", list: "BASE" });
    exec(net.sede, { kind: "SetSpecialPrice", customer: cust as string, product: "P001", price: "8.00" });
    await net.round();
    const ag = net.agent("AG01");
    // Concurrent edits: neither side has seen the other's. The later one must win everywhere.
    const first = winner === "the agent's" ? net.sede : ag;
    const second = winner === "the agent's" ? ag : net.sede;
    exec(first, { kind: "SetSpecialPrice", customer: cust as string, product: "P001", price: "7.10" });
    net.clock.set(net.clock.now() + 60_000);
    exec(second, { kind: "SetSpecialPrice", customer: cust as string, product: "P001", price: "7.20", discounts: ["3"] });
    await net.round();
    await net.round();
    for (const n of [net.sede, ag]) {
      expect(n.read.listSpecialPrices().map((s) => [s.price, s.discounts, s.origin])).toEqual([["7.20", ["3"], second.id]]);
    }
    expect(net.sede.read.listConflicts().filter((c) => c.kind === "special-price")).toHaveLength(1);
    // A removal is a change like any other and wins when it is the most recent.
    net.clock.set(net.clock.now() + 60_000);
    exec(first, { kind: "RemoveSpecialPrice", customer: cust as string, product: "P001" });
    await net.round();
    await net.round();
    expect(net.sede.read.listSpecialPrices()).toEqual([]);
    expect(ag.read.listSpecialPrices()).toEqual([]);
  });

  it("repeated syncs change nothing", async () => {
    const net = await network();
    const [cust] = exec(net.sede, { kind: "AddCustomer", name: "Bar", agent: "AG01", list: "BASE" });
    await net.round();
    exec(net.agent("AG01"), { kind: "AddCustomer", name: "Pub", list: "BASE" });
    exec(net.agent("AG01"), { kind: "PlaceOrder", customer: cust as string, lines: [{ product: "P001", qty: "1" }] });
    await net.round();
    const nodes = [net.sede, ...net.agents.values()];
    const digests = nodes.map((n) => n.digests());
    const logs = nodes.map((n) => n.log.count());
    for (let i = 0; i < 2; i++) {
      for (const n of nodes) {
        const r = await net.sync(n);
        expect(r.sent.events + r.received.events + r.sent.snapshots + r.received.snapshots).toBe(0);
      }
    }
    expect(nodes.map((n) => n.digests())).toEqual(digests);
    expect(nodes.map((n) => n.log.count())).toEqual(logs);
  });

  it("the parking area keeps only what is in transit: acknowledged segments are pruned", async () => {
    const net = await network(["AG01"]);
    await net.round();
    const ag = net.agent("AG01");
    const [cust] = exec(ag, { kind: "AddCustomer", name: "Pub", list: "BASE" });
    exec(ag, { kind: "PlaceOrder", customer: cust as string, lines: [{ product: "P001", qty: "1" }] });
    await net.sync(ag);
    const agentFolder = net.file("SincroAg", "AG01");
    expect(readdirSync(agentFolder).filter((f) => f.endsWith(".seg"))).toEqual(["0000000001.seg"]);
    await net.sync(net.sede); // applies and acks
    await net.sync(ag); // sees the ack, prunes
    expect(readdirSync(agentFolder).filter((f) => f.endsWith(".seg"))).toEqual([]);
    expect(readdirSync(agentFolder).sort()).toEqual(["AG01.ack", "_ALL.ack"]);
    // The sede keeps its newest snapshot and what follows; segments it covers go once acked.
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9.00" });
    await net.round();
    await net.sync(net.sede, { snapshotEvery: 1 });
    await net.sync(ag);
    await net.sync(net.sede, { snapshotEvery: 1 });
    const all = readdirSync(net.file("SincroSede", "_ALL")).sort();
    expect(all.filter((f) => f.endsWith(".seg"))).toEqual([]);
    expect(all.filter((f) => f.endsWith(".snap"))).toHaveLength(1);
  });

  it("two PCs publishing as one agent are stopped as a fork, and nothing received is lost", async () => {
    const net = await network(["AG01"]);
    await net.round();
    const twinDir = join(net.dir, "twin");
    mkdirSync(twinDir);
    const ag = net.agent("AG01");
    // A copy of AG01's keys on a second PC: to the office, the same agent.
    const twin = makeNode(twinDir, "AG01", { role: "agent", agent: "AG01" }, net.clock.now);
    cloneKeys(ag, twin);
    exec(ag, { kind: "AddCustomer", name: "Pub", list: "BASE" });
    await net.sync(ag);
    await net.sync(net.sede);
    // The twin bootstraps from the sede and publishes; the first PC, still in use, then collides.
    await net.sync(twin);
    exec(twin, { kind: "AddCustomer", name: "Other pub", list: "BASE" });
    await net.sync(twin);
    exec(ag, { kind: "AddCustomer", name: "Third pub", list: "BASE" });
    await expect(net.sync(ag)).rejects.toThrow(/Two PCs are publishing as agent AG01/);
    const sedeCustomers = net.sede.read.listCustomers();
    await net.sync(net.sede);
    // What the sede held is untouched; the PC that published first got through, the other did not.
    const after = net.sede.read.listCustomers();
    expect(after.slice(0, sedeCustomers.length)).toEqual(sedeCustomers);
    expect(after.map((c) => c.name)).toContain("Other pub");
    expect(after.map((c) => c.name)).not.toContain("Third pub");
  });

  it.each([
    ["truncated", (b: Buffer) => b.subarray(0, b.length - 7), /truncated or corrupt|not a complete gzip/],
    ["bit-flipped", (b: Buffer) => Buffer.concat([b.subarray(0, 20), Buffer.from([(b[20] as number) ^ 0x10]), b.subarray(21)]), /corrupt|does not match/],
  ])("a %s segment is refused, names the file, blocks its stream, and applies once repaired", async (_kind, damage, why) => {
    const net = await network(["AG01"]);
    await net.round();
    const ag = net.agent("AG01");
    exec(ag, { kind: "AddCustomer", name: "Pub", list: "BASE" });
    await net.sync(ag);
    const file = net.file("SincroAg", "AG01", "0000000001.seg");
    const good = readFileSync(file);
    writeFileSync(file, damage(good));
    const before = net.sede.log.count();
    const report = await net.sync(net.sede);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toContain("SincroAg/AG01/0000000001.seg");
    expect(report.errors[0]).toMatch(why);
    expect(net.sede.log.count()).toBe(before);
    // Blocked, not skipped: the next sync tries the same file again.
    writeFileSync(file, good);
    const repaired = await net.sync(net.sede);
    expect(repaired.errors).toEqual([]);
    expect(repaired.received.events).toBe(1);
    expect(existsSync(file)).toBe(true);
  });

  it("rebuild on every node reproduces its projections after syncing, snapshots included", async () => {
    const net = await network();
    const [c1] = exec(net.sede, { kind: "AddCustomer", name: "Bar", agent: "AG01", list: "BASE" });
    exec(net.sede, { kind: "SetSpecialPrice", customer: c1 as string, product: "P002", price: "1.00" });
    await net.round();
    exec(net.agent("AG01"), { kind: "SetSpecialPrice", customer: c1 as string, product: "P001", price: "8.50" });
    await net.round();
    for (const n of [net.sede, ...net.agents.values()]) {
      const { before, after } = n.rebuild();
      expect(after).toEqual(before);
    }
  });
});
