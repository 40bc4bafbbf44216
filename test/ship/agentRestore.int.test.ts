import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditLogFile, auditNodeDatabase } from "../../src/audit/auditSources.js";
import { exportLog } from "../../src/audit/logFile.js";
import { SincroNode } from "../../src/node/sincroNode.js";
import { exec, officeWithAgentAG01, type Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";
import { said } from "../audit/said.js";

/** Replaces AG01's database with `backup`, as copying the file back would. */
function restore(net: Network, backup: string): SincroNode {
  const old = net.agent("AG01");
  const file = old.db.name;
  old.close();
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) rmSync(f);
  copyFileSync(backup, file);
  const restored = SincroNode.open(file, { now: net.clock.now });
  net.agents.set("AG01", restored);
  return restored;
}

const order = (node: SincroNode, customer: string) => exec(node, { kind: "PlaceOrder", customer, lines: [{ product: "P001", qty: "1" }] })[0];
const orders = (node: SincroNode) => node.read.listOrders().map((o) => `${o.type}/${o.number}`).sort();

/** AG01 with a customer and its order AG01/1, synced both ways; then a backup of its database. */
async function backedUpAgent(): Promise<{ net: Network; ag: SincroNode; cust: string; backup: string }> {
  const dir = tempDir();
  const net = officeWithAgentAG01(dir);
  await net.round();
  const ag = net.agent("AG01");
  const [cust] = exec(ag, { kind: "AddCustomer", name: "Bar", list: "BASE" });
  order(ag, cust as string);
  await net.round();
  const backup = `${dir}/ag01.bak`;
  ag.backupTo(backup);
  return { net, ag, cust: cust as string, backup };
}

/** The office's sync sends AG01/2 back; the PC takes it, numbers its next order after it, and both sides agree. */
async function officeSendsBackAG01_2(net: Network, pc: SincroNode, cust: string): Promise<void> {
  await net.sync(net.sede);
  const back = await net.sync(pc);
  expect(back.errors).toEqual([]);
  expect(back.warnings.join("\n")).toContain("recovered from the office 1 event(s)");
  expect(order(pc, cust)).toBe("AG01/3");
  await net.round();
  await net.round();
  expect(orders(net.sede)).toEqual(["AG01/1", "AG01/2", "AG01/3"]);
  expect(orders(pc)).toEqual(["AG01/1", "AG01/2", "AG01/3"]);
}

