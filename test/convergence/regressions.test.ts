// Counterexamples found by the convergence model (convergence.model.test.ts), kept as plain
// replays of their command sequences, plus the smallest direct form of each bug.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SyncStep } from "../../src/ship/inbox.js";
import { CuttingFolderTransport } from "../support/faultyTransport.js";
import { exec, folderArea, Network } from "../support/network.js";
import { sync } from "../../src/ship/sync.js";
import { tempDir } from "../support/tempDir.js";
import { AddCustomer, CrashingSync, CutSync, Damage, DiscontinueProduct, PlaceOrder, RemoveSpecialPrice, SetSpecialPrice, Sync, UpdateCustomer } from "./commands.js";
import { firstDay, settle, setUp } from "./scenario.js";
import { FaultCounters, type NodeName } from "./world.js";

type Step = { run(m: never, w: never): Promise<void>; check(m: never): boolean };

async function replay(offsets: Record<NodeName, number>, steps: Step[]): Promise<void> {
  const dir = tempDir("sincro-regression-");
  const { model, world } = setUp(offsets, { dir, counters: new FaultCounters() });
  try {
    await firstDay(model, world);
    for (const s of steps) {
      const c = s as unknown as { check(m: typeof model): boolean; run(m: typeof model, w: typeof world): Promise<void> };
      if (c.check(model)) await c.run(model, world);
    }
    await settle(model, world);
  } finally {
    world.close();
  }
}

const noSkew = { SEDE: 0, AG01: 0, AG02: 0, AG03: 0 };

