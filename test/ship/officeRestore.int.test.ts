import { copyFileSync, existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SincroNode } from "../../src/node/sincroNode.js";
import { exec, officeWithAgentAG01 } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

describe("an office database restored from a backup", () => {
  it("refuses to publish, says why, and writes nothing", async () => {
    const dir = tempDir();
    const net = officeWithAgentAG01(dir);
    await net.round();
    const file = net.sede.db.name;
    const backup = `${file}.bak`;
    net.sede.backupTo(backup);

    // The office goes on: an agent's order arrives, the catalogue changes, heads move on.
    const [cust] = exec(net.agent("AG01"), { kind: "AddCustomer", name: "Bar", list: "BASE" });
    exec(net.agent("AG01"), { kind: "PlaceOrder", customer: cust as string, lines: [{ product: "P001", qty: "2" }] });
    await net.round();
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9.50" });
    await net.round();

    // The office PC's disk is replaced with the backup.
    net.sede.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) rmSync(f);
    copyFileSync(backup, file);
    const restored = SincroNode.open(file, { now: net.clock.now });
    net.sede = restored;
    const all = net.file("SincroSede", "_ALL");
    const before = readdirSync(all).sort();

    // Nothing to publish: a quiet sync goes by, reading only.
    await net.sync(restored);
    exec(restored, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "7.00" });
    await expect(net.sync(restored)).rejects.toThrow(/this office database is older than the office's last sync .*restored from a backup/);
    expect(readdirSync(all).sort()).toEqual(before);
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
