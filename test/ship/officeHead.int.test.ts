import { copyFileSync, readdirSync, rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HEAD_FOLDER } from "../../src/ship/officeHead.js";
import { exec, officeWithAgentAG01 } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

const DAY = 86_400_000;

describe("the office's signed head", () => {
  it("tells the agent when it last heard from the office; an old head put back is ignored with a warning", async () => {
    const net = officeWithAgentAG01(tempDir());
    await net.round();
    const ag = net.agent("AG01");
    const heads = () => readdirSync(net.file(...HEAD_FOLDER.split("/"))).filter((f) => f.endsWith(".head"));
    const [first] = heads();
    const old = net.file("old.head");
    copyFileSync(net.file(...HEAD_FOLDER.split("/"), first as string), old);
    exec(net.sede, { kind: "AddProduct", code: "P002", description: "Pasta" });
    await net.sync(net.sede);
    // The newer head replaces the older one.
    expect(heads()).toHaveLength(1);
    expect(heads()[0]).not.toBe(first);
    expect((await net.sync(ag)).warnings).toEqual([]);
    // The head of an earlier sync, validly signed, put back in place of the newer one by someone with the password.
    rmSync(net.file(...HEAD_FOLDER.split("/"), heads()[0] as string));
    copyFileSync(old, net.file(...HEAD_FOLDER.split("/"), first as string));
    const rolled = await net.sync(ag);
    expect(rolled.warnings.join("\n")).toMatch(/\d{10}\.head: the office's head on the server \(number \d+\) is older than one already seen here \(number \d+, .*\): an old file was put back, or the newer one deleted; ignored/);
    // A head renamed to a higher number does not open: the signature covers its name.
    copyFileSync(old, net.file(...HEAD_FOLDER.split("/"), "0000009999.head"));
    expect((await net.sync(ag)).warnings.join("\n")).toMatch(/0000009999\.head: signature of SEDE does not verify .*; the office's head is ignored/);
    expect(ag.read.listProducts().map((p) => p.code)).toEqual(["P001", "P002"]);
  });

  it("warns 'no news from the office' when no newer head has come for more than 3 days", async () => {
    const net = officeWithAgentAG01(tempDir());
    await net.round();
    const ag = net.agent("AG01");
    expect((await net.sync(ag)).warnings).toEqual([]);
    net.clock.set(Date.UTC(2026, 2, 2, 9, 0, 0) + 4 * DAY);
    const late = await net.sync(ag);
    expect(late.warnings.join("\n")).toMatch(/^no news from the office since 2026-03-02T09:\d\d:\d\d\.\d+Z \(its last head was written at 2026-03-02T09:\d\d:\d\d\.\d+Z\): it has not synced since, or its files are being held back/m);
    await net.sync(net.sede);
    expect((await net.sync(ag)).warnings).toEqual([]);
  });

  it("makes the newest segment's deletion visible: the agent asks for it and gets it again", async () => {
    const net = officeWithAgentAG01(tempDir());
    await net.round();
    const ag = net.agent("AG01");
    exec(net.sede, { kind: "AddProduct", code: "P002", description: "Pasta" });
    await net.sync(net.sede);
    const all = net.file("SincroSede", "_ALL");
    const newest = readdirSync(all).filter((f) => f.endsWith(".seg")).sort().at(-1) as string;
    rmSync(net.file("SincroSede", "_ALL", newest));
    const held = await net.sync(ag);
    expect(held.warnings.join("\n")).toContain(`SEDE>*: SincroSede/_ALL/${newest} is missing: the office's head says it published up to segment ${Number(newest.slice(0, 10))}`);
    expect(ag.read.listProducts().map((p) => p.code)).toEqual(["P001"]);
    expect((await net.sync(net.sede)).warnings).toContain(`SincroSede/_ALL/${newest}: uploaded again from the sealed copy, as AG01 found it missing`);
    expect((await net.sync(ag)).warnings).toEqual([]);
    expect(ag.read.listProducts().map((p) => p.code)).toEqual(["P001", "P002"]);
  });
});
