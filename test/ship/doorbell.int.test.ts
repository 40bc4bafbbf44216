import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { TransportError } from "../../src/errors.js";
import { agentsToRead, bellsByAgent, BELL_FOLDER } from "../../src/ship/doorbell.js";
import { FolderTransport } from "../../src/ship/transports/folderTransport.js";
import { FtpTransport } from "../../src/ship/transports/ftpTransport.js";
import { generateKeys, publicKeys } from "../../src/wire/keys.js";
import { embeddedFtpArea, exec, folderArea, Network, type ParkingArea } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

const HOUR = 3_600_000;

describe("the doorbell's decisions", () => {
  it("groups bell names per agent and ignores names that are not bells", () => {
    const bells = bellsByAgent(["AG02.3.0000beef", "AG01.7.12345678", "AG01.6.abcdef01", "README", "ag03.1.00000000", "AG04.1.xyz", "AG05.2.0000000a.tmp"]);
    expect([...bells]).toEqual([
      ["AG01", "AG01.6.abcdef01 AG01.7.12345678"],
      ["AG02", "AG02.3.0000beef"],
    ]);
  });

  it("reads an agent's folder when it is new, retiring, rang, or was last read too long ago", () => {
    const now = Date.UTC(2026, 2, 3, 12);
    const read = new Date(now - HOUR).toISOString();
    const heard = new Map([
      ["QUIET", { names: "QUIET.1.00000001", read }],
      ["RANG", { names: "RANG.1.00000001", read }],
      ["GONE", { names: "GONE.1.00000001", read }],
      ["OLD", { names: "", read: new Date(now - 24 * HOUR).toISOString() }],
      ["RETIRING", { names: "", read }],
    ]);
    const bells = new Map([
      ["QUIET", "QUIET.1.00000001"],
      ["RANG", "RANG.2.00000002"],
    ]);
    const agents = ["NEW", "QUIET", "RANG", "GONE", "OLD", "RETIRING"];
    expect(agentsToRead({ agents, bells, heard, nowMs: now, fullListingMs: 24 * HOUR, always: new Set(["RETIRING"]) })).toEqual([
      "NEW",
      "RANG",
      "GONE",
      "OLD",
      "RETIRING",
    ]);
    // 0 hours: the doorbell is off, every folder is read at every sync.
    expect(agentsToRead({ agents, bells, heard, nowMs: now, fullListingMs: 0, always: new Set() })).toEqual(agents);
  });
});

const areas: Array<[string, (dir: string) => Promise<ParkingArea>]> = [
  ["folder", async (dir) => folderArea(join(dir, "park"))],
  ["embedded ftp", async () => embeddedFtpArea()],
];

const code = (i: number) => `A${String(i).padStart(3, "0")}`;

/**
 * A sede with `n` registered and enrolled agents A001…; only those in `real` have a node of
 * their own (the others are enrolled with keys the test throws away: they never sync, but
 * rang once, as in daily use). A001 has customer 000001.
 */
async function office(makeArea: (dir: string) => Promise<ParkingArea>, n: number, real: string[]): Promise<Network> {
  const dir = tempDir();
  const area = await makeArea(dir);
  onTestFinished(() => area.stop());
  const net = new Network(dir, area, real);
  const at = new Date(Date.UTC(2026, 2, 2)).toISOString();
  net.sede.batch(() => {
    for (let i = 1; i <= n; i++) {
      net.sede.execute({ kind: "RegisterAgent", code: code(i), name: `Agent ${i}` });
      if (!real.includes(code(i))) net.sede.keyring.vouch(code(i), publicKeys(generateKeys()), at);
    }
  });
  exec(
    net.sede,
    { kind: "AddProduct", code: "P001", description: "Olio" },
    { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
    { kind: "AddCustomer", name: "Bar", agent: "A001", list: "BASE" },
  );
  mkdirSync(join(area.root, BELL_FOLDER), { recursive: true });
  for (let i = 1; i <= n; i++) if (!real.includes(code(i))) writeFileSync(join(area.root, BELL_FOLDER, `${code(i)}.1.0000abcd`), "rang earlier");
  await net.sync(net.sede);
  for (const a of real) await net.sync(net.agent(a));
  await net.sync(net.sede);
  return net;
}

const order = (net: Network, agent = "A001") => exec(net.agent(agent), { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "3" }] })[0];
const ordersAtSede = (net: Network) => net.sede.read.listOrders().map((o) => `${o.type}/${o.number}`);

