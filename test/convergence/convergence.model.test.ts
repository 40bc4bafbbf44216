// Model-based convergence test (DESIGN §3, §4, §7): a sede and three agents on real SQLite files,
// syncing through a real parking area, with crashes at every named sync step, dropped
// connections, redelivered, leftover, damaged and lost files, skewed or jumping clocks, a
// malicious writer (the password, random keys, and enrolled agent AG04's own key: attacker.ts),
// agents retired and PCs reinstalled; every honest node still converges on what the model says.
// A failure prints its seed and path; replay with SINCRO_SEED=… SINCRO_PATH=…, and
// SINCRO_TRACE=1 prints every step. SINCRO_PROPERTY_RUNS scales the folder run (the FTP run
// takes a tenth of it, at least 12).
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import { startEmbeddedFtpServer } from "../../src/ship/transports/embeddedFtpServer.js";
import { FtpCuttingProxy } from "../support/tcpProxy.js";
import { propertyParams } from "../support/property.js";
import { tempDir } from "../support/tempDir.js";
import { commandArbitraries } from "./commands.js";
import { firstDay, offsetsArbitrary, settle, setUp, type ScenarioEnv } from "./scenario.js";
import { FaultCounters } from "./world.js";

const MAX_COMMANDS = 25;
// 30 minutes per 200 folder scenarios (at least 30): a long SINCRO_PROPERTY_RUNS run on two busy
// cores must not end on the timeout.
const TIMEOUT_MS = Math.max(1, Number(process.env.SINCRO_PROPERTY_RUNS ?? 200) / 200) * 30 * 60_000;

function params(name: string, runs: number, scaled?: (runs: number) => number): fc.Parameters<unknown> {
  const p = propertyParams(name, runs, scaled);
  if (process.env.SINCRO_PATH !== undefined) p.path = process.env.SINCRO_PATH;
  if (process.env.SINCRO_NO_SHRINK === "1") p.endOnFailure = true;
  return p;
}

function property(env: () => ScenarioEnv, counters: FaultCounters) {
  let n = 0;
  return fc.asyncProperty(offsetsArbitrary, fc.commands(commandArbitraries(), { maxCommands: MAX_COMMANDS, size: "max" }), async (offsets, commands) => {
    const base = env();
    const dir = join(base.dir, `s${n++}`);
    mkdirSync(dir);
    const { model, world } = setUp(offsets, { ...base, dir });
    counters.scenarios++;
    try {
      if (world.trace) console.log(`scenario ${n}: offsets ${JSON.stringify(offsets)}\n  ${[...commands].map(String).join("\n  ")}`);
      await firstDay(model, world);
      await fc.asyncModelRun(() => ({ model, real: world }), commands);
      await settle(model, world);
    } finally {
      world.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

describe("convergence of a sede and three agents under faults", () => {
  const folderCounters = new FaultCounters();
  const ftpCounters = new FaultCounters();
  afterAll(() => {
    console.log(`[convergence] folder: ${folderCounters.summary()}`);
    console.log(`[convergence] ftp: ${ftpCounters.summary()}`);
  });

  it("through a folder parking area", { timeout: TIMEOUT_MS }, async () => {
    const dir = tempDir("sincro-conv-");
    await fc.assert(property(() => ({ dir, counters: folderCounters }), folderCounters), params("convergence (folder)", 200));
  });

  it("through the embedded FTP server behind a cutting TCP proxy", { timeout: TIMEOUT_MS }, async () => {
    const dir = tempDir("sincro-conv-ftp-");
    const server = await startEmbeddedFtpServer();
    const proxy = await FtpCuttingProxy.start({ host: server.host, port: server.port });
    try {
      const ftp = { proxy, serverRoot: server.root, user: server.user, password: server.password };
      // The FTP run is a tenth of the folder run (at least 12): each scenario costs seconds here.
      const share = (runs: number) => Math.max(12, Math.round(runs / 10));
      await fc.assert(property(() => ({ dir, counters: ftpCounters, ftp }), ftpCounters), params("convergence (ftp)", 15, share));
    } finally {
      await proxy.stop();
      await server.stop();
    }
  });
});
