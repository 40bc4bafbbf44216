import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sync } from "../../src/ship/sync.js";
import { FolderTransport } from "../../src/ship/transports/folderTransport.js";
import { exec, folderArea, officeWithAgentAG01 } from "../support/network.js";
import { enroll, makeNode } from "../support/nodes.js";
import type { SincroNode } from "../../src/node/sincroNode.js";
import { tempDir } from "../support/tempDir.js";

describe("sync never creates the parking area's root folders", () => {
  it("a mistyped folder is refused, naming what is missing and what to check; nothing is written there", async () => {
    const net = officeWithAgentAG01(tempDir());
    const typo = join(net.dir, "nonexistent", "deep");
    const before = net.sede.log.count();
    const err = await sync(net.sede, new FolderTransport(typo)).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "NO_PARKING_AREA",
      field: "parking",
      message: `sync: folder:${typo} has no SincroAg and no SincroSede folder, so it is not a parking area: check the folder setting (ftp.dir, sftp.dir, s3.prefix or folder.path); at the office, "sincro parking check" creates them`,
    });
    expect(existsSync(typo)).toBe(false);
    expect(net.sede.log.count()).toBe(before);
    // An agent's order waits on its PC, not in a folder no one reads.
    await net.round();
    exec(net.agent("AG01"), { kind: "AddCustomer", name: "Bar", list: "BASE" });
    mkdirSync(join(net.dir, "other", "SincroAg"), { recursive: true });
    const half = await sync(net.agent("AG01"), new FolderTransport(join(net.dir, "other"))).catch((e: unknown) => e);
    expect(half).toMatchObject({ code: "NO_PARKING_AREA", message: expect.stringContaining("has no SincroSede folder") });
    expect(existsSync(join(net.dir, "other", "SincroAg", "AG01"))).toBe(false);
    expect((await net.sync(net.agent("AG01"))).sent.events).toBe(1);
  });

  it("a sede moved to a new, empty parking area publishes there again what it still holds: a new agent gets the catalogue", async () => {
    const net = officeWithAgentAG01(tempDir());
    await net.round();
    const moved = folderArea(join(net.dir, "new-park"));
    const sync2 = (node: SincroNode) => sync(node, moved.open());
    exec(net.sede, { kind: "RegisterAgent", code: "AG02", name: "Luca" });
    const ag02 = makeNode(net.dir, "AG02", { role: "agent", agent: "AG02" }, net.clock.now);
    enroll(net.sede, ag02);
    const first = await sync2(net.sede);
    expect(first.errors).toEqual([]);
    expect(first.sent.snapshots).toBeGreaterThanOrEqual(2);
    expect((await sync2(ag02)).errors).toEqual([]);
    expect(ag02.read.listProducts().map((p) => p.code)).toEqual(["P001"]);
    // AG01 moves too, and goes on from where it was.
    expect((await sync2(net.agent("AG01"))).errors).toEqual([]);
    exec(net.sede, { kind: "AddProduct", code: "P002", description: "Pasta" });
    await sync2(net.sede);
    await sync2(net.agent("AG01"));
    expect(net.agent("AG01").read.listProducts().map((p) => p.code)).toEqual(["P001", "P002"]);
  });

  it("a new office database on a parking area another office database uses is refused, naming the file; with the office's keys restored it syncs", async () => {
    const net = officeWithAgentAG01(tempDir());
    await net.round();
    const all = net.file("SincroSede", "_ALL");
    const head = readdirSync(all).find((n) => n.endsWith(".head")) as string;
    const before = areaFiles(net.area.root);
    const fresh = makeNode(net.dir, "fresh-sede", { role: "sede" }, net.clock.now);
    exec(fresh, { kind: "RegisterAgent", code: "AG01", name: "Mario" }, { kind: "AddProduct", code: "P009", description: "Sale" });
    const err = await sync(fresh, net.area.open()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "AREA_IN_USE", field: "parking", message: expect.stringContaining(`is already used by another office database: SincroSede/_ALL/${head} was not written with this office's keys`) });
    expect((err as Error).message).toContain('restore the office\'s keys ("sincro init --role sede --restore-key FILE")');
    // Nothing written: not on the server, not marked sent.
    expect(areaFiles(net.area.root)).toEqual(before);
    expect(fresh.outbox.everUploaded()).toBe(false);
    // A replaced office PC with the office's keys is the same office.
    const restored = makeNode(net.dir, "restored-sede", { role: "sede", keys: net.sede.keyring.own()! }, net.clock.now);
    expect((await sync(restored, net.area.open())).errors).toEqual([]);
  });
});

/** Every file under `root` with its bytes, by path. */
function areaFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out[path.slice(root.length + 1)] = readFileSync(path).toString("base64");
  }
  return out;
}