describe.each(areas)("the doorbell through %s", (_name, makeArea) => {
  it("a quiet sede sync with 300 agents costs at most 5 requests; an order rings and arrives", async () => {
    const net = await office(makeArea, 300, ["A001", "A002"]);
    const quiet = await net.sync(net.sede);
    expect(quiet.commands).toBeLessThanOrEqual(5);
    expect(quiet.received.events).toBe(0);
    expect(quiet.warnings).toEqual([]);

    const placed = order(net);
    const sent = await net.sync(net.agent("A001"));
    expect(sent.sent.events).toBe(1);
    const bells = readdirSync(join(net.area.root, BELL_FOLDER)).filter((n) => n.startsWith("A001."));
    expect(bells).toHaveLength(1);
    const active = await net.sync(net.sede);
    expect(ordersAtSede(net)).toEqual([placed]);
    // The bell listing, then one agent's folder, its segment, and the sede's ack to it.
    expect(active.commands).toBeLessThanOrEqual(quiet.commands + 15);
    expect((await net.sync(net.sede)).commands).toBeLessThanOrEqual(5);
  });

  it("a forged ring costs the sede one listing and one delete; a deleted ring delays an order until the full listing", async () => {
    const net = await office(makeArea, 20, ["A001", "A002"]);
    const quiet = await net.sync(net.sede);
    const bellDir = join(net.area.root, BELL_FOLDER);
    // The sede deleted every bell it heard: a quiet sync lists an empty folder.
    expect(readdirSync(bellDir)).toEqual([]);

    // Anyone with the password may write a bell: it is a hint, the sede lists that folder and finds nothing.
    writeFileSync(join(bellDir, "A002.999.deadbeef"), "forged");
    const forged = await net.sync(net.sede);
    expect(forged.received.events).toBe(0);
    expect(forged.errors).toEqual([]);
    const folderFiles = readdirSync(join(net.area.root, "SincroAg", "A002")).length;
    // folder: readdir + a stat per file; FTP: EPSV + LIST; then the bell's delete.
    expect(forged.commands - quiet.commands).toBeLessThanOrEqual(Math.max(2, 1 + folderFiles) + 1);
    expect(readdirSync(bellDir)).toEqual([]);
    expect((await net.sync(net.sede)).commands).toBe(quiet.commands);

    // The agent rings, someone deletes the bell: the sede hears nothing until its full listing.
    const placed = order(net);
    await net.sync(net.agent("A001"));
    const rung = readdirSync(bellDir).filter((n) => n.startsWith("A001."));
    expect(rung).toHaveLength(1);
    unlinkSync(join(bellDir, rung[0] as string));
    expect((await net.sync(net.sede)).received.events).toBe(0);
    expect(ordersAtSede(net)).toEqual([]);
    // 24 hours later the sede reads every agent's folder, and the order is there.
    net.clock.set(net.clock.now() + 24 * HOUR);
    const full = await net.sync(net.sede);
    expect(full.received.events).toBe(1);
    expect(ordersAtSede(net)).toEqual([placed]);
    expect((await net.sync(net.sede)).commands).toBe(quiet.commands);
  });

  it("a bell the sede heard and deleted, put back, is heard again: one listing, nothing received twice", async () => {
    const net = await office(makeArea, 5, ["A001"]);
    const bellDir = join(net.area.root, BELL_FOLDER);
    const placed = order(net);
    await net.sync(net.agent("A001"));
    const rung = readdirSync(bellDir).find((n) => n.startsWith("A001.")) as string;
    const heard = await net.sync(net.sede);
    expect(heard.received.events).toBe(1);
    expect(readdirSync(bellDir)).toEqual([]);
    const quiet = await net.sync(net.sede);
    writeFileSync(join(bellDir, rung), "put back");
    const again = await net.sync(net.sede);
    expect(again.received.events).toBe(0);
    expect(again.commands).toBeGreaterThan(quiet.commands);
    expect(ordersAtSede(net)).toEqual([placed]);
    expect(readdirSync(bellDir)).toEqual([]);
  });
});

