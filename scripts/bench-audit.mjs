// npm run bench:audit — `sincro audit` (verify + replay) against `rebuild`, on the same log.
// A 1,000,000-event log (BENCH_EVENTS) is received by an agent node, as in bench:log; each
// phase then runs in its own child process so its peak RSS (VmHWM) is its own.
import { statSync } from "node:fs";
import { join } from "node:path";
import { auditLogFile, auditNodeDatabase } from "../dist/audit/auditSources.js";
import { exportLog } from "../dist/audit/logFile.js";
import { SincroNode } from "../dist/node/sincroNode.js";
import { benchMain, peakRssMb, receiveNdjson, sedeCatalogueEvents, writeNdjson } from "./benchSupport.mjs";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const BATCH = 10_000;

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const n = await fn();
  return { n, seconds: Number(process.hrtime.bigint() - t0) / 1e9, rss: peakRssMb() };
}

const phases = {
  async prepare(dir) {
    // A year of the sede's catalogue, so the audit's timeline has days to draw.
    await writeNdjson(join(dir, "received.ndjson"), sedeCatalogueEvents(EVENTS, Math.max(1, Math.floor((365 * 86_400_000) / EVENTS))));
    const node = SincroNode.init(join(dir, "agent.db"), { role: "agent", agent: "AG01" });
    await receiveNdjson(node, join(dir, "received.ndjson"), BATCH);
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
