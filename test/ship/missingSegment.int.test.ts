import { readdirSync, rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exec, officeWithAgentAG01 } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

describe("a segment deleted from the server before its reader read it", () => {
  it("makes the reader wait and ask for it; the producer uploads it again from its sealed copy; nothing is lost", async () => {
    const net = officeWithAgentAG01(tempDir());
    await net.round();
    const ag = net.agent("AG01");
    exec(net.sede, { kind: "AddProduct", code: "P002", description: "Pasta" });
    await net.sync(net.sede);
    exec(net.sede, { kind: "AddProduct", code: "P003", description: "Sale" });
    await net.sync(net.sede);
    // Someone with the password deletes the first of the two unread catalogue segments.
    const folder = net.file("SincroSede", "_ALL");
    const segs = readdirSync(folder).filter((f) => f.endsWith(".seg")).sort();
    const [victim] = segs.slice(-2);
    rmSync(net.file("SincroSede", "_ALL", victim as string));

    const waiting = await net.sync(ag);
    expect(waiting.warnings.join("\n")).toContain(`SEDE>*: waiting for segment ${Number((victim as string).slice(0, 10))}: SincroSede/_ALL/${victim} is missing while 1 later segment(s) are on the server`);
    expect(ag.read.listProducts().map((p) => p.code)).toEqual(["P001"]);

    const resent = await net.sync(net.sede);
    expect(resent.warnings).toContain(`SincroSede/_ALL/${victim}: uploaded again from the sealed copy, as AG01 found it missing`);
    const caught = await net.sync(ag);
    expect(caught.errors).toEqual([]);
    expect(caught.warnings).toEqual([]);
    expect(ag.read.listProducts().map((p) => p.code)).toEqual(["P001", "P002", "P003"]);
    // And the request is withdrawn: the next office sync uploads nothing again.
    const quiet = await net.sync(net.sede);
    expect(quiet.warnings).toEqual([]);
  });
});
