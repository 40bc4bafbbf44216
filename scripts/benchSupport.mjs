// Shared by the benchmarks: each phase runs in a child process so its peak RSS is its own.
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { monotonicFactory } from "ulid";
import { LOG_DDL, receivedIdIndex } from "../dist/db/schema.js";
import { sealEnvelope } from "../dist/events/envelope.js";
import { encodePayload } from "../dist/events/eventTypes.js";
import { formatHlc } from "../dist/events/hlc.js";

/** Peak resident set size of this process so far (VmHWM), in MB. */
export function peakRssMb() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Runs `fn` (which returns a count) and returns the count and the seconds it took. */
export function timed(fn) {
  const t0 = process.hrtime.bigint();
  const n = fn();
  return { n, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** Runs `script phase dir` in a child process and returns the JSON it printed. */
export function runPhase(script, phase, dir, execArgv = []) {
  const r = spawnSync(process.execPath, [...execArgv, script, phase, dir], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`phase ${phase} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * The baseline: `count` raw inserts of rows shaped like the log (same table, same indexes,
 * same pragmas) in one transaction, into `file`. The rows are SEDE's events; `holder` is the
 * node whose log they go into: SEDE's own (their ids are not indexed) or, say, AG01's (received
 * events: their ids are). Returns the count, seconds and peak RSS.
 */
export function rawLogInserts(file, count, type, payload, holder = "SEDE") {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(LOG_DDL);
  db.exec(receivedIdIndex(holder));
  const insert = db.prepare(`INSERT INTO events (id, origin, seq, hlc, at, type, v, data, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const ulid = monotonicFactory();
  const hash = "ab".repeat(32);
  const data = encodePayload(payload);
  const r = timed(() => {
    db.transaction(() => {
      for (let seq = 1; seq <= count; seq++) {
        insert.run(ulid(), "SEDE", seq, "0001767225600000-00000-SEDE", "2026-01-01T00:00:00.000Z", type, 1, data, hash, hash);
      }
    })();
    return count;
  });
  db.close();
  return { ...r, rss: peakRssMb() };
}

/**
 * The shape every benchmark shares: run as `script PHASE DIR`, do that phase and print its JSON;
 * run plainly, make a temporary folder, call `main(run, dir)` where `run(phase)` runs a phase in
 * a child process, and remove the folder afterwards.
 */
export async function benchMain(scriptUrl, phases, tmpPrefix, main, execArgv = []) {
  const [phase, phaseDir] = process.argv.slice(2);
  if (phase) {
    process.stdout.write(JSON.stringify(await phases[phase](phaseDir)));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), tmpPrefix));
  const self = fileURLToPath(scriptUrl);
  try {
    await main((name) => runPhase(self, name, dir, execArgv), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The sede's catalogue as `count` chained SEDE events, alternating a product and its list price,
 * recorded `stepMs` apart from 2026-01-01: a realistic large received log.
 */
export function* sedeCatalogueEvents(count, stepMs = 1) {
  const ulid = monotonicFactory();
  let prev = "";
  const t0 = Date.UTC(2026, 0, 1);
  for (let seq = 1; seq <= count; seq++) {
    const i = Math.floor((seq - 1) / 2);
    const code = `P${String(i).padStart(7, "0")}`;
    const draft =
      seq % 2 === 1
        ? { type: "ProductSaved", data: { code, description: `Prodotto ${i}`, unit: "PZ", vat: "22" } }
        : { type: "GenericPriceSet", data: { list: "BASE", product: code, price: `${(i % 997) + 1}.${String(i % 100).padStart(2, "0")}` } };
    const t = t0 + seq * stepMs;
    const e = sealEnvelope({ id: ulid(t), origin: "SEDE", seq, hlc: formatHlc({ wall: t, counter: 0 }, "SEDE"), at: new Date(t).toISOString(), type: draft.type, v: 1, data: encodePayload(draft.data), prev });
    prev = e.hash;
    yield e;
  }
}

/** Writes `events` to `file`, one JSON envelope per line. */
export async function writeNdjson(file, events) {
  const out = createWriteStream(file);
  for (const e of events) {
    if (!out.write(`${JSON.stringify(e)}\n`)) await new Promise((ok) => out.once("drain", ok));
  }
  await new Promise((ok) => out.end(ok));
}

/** Streams the envelopes of `file` into `node.receive`, `batch` per transaction; returns how many were applied. */
export async function receiveNdjson(node, file, batch) {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let pending = [];
  let applied = 0;
  for await (const line of lines) {
    pending.push(JSON.parse(line));
    if (pending.length === batch) {
      applied += node.receive(pending, { chain: "full" }).applied;
      pending = [];
    }
  }
  if (pending.length > 0) applied += node.receive(pending, { chain: "full" }).applied;
  return applied;
}
