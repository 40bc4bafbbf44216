import { copyFileSync, existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ParkingTrust } from "../../src/ship/parkingTrust.js";
import { SincroNode } from "../../src/node/sincroNode.js";
import { exec, officeWithAgentAG01 } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

describe("an office database restored from a backup", () => {
  it("with a newer head written by an earlier sincro (no positions in it): refuses, says why, and writes nothing", async () => {
    const dir = tempDir();
    const net = officeWithAgentAG01(dir);
    await net.round();
    const file = net.sede.db.name;
    const backup = `${file}.bak`;
    net.sede.backupTo(backup);
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9.50" });
    await net.round();

    // The office PC's disk is replaced with the backup; the newest head on the server is one of an earlier version.
    net.sede.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) rmSync(f);
    copyFileSync(backup, file);
    const restored = SincroNode.open(file, { now: net.clock.now });
    net.sede = restored;
    const all = net.file("SincroSede", "_ALL");
    for (const f of readdirSync(all).filter((n) => n.endsWith(".head"))) rmSync(join(all, f));
    const path = "SincroSede/_ALL/0000000099.head";
    const old = { format: "sincro-head/1", number: 99, at: new Date(net.clock.now()).toISOString(), streams: { "SEDE>*": 3 } };
    writeFileSync(net.file(path), new ParkingTrust(restored).seal(path, Buffer.from(`${JSON.stringify(old)}\n`)));
    const before = readdirSync(all).sort();

    await expect(net.sync(restored)).rejects.toThrow(/this office database is older than the office's last sync .*written by an earlier sincro/);
    expect(readdirSync(all).sort()).toEqual(before);
    expect(() => exec(restored, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "7.00" })).toThrow(/put back from a backup/);
    const agentSync = await net.sync(net.agent("AG01"));
    expect(agentSync.errors).toEqual([]);
  });

  it("a forged newer head on the server does not stop a current office", async () => {
    const net = officeWithAgentAG01(tempDir());
    await net.round();
    writeFileSync(net.file("SincroSede", "_ALL", "9999999999.head"), "forged");
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9.50" });
    const r = await net.sync(net.sede);
    expect(r.errors).toEqual([]);
    expect(r.sent.events).toBe(1);
    expect(r.warnings.join("\n")).toMatch(/9999999999\.head.*office head ignored/);
  });
});