describe("regressions found by the convergence model", () => {
  // Seed 514197366, path "11:0:0:0:0:2:2:3:6:5:6:6" (shrunk). An agent that entered a customer
  // before its first sync publishes it in that sync; the sync then crashes (or its connection
  // drops) before the agent's own stream has a cursor. The sede applies and acks the segment.
  // Every later sync of the agent is refused as "agent code already in use on another PC":
  // the agent can never sync again.
  it("an agent whose first sync crashed after publishing is not taken for another PC", async () => {
    await replay(noSkew, [new AddCustomer("AG02", null, false), new CrashingSync("AG02", "apply" as SyncStep, 1, undefined), new DiscontinueProduct("P1")]);
  });

  it("an agent whose first sync lost its connection after publishing can sync again (direct form)", async () => {
    const dir = tempDir();
    const net = new Network(dir, folderArea(join(dir, "park")), ["AG01"]);
    exec(net.sede, { kind: "RegisterAgent", code: "AG01", name: "Mario" }, { kind: "AddProduct", code: "P001", description: "Olio" });
    await net.sync(net.sede);
    const ag = net.agent("AG01");
    exec(ag, { kind: "AddCustomer", name: "Pub" }); // entered offline, before the first sync
    // First sync: publishes the customer, then the line drops while downloading (the catalogue
    // snapshot is the first download): the agent's own stream gets no cursor.
    const cut = new CuttingFolderTransport(net.area.root, { direction: "download", skip: 0, afterBytes: 10, mode: "error" });
    await expect(sync(ag, cut)).rejects.toThrow(/connection dropped/);
    expect(cut.fired).toBe(true);
    await net.sync(net.sede); // applies the customer and acks it
    expect(net.sede.read.listCustomers().map((c) => c.code)).toContain("AG01000001");
    const again = await net.sync(ag); // fails today: "agent code AG01 was already in use on another PC"
    expect(again.errors).toEqual([]);
    expect(ag.read.listProducts().map((p) => p.code)).toEqual(["P001"]);
  });
  // Seed 516810459, path "47:0:0:0:5:7:7:9:7:8:7:6:8:10:3:6:6:7:7:7:7:7". An agent's first sync
  // got the catalogue but lost its connection before its own snapshot (which brings the sede's
  // definition of its order type): placing an order offline was refused, "order type AG02 does
  // not exist". An agent's own order type is now its own from init.
  it("an agent whose first sync stopped before its own snapshot can still take orders", async () => {
    await replay(noSkew, [
      new AddCustomer("AG02", null, false),
      new CutSync("AG02", { direction: "download", skip: 1, afterBytes: 1, mode: "error" }),
      new PlaceOrder("AG02", 0, 0, [{ product: 0, qty: "1", price: "2.50" }], false),
    ]);
  });

  // Seed 535654191, path "127:0:11:10:11:6:8:8:8:9" (shrunk). An agent's first sync publishes
  // its customer and crashes; then the segment on the server is damaged (cut to 0 bytes). The
  // next sync, still the agent's first complete one, reads its own leftover segment to see
  // whether an earlier PC used the code, and stopped on the damage ("not a complete gzip file")
  // instead of recognising its own segment and uploading it again.
  it("an agent whose first sync crashed after publishing syncs again when its segment was damaged on the server", async () => {
    await replay(noSkew, [
      new AddCustomer("AG02", null, false),
      new CrashingSync("AG02", "apply" as SyncStep, 1, undefined),
      new Damage(0, "truncate", 0),
      new Sync("AG02", undefined),
    ]);
  });

  // Seed 533540703 (shrunk). The sede sets a special price; AG01, whose clock runs 16 hours
  // behind, gets it in its first snapshot as a row carrying the sede's HLC, not as an event.
  // Its clock was derived from events only, so its removal of that price could be stamped with
  // an HLC that does not sort after the one it removed (and lose the most-recent-wins rule).
  it("a snapshot's special prices move the agent's clock past their HLCs", async () => {
    await replay({ ...noSkew, AG01: -16 }, [
      new SetSpecialPrice("SEDE", 0, "P1", "1.00", []),
      new CrashingSync("SEDE", "seal" as SyncStep, 2, 1),
      new Sync("AG01", undefined),
      new RemoveSpecialPrice("AG01", 0),
    ]);
  });

  // Seed 879120423, path "59:0:0:0:3:4:9:16:18:20:12:13:16:19:19:19" (shrunk). AG02's snapshot
  // is damaged on the server: its first sync blocks on it and leaves a resend request. The sede
  // uploads the snapshot again; AG02's next sync applies it (unblocking the stream) but its
  // connection drops on the segment after it, before the request was deleted. No later sync of
  // AG02 saw its stream blocked, so the request stayed, and every sync of the sede uploaded the
  // snapshot again, "as AG02 found it damaged", also in the fault-free final rounds.
  it("a reader whose connection dropped right after the repaired file applied withdraws its resend request", async () => {
    await replay(noSkew, [
      new Damage(5, "truncate", 0),
      new AddCustomer("SEDE", "AG02", false),
      new CrashingSync("AG02", "seal" as SyncStep, 2, undefined),
      new Sync("SEDE", undefined),
      new CutSync("AG02", { direction: "download", skip: 1, afterBytes: 1, mode: "error" }),
      new UpdateCustomer("SEDE", 0),
    ]);
  });

  // Seed 884945667 of a 1500-run long run (shrunk to: AG01.addCustomer · damage AG01's snapshot
  // 1 · sync AG01 · sync SEDE, cut · … ; the shrunk path did not replay, so this is the direct
  // form). AG01 blocks on its damaged snapshot 1 and asks for it again, and sends a customer. The
  // sede's next sync uploads snapshot 1 again, receives the customer, seals a fresh snapshot of
  // AG01's stream and prunes snapshot 1, dropping its bytes. Then snapshot 1 is back on the
  // server (a restore, a lagging mirror): the sede took AG01's old request as one it could not
  // serve, and warned at every sync until AG01 synced again.
  it("a resend request for a file the producer has since superseded and pruned is left alone, even if the file is back", async () => {
    const dir = tempDir();
    const net = new Network(dir, folderArea(join(dir, "park")), ["AG01"]);
    exec(net.sede, { kind: "RegisterAgent", code: "AG01", name: "Mario" }, { kind: "AddProduct", code: "P001", description: "Olio" });
    exec(net.sede, { kind: "AddCustomer", name: "Bar", agent: "AG01" });
    await net.sync(net.sede);
    const snap1 = net.file("SincroSede", "AG01", "0000000001.snap");
    const good = readFileSync(snap1);
    writeFileSync(snap1, good.subarray(0, 10));
    const ag = net.agent("AG01");
    exec(ag, { kind: "AddCustomer", name: "Pub" });
    expect((await net.sync(ag)).errors).toHaveLength(1);
    const repaired = await net.sync(net.sede);
    expect(repaired.warnings).toEqual(["SincroSede/AG01/0000000001.snap: uploaded again from the sealed copy, as AG01 found it damaged"]);
    expect(existsSync(snap1)).toBe(false); // superseded by the refreshed snapshot and pruned
    writeFileSync(snap1, good);
    const quiet = await net.sync(net.sede);
    expect(quiet.warnings).toEqual([]);
    expect(quiet.sent.bytes).toBe(0);
    const caughtUp = await net.sync(ag);
    expect(caughtUp.errors).toEqual([]);
    expect(ag.read.listCustomers().map((c) => c.code).sort()).toEqual(["000001", "AG01000001"]);
    expect((await net.sync(net.sede)).warnings).toEqual([]);
  });
});
