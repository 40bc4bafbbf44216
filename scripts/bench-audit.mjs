// npm run bench:audit — `sincro audit` (verify + replay) against `rebuild`, on the same log.
// A 1,000,000-event log (BENCH_EVENTS) is received by an agent node, as in bench:log; each
// phase then runs in its own child process so its peak RSS (VmHWM) is its own.
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { monotonicFactory } from "ulid";
import { auditLogFile, auditNodeDatabase } from "../dist/audit/auditSources.js";
import { exportLog } from "../dist/audit/logFile.js";
import { sealEnvelope } from "../dist/events/envelope.js";
import { encodePayload } from "../dist/events/eventTypes.js";
import { formatHlc } from "../dist/events/hlc.js";
import { SincroNode } from "../dist/node/sincroNode.js";
import { benchMain, peakRssMb } from "./benchSupport.mjs";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const BATCH = 10_000;

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const n = await fn();
  return { n, seconds: Number(process.hrtime.bigint() - t0) / 1e9, rss: peakRssMb() };
}

// The sede's catalogue (products and their list prices), over a year of days.
function* sedeEvents(count) {
  const ulid = monotonicFactory();
  let prev = "";
  const t0 = Date.UTC(2026, 0, 1);
  const step = Math.max(1, Math.floor((365 * 86_400_000) / count));
  for (let seq = 1; seq <= count; seq++) {
    const i = Math.floor((seq - 1) / 2);
    const code = `P${String(i).padStart(7, "0")}`;
    const draft =
      seq % 2 === 1
        ? { type: "ProductSaved", data: { code, description: `Prodotto ${i}`, unit: "PZ", vat: "22" } }
        : { type: "GenericPriceSet", data: { list: "BASE", product: code, price: `${(i % 997) + 1}.${String(i % 100).padStart(2, "0")}` } };
    const t = t0 + seq * step;
    const e = sealEnvelope({ id: ulid(t), origin: "SEDE", seq, hlc: formatHlc({ wall: t, counter: 0 }, "SEDE"), at: new Date(t).toISOString(), type: draft.type, v: 1, data: encodePayload(draft.data), prev });
    prev = e.hash;
    yield e;
  }
}

const phases = {
  async prepare(dir) {
    const out = createWriteStream(join(dir, "received.ndjson"));
    for (const e of sedeEvents(EVENTS)) {
      if (!out.write(`${JSON.stringify(e)}\n`)) await new Promise((ok) => out.once("drain", ok));
    }
    await new Promise((ok) => out.end(ok));
    const node = SincroNode.init(join(dir, "agent.db"), { role: "agent", agent: "AG01" });
    const lines = createInterface({ input: createReadStream(join(dir, "received.ndjson")), crlfDelay: Infinity });
    let batch = [];
    for await (const line of lines) {
      batch.push(JSON.parse(line));
      if (batch.length === BATCH) {
        node.receive(batch, { chain: "full" });
        batch = [];
      }
    }
    if (batch.length > 0) node.receive(batch, { chain: "full" });
    node.close();
    return { n: EVENTS, seconds: 0, rss: peakRssMb() };
  },
  rebuild: (dir) =>
    timed(() => {
      const node = SincroNode.open(join(dir, "agent.db"));
      const r = node.rebuild();
      node.close();
      return r.events;
    }),
  auditDb: (dir) =>
    timed(() => {
      const r = auditNodeDatabase(join(dir, "agent.db"));
      if (!r.ok) throw new Error(`audit found problems: ${JSON.stringify(r.findings.slice(0, 3))}`);
      return r.events;
    }),
  exportLog: (dir) =>
    timed(() => {
      const node = SincroNode.open(join(dir, "agent.db"));
      const { rows } = exportLog(node, join(dir, "agent.log.gz"));
      node.close();
      return rows;
    }),
  auditLog: (dir) =>
    timed(async () => {
      const r = await auditLogFile(join(dir, "agent.log.gz"));
      if (!r.ok) throw new Error(`audit found problems: ${JSON.stringify(r.findings.slice(0, 3))}`);
      return r.events;
    }),
};

await benchMain(import.meta.url, phases, "sincro-bench-audit-", async (run, dir) => {
  console.log(`sincro bench:audit — ${EVENTS.toLocaleString("en")} events received by an agent (SEDE's catalogue)\n`);
  run("prepare");
  const rebuild = run("rebuild");
  const auditDb = run("auditDb");
  const exported = run("exportLog");
  const auditLog = run("auditLog");
  const rate = (r) => r.n / r.seconds;
  const base = rate(rebuild);
  const fmt = (n) => Math.round(n).toLocaleString("en");
  const mb = (statSync(join(dir, "agent.log.gz")).size / 1048576).toFixed(1);
  const rows = [
    ["rebuild projections from the log (baseline)", rebuild, "—", "—"],
    ["audit --db: verify chains + replay + compare digests", auditDb, "≥ 50 % of rebuild, RSS < 300 MB", rate(auditDb) >= 0.5 * base && auditDb.rss < 300 ? "ok" : "MISSED"],
    [`export log (gzip NDJSON, ${mb} MB)`, exported, "—", "—"],
    ["audit --log: gunzip + parse + verify + replay", auditLog, "≥ 50 % of rebuild, RSS < 300 MB", rate(auditLog) >= 0.5 * base && auditLog.rss < 300 ? "ok" : "MISSED"],
  ];
  console.log("| measurement | events | seconds | per second | % of rebuild | peak RSS MB | target | result |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |");
  for (const [name, r, target, verdict] of rows) {
    console.log(`| ${name} | ${fmt(r.n)} | ${r.seconds.toFixed(2)} | ${fmt(rate(r))} | ${((100 * rate(r)) / base).toFixed(0)} % | ${r.rss} | ${target} | ${verdict} |`);
  }
});