describe("ringing", () => {
  it("a ring cut by a dropped connection is owed: the agent rings at its next sync, and the order arrives", async () => {
    const dir = tempDir();
    const net = await office(async () => folderArea(join(dir, "park")), 3, ["A001"]);
    const placed = order(net);
    // The agent's connection drops as it writes its bell, after its segment is on the server.
    class DropsBell extends FolderTransport {
      override async write(path: string, bytes: Buffer): Promise<void> {
        if (path.startsWith(`${BELL_FOLDER}/`)) throw new TransportError(`upload ${path}: connection dropped (test)`);
        return super.write(path, bytes);
      }
    }
    const dropping = new DropsBell(net.area.root);
    const { sync } = await import("../../src/ship/sync.js");
    await expect(sync(net.agent("A001"), dropping)).rejects.toThrow(/connection dropped/);
    await net.sync(net.sede);
    expect(ordersAtSede(net)).toEqual([]);
    const again = await net.sync(net.agent("A001"));
    expect(again.sent.events).toBe(0);
    await net.sync(net.sede);
    expect(ordersAtSede(net)).toEqual([placed]);
    // The sede heard the newest bell and deleted it; the one cut never reached the server.
    expect(readdirSync(join(net.area.root, BELL_FOLDER)).filter((n) => n.startsWith("A001."))).toEqual([]);
  });
});

describe("parallel fetch", () => {
  it("a sede receiving from 6 agents on 4 connections applies them in the agents' order, as on one", async () => {
    const agents = ["A001", "A002", "A003", "A004", "A005", "A006"];
    const results: string[][] = [];
    for (const connections of [1, 4]) {
      const area = await embeddedFtpArea();
      onTestFinished(() => area.stop());
      const net = await office(async () => area, 8, agents);
      net.connections = connections;
      for (const a of agents) {
        const [cust] = exec(net.agent(a), { kind: "AddCustomer", name: `Cliente ${a}`, list: "BASE" });
        for (let i = 0; i < 3; i++) exec(net.agent(a), { kind: "PlaceOrder", customer: cust as string, lines: [{ product: "P001", qty: String(i + 1) }] });
        await net.sync(net.agent(a));
      }
      const r = await net.sync(net.sede);
      expect(r.errors).toEqual([]);
      expect(r.received.events).toBe(agents.length * 4);
      results.push([...net.sede.log.iterate()].filter((e) => e.origin !== "SEDE").map((e) => `${e.origin}#${e.seq}`));
      expect((await net.sync(net.sede)).commands).toBeLessThanOrEqual(5);
    }
    expect(results[1]).toEqual(results[0]);
  });

  it("an extra connection the server refuses only slows the sync, with a warning", async () => {
    const area = await embeddedFtpArea();
    onTestFinished(() => area.stop());
    const agents = ["A001", "A002", "A003"];
    const net = await office(async () => area, 3, agents);
    for (const a of agents) {
      const [cust] = exec(net.agent(a), { kind: "AddCustomer", name: `Cliente ${a}`, list: "BASE" });
      exec(net.agent(a), { kind: "PlaceOrder", customer: cust as string, lines: [{ product: "P001", qty: "1" }] });
      await net.sync(net.agent(a));
    }
    const { sync } = await import("../../src/ship/sync.js");
    const main = area.open();
    const refused = () => new FtpTransport({ host: "127.0.0.1", port: 1, user: "x", password: "x", dir: "/", timeoutMs: 2000 });
    try {
      const r = await sync(net.sede, main, { connections: 3, openTransport: refused });
      expect(r.errors).toEqual([]);
      expect(r.received.events).toBe(6);
      expect(r.warnings.some((w) => /connection 2 of 3 failed .*went on with fewer connections/.test(w))).toBe(true);
    } finally {
      await main.close();
    }
  });
});
