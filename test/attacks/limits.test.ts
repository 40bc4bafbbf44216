import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { SincroNode } from "../../src/node/sincroNode.js";
import type { Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";
import { cursorOf, forgedEvent, forgedSegment, holdings, office, otherStreamsStillSync, park, readersAtSede, segName } from "./attackSupport.js";

const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/** Syncs the sede in a child process (the built sincro, `npm run build` first); returns its report's errors and its peak RSS in MB. */
function syncSedeInChild(net: Network): { errors: string[]; maxRssMb: number; hwmMb: number } {
  const file = net.sede.db.name;
  net.sede.close();
  const script = `
    const { SincroNode, sync, FolderTransport } = await import(${JSON.stringify(DIST)});
    const node = SincroNode.open(${JSON.stringify(file)});
    const r = await sync(node, new FolderTransport(${JSON.stringify(net.area.root)}));
    node.close();
    const hwm = Number(/VmHWM:\\s+(\\d+) kB/.exec(require("node:fs").readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);
    console.log(JSON.stringify({ errors: r.errors, maxRssMb: process.resourceUsage().maxRSS / 1024, hwmMb: hwm / 1024 }));
  `.replace("require(\"node:fs\")", "(await import(\"node:fs\"))");
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  expect(child.stderr).toBe("");
  expect(child.status).toBe(0);
  net.sede = SincroNode.open(file, { now: net.clock.now });
  return JSON.parse(child.stdout) as { errors: string[]; maxRssMb: number; hwmMb: number };
}

/** The next segment of AG02's stream, as enrolled AG02 signs and encrypts it with its real key. */
function parkAsAg02(net: Network, inner: Buffer): string {
  const number = cursorOf(net.sede, "AG02>SEDE").segment + 1;
  const path = `SincroAg/AG02/${segName(number)}`;
  park(net, path, inner, "AG02", net.agent("AG02").keyring.own()!, readersAtSede(net, "AG02"));
  return path;
}

/** A gzip file of `mb` members, each 1 MiB of "a": about 1 KB per MiB it decompresses to. */
const bomb = (mb: number): Buffer => {
  const member = gzipSync(Buffer.alloc(1 << 20, 0x61));
  return Buffer.concat(Array.from({ length: mb }, () => member));
};

describe("hostile sizes, validly signed by enrolled AG02 (a child process syncs the sede; peak RSS measured)", () => {
  it("dist is built (npm run build)", () => {
    expect(existsSync(DIST)).toBe(true);
  });

  it("a gzip bomb (210 KB that decompresses to 200 MiB) is refused naming the file, in bounded memory", async () => {
    const net = await office(tempDir());
    const inner = bomb(200);
    expect(inner.length).toBeLessThan(256 * 1024);
    const path = parkAsAg02(net, inner);
    const before = holdings(net.sede);
    const r = syncSedeInChild(net);
    expect(r.errors).toEqual([`AG02>SEDE stopped: read ${path}: decompresses to more than 64 MB, the most a segment or snapshot may hold (refused unread)`]);
    expect(r.maxRssMb).toBeLessThan(300);
    expect(r.hwmMb).toBeLessThan(300);
    expect(holdings(net.sede)).toEqual(before);
    await otherStreamsStillSync(net, { ag02: true });
  });

  it("a bomb just under the limit (about 65 KB that decompresses to 63 MiB) is refused in bounded memory", async () => {
    const net = await office(tempDir());
    const path = parkAsAg02(net, bomb(63));
    const before = holdings(net.sede);
    const r = syncSedeInChild(net);
    expect(r.errors).toEqual([`AG02>SEDE stopped: read ${path}: truncated (no final line)`]);
    expect(r.maxRssMb).toBeLessThan(300);
    expect(r.hwmMb).toBeLessThan(300);
    expect(holdings(net.sede)).toEqual(before);
  });

  it("a segment with one 50 MB line (an event with a 50 MB customer name, hashes right) is refused naming the file and the line", async () => {
    const net = await office(tempDir());
    const at = cursorOf(net.sede, "AG02>SEDE");
    const head = net.sede.log.head("AG02")!;
    const event = forgedEvent({
      origin: "AG02",
      seq: head.seq + 1,
      prev: head.hash,
      hlc: `${Date.UTC(2026, 2, 2, 10)}-00000-AG02`,
      type: "CustomerCreated",
      data: { code: "AG02000009", name: "x".repeat(50_000_000), agent: "AG02", list: "BASE", vatNumber: null, city: null },
    });
    const inner = forgedSegment("AG02>SEDE", at.segment + 1, at.offset + 1, at.sha256, "AG02", [event]);
    expect(inner.length).toBeLessThan(200 * 1024);
    const path = parkAsAg02(net, inner);
    const before = holdings(net.sede);
    const r = syncSedeInChild(net);
    expect(r.errors).toEqual([
      expect.stringMatching(new RegExp(`^AG02>SEDE stopped: read ${path}: line 2 is 500\\d{5} characters long, more than the 1048576 a line may hold \\(refused unread\\)$`)),
    ]);
    expect(r.maxRssMb).toBeLessThan(300);
    expect(holdings(net.sede)).toEqual(before);
    expect(net.sede.read.customer("AG02000009")).toBeUndefined();
    await otherStreamsStillSync(net, { ag02: true });
  });
});
