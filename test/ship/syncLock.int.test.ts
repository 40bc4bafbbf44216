import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SincroNode } from "../../src/node/sincroNode.js";
import { sync } from "../../src/ship/sync.js";
import { FolderTransport } from "../../src/ship/transports/folderTransport.js";
import type { RemoteFile } from "../../src/ship/transports/transport.js";
import { officeWithAgentAG01 } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

/** A folder parking area whose first listing waits until `go` is called: a sync held in flight. */
class HeldFolderTransport extends FolderTransport {
  private opened!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));
  listing = false;
  go(): void {
    this.opened();
  }
  override async list(dir: string): Promise<RemoteFile[]> {
    this.listing = true;
    await this.gate;
    return super.list(dir);
  }
}

describe("one sync at a time per node", () => {
  it("a second sync of the same node file while one runs is refused, saying since when; afterwards syncs run again", async () => {
    const dir = tempDir();
    const net = officeWithAgentAG01(dir);
    const park = join(dir, "park");
    const held = new HeldFolderTransport(park);
    const first = sync(net.sede, held);
    while (!held.listing) await new Promise((r) => setTimeout(r, 5));
    // Another opening of the same database, as a second `sincro sync` would have.
    const second = SincroNode.open(net.sede.db.name);
    const eventsBefore = second.log.count();
    const since = new Date(net.clock.now());
    const err = await sync(second, new FolderTransport(park)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SYNC_RUNNING", exitCode: 1 });
    const hhmm = `${String(since.getHours()).padStart(2, "0")}:${String(since.getMinutes()).padStart(2, "0")}`;
    expect((err as Error).message).toBe(`sync: another sync is running on this node since ${hhmm} (process ${process.pid}); wait for it to end`);
    expect(second.log.count()).toBe(eventsBefore);
    held.go();
    const report = await first;
    // The first sync of the sede publishes a snapshot of each of its streams: the catalogue and AG01's.
    expect(report.sent.snapshots).toBe(2);
    expect((await sync(second, new FolderTransport(park))).errors).toEqual([]);
    second.close();
  });

  it("a sync whose process died (killed mid-sync) does not hold the node: the next sync takes over", async () => {
    const dir = tempDir();
    const net = officeWithAgentAG01(dir);
    // A process that has ended: its pid is free (the lock row names it as if it had died mid-sync).
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    net.sede.db.prepare(`INSERT INTO sync_lock (one, pid, token, since) VALUES (1, ?, 'gone', '2026-12-01T08:00:00.000Z')`).run(Number(dead.stdout));
    const report = await sync(net.sede, new FolderTransport(join(dir, "park")));
    expect(report.errors).toEqual([]);
    // The first sync of the sede publishes a snapshot of each of its streams: the catalogue and AG01's.
    expect(report.sent.snapshots).toBe(2);
    expect(net.sede.db.prepare(`SELECT count(*) FROM sync_lock`).pluck().get()).toBe(0);
  });

  it("a sync that fails releases the node", async () => {
    const net = officeWithAgentAG01(tempDir());
    const agent = net.agent("AG01");
    // The agent's first sync before the sede published anything stops with an error.
    await expect(sync(agent, new FolderTransport(join(net.dir, "park")))).rejects.toMatchObject({ code: "NOT_PUBLISHED" });
    await expect(sync(agent, new FolderTransport(join(net.dir, "park")))).rejects.toMatchObject({ code: "NOT_PUBLISHED" });
  });
});
