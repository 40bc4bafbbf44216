import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { verifyChain } from "../../src/events/verifyChain.js";
import type { SincroNode } from "../../src/node/sincroNode.js";
import { exec, Network, officeWithAgentAG01 } from "../support/network.js";
import { cloneKeys, enroll, makeNode } from "../support/nodes.js";
import { sincro } from "../support/cli.js";
import { tempDir } from "../support/tempDir.js";

async function officeWithAgent() {
  const dir = tempDir();
  const net = officeWithAgentAG01(dir);
  exec(net.sede, { kind: "AddCustomer", name: "Bar", agent: "AG01", list: "BASE" });
  await net.round();
  return net;
}

/** A new PC for agent `code`, enrolled by the office (new keys; the old PC's are being replaced). */
function newPc(net: Network, code = "AG01"): SincroNode {
  const dir = join(net.dir, `pc-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  const pc = makeNode(dir, code, { role: "agent", agent: code }, net.clock.now);
  enroll(net.sede, pc);
  return pc;
}

/** A second PC set up with a copy of `original`'s keys: to the office, the same agent. */
function twinPc(net: Network, original: SincroNode): SincroNode {
  const dir = join(net.dir, `pc-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  const pc = makeNode(dir, original.id, { role: "agent", agent: original.id }, net.clock.now);
  cloneKeys(original, pc);
  return pc;
}

describe("a reinstalled agent PC", () => {
  it("bootstraps from the sede and carries on without reusing a number the sede has seen", async () => {
    const net = await officeWithAgent();
    const old = net.agent("AG01");
    const [c1, c2] = exec(old, { kind: "AddCustomer", name: "Pub", list: "BASE" }, { kind: "AddCustomer", name: "Pizzeria", list: "BASE" });
    exec(old, { kind: "PlaceOrder", customer: c1 as string, lines: [{ product: "P001", qty: "1" }] });
    exec(old, { kind: "PlaceOrder", customer: c2 as string, lines: [{ product: "P001", qty: "2" }] });
    await net.sync(old);
    await net.sync(net.sede); // received and acknowledged
    // More work uploaded but not yet applied by the sede, then work never synced: the PC dies.
    const [c3] = exec(old, { kind: "AddCustomer", name: "Trattoria", list: "BASE" });
    exec(old, { kind: "PlaceOrder", customer: c3 as string, lines: [{ product: "P001", qty: "3" }] });
    await net.sync(old);
    exec(old, { kind: "PlaceOrder", customer: c1 as string, lines: [{ product: "P001", qty: "99" }] });
    const lostSeq = old.log.head("AG01")?.seq as number;
    old.close();

    await net.sync(net.sede); // the office syncs as usual; the old PC is gone
    const pc = newPc(net);
    await net.sync(net.sede); // after enrolling the new PC, as README says
    const first = await net.sync(pc);
    expect(first.warnings.join("\n")).toMatch(/used by an earlier PC: the office had received its events up to #\d+/);
    // What the old PC had sent came back with the sede's snapshot: its customers are here again.
    expect(pc.read.listCustomers().map((c) => c.code).sort()).toEqual(["000001", c1, c2, c3].sort());
    const [c4] = exec(pc, { kind: "AddCustomer", name: "Gelateria", list: "BASE" });
    const [o] = exec(pc, { kind: "PlaceOrder", customer: c4 as string, lines: [{ product: "P001", qty: "4" }] });
    expect(c4).toBe("AG01000004"); // 1–3 were seen by the sede
    expect(o).toBe("AG01/4"); // 1–3 were seen; the lost #4 never reached anyone, so 4 is free
    expect((pc.log.head("AG01")?.seq as number) > lostSeq - 1).toBe(true);
    await net.sync(pc);
    await net.sync(net.sede);
    await net.sync(net.sede);

    const orders = net.sede.read.listOrders().filter((x) => x.origin === "AG01");
    expect(orders.map((x) => `${x.type}/${x.number}:${x.lines[0]?.qty}`)).toEqual(["AG01/1:1", "AG01/2:2", "AG01/3:3", "AG01/4:4"]);
    expect(net.sede.read.listCustomers().filter((c) => c.origin === "AG01").map((c) => c.code)).toEqual([c1, c2, c3, c4]);
    expect(net.sede.read.listConflicts()).toEqual([]);
    // The sede's copy of AG01's events is one intact chain across both PCs.
    const held = [...net.sede.log.iterate()].filter((e) => e.origin === "AG01");
    expect(verifyChain(held).filter((v) => v.kind !== "missing")).toEqual([]);
    expect(new Set(held.map((e) => e.seq)).size).toBe(held.length);
    // status says how much the office had received from the old PC.
    pc.close();
    const r = sincro(["--db", join(pc.db.name), "status"]);
    expect(r.stdout).toMatch(/^This PC replaced an earlier one with agent code AG01 on \d\d\/\d\d\/\d{4} at \d\d:\d\d; the office had received its data up to change \d+; numbering continues after \d+\.$/m);
  });

  it("continues after the old PC's last segments, which the office receives at its first sync after enrolling the new PC", async () => {
    const net = await officeWithAgent();
    const old = net.agent("AG01");
    const [c1] = exec(old, { kind: "AddCustomer", name: "Pub", list: "BASE" });
    exec(old, { kind: "PlaceOrder", customer: c1 as string, lines: [{ product: "P001", qty: "1" }] });
    await net.sync(old);
    await net.sync(net.sede);
    const [c2] = exec(old, { kind: "AddCustomer", name: "Trattoria", list: "BASE" });
    exec(old, { kind: "PlaceOrder", customer: c2 as string, lines: [{ product: "P001", qty: "2" }] });
    await net.sync(old); // uploaded; the sede has not synced since
    old.close();
    const pc = newPc(net);
    // Before the office syncs, the new PC cannot read what the office parked for AG01 yet.
    const count = pc.log.count();
    await expect(net.sync(pc)).rejects.toThrow(/the office has not synced since this PC was enrolled.* Ask the office to run "sincro sync", then sync again/);
    expect(pc.log.count()).toBe(count);
    // The office's sync still accepts the old PC's keys for what it had parked, then revokes them.
    await net.sync(net.sede);
    expect(net.sede.read.listOrders().filter((x) => x.origin === "AG01")).toHaveLength(2);
    const first = await net.sync(pc);
    expect(first.warnings.join("\n")).toMatch(/used by an earlier PC: the office had received its events up to #\d+/);
    const [c3] = exec(pc, { kind: "AddCustomer", name: "Gelateria", list: "BASE" });
    const [o3] = exec(pc, { kind: "PlaceOrder", customer: c3 as string, lines: [{ product: "P001", qty: "3" }] });
    expect([c3, o3]).toEqual(["AG01000003", "AG01/3"]);
    await net.sync(pc);
    await net.sync(net.sede);
    await net.sync(net.sede);
    const orders = net.sede.read.listOrders().filter((x) => x.origin === "AG01");
    expect(orders.map((x) => `${x.type}/${x.number}:${x.lines[0]?.qty}`)).toEqual(["AG01/1:1", "AG01/2:2", "AG01/3:3"]);
    expect(net.sede.read.listConflicts()).toEqual([]);
    const r = await net.sync(net.sede);
    expect(r.errors).toEqual([]);
  });

  it("refuses to continue an agent code on a PC that recorded work before its first sync", async () => {
    const net = await officeWithAgent();
    const old = net.agent("AG01");
    exec(old, { kind: "AddCustomer", name: "Pub", list: "BASE" });
    await net.sync(old);
    await net.sync(net.sede);
    const pc = newPc(net);
    await net.sync(net.sede);
    exec(pc, { kind: "AddCustomer", name: "Entered too early" });
    const before = pc.log.count();
    await expect(net.sync(pc)).rejects.toThrow(/already in use on another PC .* create a fresh database .* and sync before entering anything/);
    expect(pc.log.count()).toBe(before);
  });
});

describe("a reinstalled PC and a file of its folder that does not open (folder seed 951000174, run 1746)", () => {
  /** The old PC parks a customer and an order; the file is damaged on the server; the PC is gone and the office enrolls a new one. */
  async function oldPcsLastUploadDamaged() {
    const net = await officeWithAgent();
    const old = net.agent("AG01");
    const [c1] = exec(old, { kind: "AddCustomer", name: "Pub", list: "BASE" });
    exec(old, { kind: "PlaceOrder", customer: c1 as string, lines: [{ product: "P001", qty: "7" }] });
    await net.sync(old);
    const name = readdirSync(net.file("SincroAg", "AG01")).filter((f) => f.endsWith(".seg")).sort().at(-1) as string;
    const file = join(net.file("SincroAg", "AG01"), name);
    const whole = readFileSync(file);
    const damaged = Buffer.from(whole);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0xff; // in the signature
    writeFileSync(file, damaged);
    old.close();
    const pc = newPc(net);
    const office = await net.sync(net.sede); // after enrolling the new PC, as README says: it cannot read the file
    expect(office.errors.join("\n")).toContain(`AG01>SEDE stopped: read SincroAg/AG01/${name}: signature of AG01 does not verify`);
    return { net, pc, c1: c1 as string, file, path: `SincroAg/AG01/${name}`, whole, damaged };
  }

  const ordersAtSede = (net: Network) =>
    net.sede.read
      .listOrders()
      .filter((x) => x.origin === "AG01")
      .map((x) => `${x.type}/${x.number}:${x.lines[0]?.qty}`);

  it("keeps the old PC's damaged last upload, waits, and once it is put back the office reads it and the new PC numbers after it", async () => {
    const { net, pc, c1, file, path, whole, damaged } = await oldPcsLastUploadDamaged();
    const first = await net.sync(pc);
    expect(first.errors).toEqual([]);
    expect(first.warnings.join("\n")).toContain(`${path}: this PC replaces an earlier PC of its agent code, and this file of its folder, numbered after what the office received, does not open`);
    expect(first.sent.events).toBe(0);
    expect(pc.heldOn()).toEqual([path]);
    // New work would take the numbers that file may hold: refused, saying which file.
    expect(() => exec(pc, { kind: "AddCustomer", name: "Too early", list: "BASE" })).toThrow(`this PC waits on ${path}`);
    // The office asks for it again; the new PC neither deletes nor replaces it.
    await net.sync(net.sede);
    const again = await net.sync(pc);
    expect(again.warnings.join("\n")).toContain(`${path}: this PC replaces an earlier PC`);
    expect(readFileSync(file)).toEqual(damaged);

    writeFileSync(file, whole); // the provider puts it back
    // The new PC syncs first: the file opens as the old PC's, and the office has not read it.
    const before = await net.sync(pc);
    expect(before.warnings.join("\n")).toContain(`${path}: this file of the earlier PC opens again, but the office has not read it yet`);
    expect(readFileSync(file)).toEqual(whole);
    // The office still accepts the old PC's keys for the file its stream waited on.
    const office = await net.sync(net.sede);
    expect(office.errors).toEqual([]);
    expect(ordersAtSede(net)).toEqual(["AG01/1:7"]);
    expect(net.sede.read.listCustomers().map((c) => c.code)).toContain(c1);
    const last = await net.sync(pc);
    expect(last.warnings.join("\n")).toMatch(/used by an earlier PC: the office had received its events up to #\d+/);
    expect(pc.heldOn()).toEqual([]);
    const [o2] = exec(pc, { kind: "PlaceOrder", customer: c1, lines: [{ product: "P001", qty: "8" }] });
    expect(o2).toBe("AG01/2");
    await net.sync(pc);
    await net.sync(net.sede);
    expect(ordersAtSede(net)).toEqual(["AG01/1:7", "AG01/2:8"]);
    const held = [...net.sede.log.iterate()].filter((e) => e.origin === "AG01");
    expect(verifyChain(held).filter((v) => v.kind !== "missing")).toEqual([]);
  });

  it("a file the old PC never wrote: the new PC waits until it is deleted, then goes on from what the office received", async () => {
    const { net, pc, file, path } = await oldPcsLastUploadDamaged();
    writeFileSync(file, Buffer.from("not a segment at all")); // not damaged: replaced by junk
    const held = await net.sync(pc);
    expect(held.warnings.join("\n")).toContain(`${path}: this PC replaces an earlier PC`);
    expect(held.warnings.join("\n")).toContain("if the earlier PC never wrote it, delete it from the server");
    expect(existsSync(file)).toBe(true);
    rmSync(file); // what the warning says to do
    const r = await net.sync(pc);
    expect(r.errors).toEqual([]);
    expect(pc.heldOn()).toEqual([]);
    const [c2] = exec(pc, { kind: "AddCustomer", name: "Gelateria", list: "BASE" });
    exec(pc, { kind: "PlaceOrder", customer: c2 as string, lines: [{ product: "P001", qty: "9" }] });
    await net.sync(pc);
    await net.sync(net.sede);
    await net.sync(net.sede);
    expect(ordersAtSede(net)).toEqual(["AG01/1:9"]);
    const last = await net.sync(net.sede);
    expect(last.errors).toEqual([]);
  });
});

describe("two live PCs with one agent code", () => {
  it("are stopped at the first sync that shows it, and nothing the sede received is lost or overwritten", async () => {
    const net = await officeWithAgent();
    const old = net.agent("AG01");
    exec(old, { kind: "AddCustomer", name: "Pub", list: "BASE" });
    await net.sync(old);
    await net.sync(net.sede);
    await net.sync(old);
    // A second PC is set up with the same code and a copy of its keys while the first stays in use.
    const twin = twinPc(net, old);
    await net.sync(twin);
    exec(twin, { kind: "AddCustomer", name: "Twin's customer", list: "BASE" });
    exec(old, { kind: "AddCustomer", name: "Old PC's customer", list: "BASE" });
    await net.sync(twin);
    await expect(net.sync(old)).rejects.toThrow(/Two PCs are publishing as agent AG01: stop syncing on one of them/);
    const atSede = net.sede.read.listCustomers();
    const r = await net.sync(net.sede);
    expect(r.errors).toEqual([]);
    const after = net.sede.read.listCustomers();
    expect(after.slice(0, atSede.length)).toEqual(atSede);
    expect(after.map((c) => c.name)).toContain("Twin's customer");
    expect(after.map((c) => c.name)).not.toContain("Old PC's customer");
  });

  it("an old PC that finds the office holding later events of its code sends nothing and stops with what to do", async () => {
    const net = await officeWithAgent();
    const old = net.agent("AG01");
    exec(old, { kind: "AddCustomer", name: "Pub", list: "BASE" });
    await net.sync(old);
    await net.sync(net.sede);
    await net.sync(old); // prunes segment 1 after the ack
    // A twin bootstraps, sends segment 2; the sede applies it and the twin prunes it.
    const twin = twinPc(net, old);
    await net.sync(twin);
    exec(twin, { kind: "AddCustomer", name: "Twin's customer", list: "BASE" });
    await net.sync(twin);
    await net.sync(net.sede);
    await net.sync(twin);
    // The old PC, unaware, records on. Its sync finds the office's ack naming a segment it never
    // sealed: it sends nothing (its segment 2 would reuse numbers the office holds), asks for
    // the office's copy, and refuses new work meanwhile.
    exec(old, { kind: "AddCustomer", name: "Old 1", list: "BASE" });
    const asked = await net.sync(old);
    expect(asked.sent.events).toBe(0);
    expect(asked.warnings.join("\n")).toMatch(/the office received events of AG01 up to #\d+/);
    expect(() => exec(old, { kind: "AddCustomer", name: "Old 2", list: "BASE" })).toThrow(/waits for the office/);
    const customers = net.sede.read.listCustomers();
    const r = await net.sync(net.sede);
    expect(r.errors).toEqual([]);
    // What comes back does not follow "Old 1": the old PC stops, saying what to do.
    await expect(net.sync(old)).rejects.toThrow(/another PC is using the code AG01/);
    expect(net.sede.read.listCustomers()).toEqual(customers);
    expect(net.sede.read.listCustomers().map((c) => c.name)).not.toContain("Old 1");
  });
});

describe("clock skew", () => {
  it("events from a clock far ahead are applied, reported by sync and status, and the most recent rule stays deterministic", async () => {
    const dir = tempDir();
    const net = officeWithAgentAG01(dir);
    const [cust] = exec(net.sede, { kind: "AddCustomer", name: "Bar", agent: "AG01", list: "BASE" });
    await net.round();
    // The agent's PC is 72 h ahead; it edits a special price, then the sede edits the same one later in real time.
    const agentDir = join(dir, "ahead");
    mkdirSync(agentDir);
    const ahead = net.agent("AG01");
    const file = ahead.db.name;
    ahead.close();
    const { SincroNode } = await import("../../src/node/sincroNode.js");
    const skewed = SincroNode.open(file, { now: () => net.clock.now() + 72 * 3_600_000 });
    net.agents.set("AG01", skewed);
    exec(skewed, { kind: "SetSpecialPrice", customer: cust as string, product: "P001", price: "7.00" });
    await net.sync(skewed);
    const r = await net.sync(net.sede);
    expect(r.received.events).toBe(1);
    expect(r.warnings.join("\n")).toMatch(/clock skew: AG01#\d+ is 7\d\.\d h ahead of this PC's clock/);
    // The sede's later edit still sorts after the skewed one: its HLC merged the received clock.
    exec(net.sede, { kind: "SetSpecialPrice", customer: cust as string, product: "P001", price: "7.50" });
    await net.round();
    await net.round();
    expect(net.sede.read.listSpecialPrices()[0]?.price).toBe("7.50");
    expect(skewed.read.listSpecialPrices()[0]?.price).toBe("7.50");
    net.sede.close();
    const status = sincro(["--db", join(dir, "sede.db"), "status"]);
    expect(status.stdout).toMatch(/^The clock of AG01 was up to 7\d(\.\d)? h ahead of this PC's \(last on \d\d\/\d\d\/\d{4} at \d\d:\d\d\): check it\.$/m);
  });
});