describe("an agent PC restored from a backup", () => {
  it("with its later segments still on the server: gets its work back, clears them, numbers after them, no fork", async () => {
    const { net, ag, cust, backup } = await backedUpAgent();

    // After the backup: two syncs' worth of orders, received and acknowledged by the office; the
    // PC fails before it prunes them, so its segments are still on the server.
    order(ag, cust as string);
    await net.sync(ag);
    order(ag, cust as string);
    await net.sync(ag);
    await net.sync(net.sede);
    expect(orders(net.sede)).toEqual(["AG01/1", "AG01/2", "AG01/3"]);
    const folder = net.file("SincroAg", "AG01");
    expect(readdirSync(folder).filter((n) => n.endsWith(".seg")).length).toBe(2);

    const pc = restore(net, backup);
    expect(orders(pc)).toEqual(["AG01/1"]);
    const asked = await net.sync(pc);
    expect(asked.sent.events).toBe(0);
    expect(asked.warnings.join("\n")).toContain("this PC was restored from a backup");
    expect(() => order(pc, cust as string)).toThrow(/restored from a backup/);
    const served = await net.sync(net.sede);
    expect(served.warnings.join("\n")).toMatch(/sent back to AG01 its 2 event\(s\)/);
    const back = await net.sync(pc);
    expect(back.errors).toEqual([]);
    expect(back.warnings.join("\n")).toContain("recovered from the office 2 event(s)");
    expect(orders(pc)).toEqual(["AG01/1", "AG01/2", "AG01/3"]);
    expect(readdirSync(folder).filter((n) => n.endsWith(".seg"))).toEqual([]);
    expect(readdirSync(folder)).not.toContain("return.req");

    const next = order(pc, cust as string);
    expect(next).toBe("AG01/4");
    await net.round();
    await net.round();
    expect(orders(net.sede)).toEqual(["AG01/1", "AG01/2", "AG01/3", "AG01/4"]);
    expect(readdirSync(net.file("SincroSede", "AG01"))).not.toContain("return.ret");
    const again = await net.sync(pc);
    expect(again.errors).toEqual([]);
    expect(again.warnings).toEqual([]);
  });

  // Seed 950000001 (shrunk): what a PC records that never leaves it (a customer edit, a snapshot
  // applied) is lost with the restore; when an event sent after it comes back from the office,
  // its number is a gap in the PC's chain. The audit reports that gap as lost with the restore
  // (information), in the database and in its exported log, and no other gap.
  it("the office's ack lost after it answered: the PC asks again, and the office answers with a new ack", async () => {
    const { net, ag, cust, backup } = await backedUpAgent();
    order(ag, cust);
    await net.sync(ag);
    await net.sync(net.sede);
    const pc = restore(net, backup);
    await net.sync(pc);
    expect((await net.sync(net.sede)).warnings.join("\n")).toMatch(/sent back to AG01 its 1 event\(s\)/);
    // Someone deletes the office's ack of AG01's stream (anyone with the password can).
    rmSync(net.file("SincroSede", "AG01", "AG01.ack"));

    const stale = await net.sync(pc);
    expect(stale.warnings.join("\n")).toMatch(/the events the office sent back \(#(\d+) to #\1\) are not yet the ones this PC asked for/);
    // The PC asked again, so the office's next sync reads its folder, answers, and acks again.
    const served = await net.sync(net.sede);
    expect(served.warnings.join("\n")).toMatch(/sent back to AG01 its 1 event\(s\)/);
    expect(readdirSync(net.file("SincroSede", "AG01"))).toContain("AG01.ack");
    const back = await net.sync(pc);
    expect(back.errors).toEqual([]);
    expect(back.warnings.join("\n")).toContain("recovered from the office 1 event(s)");
    expect(orders(pc)).toEqual(["AG01/1", "AG01/2"]);
    expect(order(pc, cust)).toBe("AG01/3");
  });

  it("a local change lost between the backup and work that comes back is reported by the audit as lost with the restore", async () => {
    const { net, ag, cust, backup } = await backedUpAgent();
    const dir = join(backup, "..");
    exec(ag, { kind: "UpdateCustomer", code: cust, city: "Napoli" }); // stays on this PC
    const lostSeq = (ag.log.head("AG01") as { seq: number }).seq;
    order(ag, cust);
    await net.sync(ag);
    await net.sync(net.sede);

    const pc = restore(net, backup);
    await net.sync(pc);
    await net.sync(net.sede);
    expect((await net.sync(pc)).errors).toEqual([]);
    expect(orders(pc)).toEqual(["AG01/1", "AG01/2"]);
    expect(pc.log.get("AG01", lostSeq)).toBeUndefined();

    const report = said(auditNodeDatabase(pc.db.name));
    expect(report.findings.filter((f) => f.severity === "violation")).toEqual([]);
    expect(report.findings.filter((f) => f.kind === "lost-in-restore").map((f) => f.detail)).toEqual([
      expect.stringMatching(new RegExp(`^AG01#${lostSeq} was recorded after the backup that was put back on .* lost with the restore$`)),
    ]);
    const out = join(dir, "ag01.log.gz");
    exportLog(pc, out);
    const exported = await auditLogFile(out);
    expect(exported.findings.filter((f) => f.severity === "violation")).toEqual([]);
    expect(exported.findings.filter((f) => f.kind === "lost-in-restore")).toHaveLength(1);
  });

  it("with work parked after the backup that the office has not read yet: waits for it, gets it back, no fork", async () => {
    const { net, ag, cust, backup } = await backedUpAgent();
    order(ag, cust as string); // AG01/2: parked, the office has not synced since
    await net.sync(ag);

    const pc = restore(net, backup);
    // The office's ack is one this copy holds: only the parked segment tells it is behind.
    const first = await net.sync(pc);
    expect(first.errors).toEqual([]);
    expect(first.warnings.join("\n")).toContain("this PC was restored from a backup");
    expect(() => order(pc, cust as string)).toThrow(/restored from a backup/);
    await officeSendsBackAG01_2(net, pc, cust);
  });

  it("with work parked after the backup damaged on the server: the file is kept, the PC waits, and once it is put back the work comes back", async () => {
    const { net, ag, cust, backup } = await backedUpAgent();
    order(ag, cust as string); // AG01/2: parked, the office has not synced since
    await net.sync(ag);
    const file = join(net.file("SincroAg", "AG01"), "0000000002.seg");
    const whole = readFileSync(file);
    const damaged = Buffer.from(whole);
    damaged[40] = (damaged[40] as number) ^ 0xff;
    writeFileSync(file, damaged);

    const pc = restore(net, backup);
    const first = await net.sync(pc);
    expect(first.errors).toEqual([]);
    expect(first.warnings.join("\n")).toContain("SincroAg/AG01/0000000002.seg: this PC was put back from a backup, and this file of its own folder, numbered after the last one the copy sealed, does not open");
    expect(first.sent.events).toBe(0);
    // The office cannot read it either and asks for it again; the PC neither deletes nor replaces it.
    const office = await net.sync(net.sede);
    expect(office.errors.join("\n")).toMatch(/AG01>SEDE stopped: read SincroAg\/AG01\/0000000002.seg/);
    const again = await net.sync(pc);
    expect(again.warnings.join("\n")).toContain("does not open");
    expect(readFileSync(file)).toEqual(damaged);
    expect(pc.isBackupCopy()).toBe(true);

    writeFileSync(file, whole); // the provider puts it back
    await net.sync(pc); // now it reads as this PC's own: asks for it back
    await officeSendsBackAG01_2(net, pc, cust);
  });

  it("a file it never wrote in its folder past the copy's last segment: the PC waits until it is deleted, then goes on", async () => {
    const { net, cust, backup } = await backedUpAgent();
    const pc = restore(net, backup);
    const junk = join(net.file("SincroAg", "AG01"), "0000000002.seg");
    writeFileSync(junk, Buffer.from("not a segment at all"));
    const held = await net.sync(pc);
    expect(held.warnings.join("\n")).toContain("SincroAg/AG01/0000000002.seg: this PC was put back from a backup");
    expect(held.warnings.join("\n")).toContain("if this PC never wrote it, delete it from the server");
    expect(existsSync(junk)).toBe(true);
    rmSync(junk); // what the warning says to do
    const r = await net.sync(pc);
    expect([r.errors, r.warnings]).toEqual([[], []]);
    expect(pc.isBackupCopy()).toBe(false);
    expect(order(pc, cust)).toBe("AG01/2");
    await net.round();
    await net.round();
    expect(orders(net.sede)).toEqual(["AG01/1", "AG01/2"]);
  });

  it("a backup copy with nothing parked after it: its first sync clears the mark and it goes on", async () => {
    const dir = tempDir();
    const net = officeWithAgentAG01(dir);
    await net.round();
    const ag = net.agent("AG01");
    const backup = `${dir}/ag01.bak`;
    ag.backupTo(backup);
    const pc = restore(net, backup);
    expect(pc.isBackupCopy()).toBe(true);
    const r = await net.sync(pc);
    expect([r.errors, r.warnings]).toEqual([[], []]);
    expect(pc.isBackupCopy()).toBe(false);
    expect(pc.awaitingReturn()).toBe(false);
  });
});
