import { spawn } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { verifyChain } from "../../src/events/verifyChain.js";
import { SincroNode } from "../../src/node/sincroNode.js";
import { tempDir } from "../support/tempDir.js";

/** This process's open descriptors on `file` (also once it is deleted). */
function descriptorsOn(file: string): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(file)) n++;
    } catch {
      // closed while we looked
    }
  }
  return n;
}

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const product = (i: number) => ({ kind: "AddProduct", code: `P${i}`, description: `Prodotto ${i}` }) as const;

describe("WAL flusher", () => {
  it("starts after the set number of transactions, holds the WAL open in its worker, and lets go of it at close", async () => {
    const file = join(tempDir(), "sede.db");
    const wal = `${file}-wal`;
    const sede = SincroNode.init(file, { role: "sede", walFlushAfter: 3 }); // init's own event is the first
    sede.execute(product(1));
    expect(sede.walFlushing).toBe(false);
    expect(descriptorsOn(wal)).toBe(1); // SQLite's own
    sede.execute(product(2));
    expect(sede.walFlushing).toBe(true);
    await until("the worker has the WAL open", () => descriptorsOn(wal) === 2);
    for (let i = 3; i < 50; i++) sede.execute(product(i));
    sede.close();
    await until("no descriptor is left on the WAL", () => descriptorsOn(wal) === 0);
    const again = SincroNode.open(file);
    expect(again.log.count()).toBe(50);
    again.close();
  });

  it("is off by default for a short run and for an in-memory node", () => {
    const sede = SincroNode.init(join(tempDir(), "sede.db"), { role: "sede" });
    for (let i = 0; i < 20; i++) sede.execute(product(i));
    expect(sede.walFlushing).toBe(false);
    sede.close();
    const memory = SincroNode.init(":memory:", { role: "sede", walFlushAfter: 1 });
    memory.execute(product(1));
    expect(memory.walFlushing).toBe(false);
    memory.close();
  });

  it("a process killed while its flusher runs loses no committed command and breaks nothing", async () => {
    const file = join(tempDir(), "sede.db");
    const node = fileURLToPath(new URL("../../dist/node/sincroNode.js", import.meta.url));
    // The child records commands as fast as it can and prints each one once committed.
    const script = `
      const { SincroNode } = await import(${JSON.stringify(node)});
      const sede = SincroNode.init(${JSON.stringify(file)}, { role: "sede", walFlushAfter: 10 });
      for (let i = 0; ; i++) {
        sede.execute({ kind: "AddProduct", code: "P" + i, description: "x" });
        process.stdout.write(i + "\\n");
      }`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script]);
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await until("the child has committed 3,000 commands", () => out.split("\n").length > 3000, 20_000);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const printed = out.split("\n").filter((l) => /^\d+$/.test(l)).length;

    const sede = SincroNode.open(file);
    const events = [...sede.log.iterate()];
    // init's event + every command the child saw committed (and maybe one it had no time to print)
    expect(events.length).toBeGreaterThanOrEqual(1 + printed);
    expect(events.length).toBeLessThanOrEqual(2 + printed);
    expect(verifyChain(events)).toEqual([]);
    const { before, after } = sede.rebuild();
    expect(after).toEqual(before);
    expect(sede.read.listProducts()).toHaveLength(events.length - 1);
    sede.close();
  }, 30_000);
});
