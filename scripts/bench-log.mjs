// npm run bench:log — the event log against raw better-sqlite3, measured in the same run.
// Each phase runs in its own child process so its peak RSS (VmHWM) is its own.
// Sizes: BENCH_EVENTS (default 1,000,000), BENCH_COMMANDS (default 100,000).
import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { monotonicFactory } from "ulid";
import { LOG_DDL, receivedIdIndex } from "../dist/db/schema.js";
import { SincroNode } from "../dist/node/sincroNode.js";
import { benchMain, peakRssMb, rawLogInserts, receiveNdjson, sedeCatalogueEvents, timed, writeNdjson } from "./benchSupport.mjs";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 100_000);
const BATCH = 10_000; // events per transaction when applying: one large segment's worth
// The one-transaction-per-command phases are judged on an absolute rate, which a shared machine's
// noise moves by a third: they run REPEAT times, interleaved, and the median run is reported.
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);

/** Removes a database and its WAL files left by an earlier repetition. */
function fresh(file) {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
}

const phases = {
  // Raw inserts of rows shaped like the log (same table, same indexes), one transaction: SEDE's
  // events in an agent's log, as the receive phase below writes them (their ids are indexed).
  baseline(dir) {
    return rawLogInserts(join(dir, "raw.db"), EVENTS, "ProductSaved", { code: "P0000001", description: "Prodotto 1", unit: "PZ", vat: "22" }, "AG01");
  },

  // Raw one-row transactions on the same table: what one-transaction-per-command costs here.
  rawOneRow(dir) {
    fresh(join(dir, "raw1.db"));
    const db = new Database(join(dir, "raw1.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("wal_autocheckpoint = 4000");
    db.exec(LOG_DDL);
    db.exec(receivedIdIndex("SEDE")); // the sede's own log, as in the append phase
    const insert = db.prepare(`INSERT INTO events (id, origin, seq, hlc, at, type, v, data, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const tx = db.transaction((seq, id) =>
      insert.run(id, "SEDE", seq, "0001767225600000-00000-SEDE", "2026-01-01T00:00:00.000Z", "ProductSaved", 1, "{}", "ab".repeat(32), "ab".repeat(32)),
    );
    const ulid = monotonicFactory();
    const r = timed(() => {
      for (let seq = 1; seq <= COMMANDS; seq++) tx.immediate(seq, ulid());
      return COMMANDS;
    });
    db.close();
    return { ...r, rss: peakRssMb() };
  },

  append(dir) {
    fresh(join(dir, "append.db"));
    const node = SincroNode.init(join(dir, "append.db"), { role: "sede" });
    const r = timed(() => {
      for (let i = 0; i < COMMANDS; i++) {
        const code = `P${String(i >> 1).padStart(7, "0")}`;
        if (i % 2 === 0) node.execute({ kind: "AddProduct", code, description: `Prodotto ${i}` });
        else node.execute({ kind: "SetGenericPrice", list: "BASE", product: code, price: `${(i % 97) + 1}.50` });
      }
      return COMMANDS;
    });
    node.close();
    return { ...r, rss: peakRssMb() };
  },

  async generate(dir) {
    await writeNdjson(join(dir, "received.ndjson"), sedeCatalogueEvents(EVENTS));
    return { n: EVENTS, seconds: 0, rss: peakRssMb() };
  },

  // Parse each line, verify hash and chain, append, project: BATCH events per transaction.
  async receive(dir) {
    const node = SincroNode.init(join(dir, "receiver.db"), { role: "agent", agent: "AG01" });
    const t0 = process.hrtime.bigint();
    const n = await receiveNdjson(node, join(dir, "received.ndjson"), BATCH);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    node.close();
    return { n, seconds, rss: peakRssMb() };
  },

  rebuild(dir) {
    const node = SincroNode.open(join(dir, "receiver.db"));
    const r = timed(() => node.rebuild().events);
    node.close();
    return { ...r, rss: peakRssMb() };
  },
};

await benchMain(import.meta.url, phases, "sincro-bench-", async (run, dir) => {
  console.log(`sincro bench:log — ${EVENTS.toLocaleString("en")} events, ${COMMANDS.toLocaleString("en")} commands\n`);
  const base = run("baseline");
  const oneRows = [];
  const appends = [];
  for (let i = 0; i < REPEAT; i++) {
    oneRows.push(run("rawOneRow"));
    appends.push(run("append"));
  }
  const median = (runs) => [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor((runs.length - 1) / 2)];
  const oneRow = median(oneRows);
  const append = median(appends);
  run("generate");
  const receive = run("receive");
  const rebuild = run("rebuild");
  const rate = (r) => r.n / r.seconds;
  const baseRate = rate(base);
  const rows = [
    ["raw better-sqlite3 insert, 1 transaction (baseline)", base, "—", "—"],
    ["raw better-sqlite3 insert, 1 transaction per row (second baseline)", oneRow, "—", "—"],
    ["append commands, 1 transaction each", append, `≥ 10,000/s (${((100 * rate(append)) / rate(oneRow)).toFixed(0)} % of one-row transactions)`, rate(append) >= 10_000 ? "ok" : "MISSED"],
    ["apply received events (parse, verify, append, project)", receive, "≥ 25 % of baseline", rate(receive) >= 0.25 * baseRate ? "ok" : "MISSED"],
    ["rebuild projections from the log", rebuild, "≥ 40 % of baseline", rate(rebuild) >= 0.4 * baseRate ? "ok" : "MISSED"],
  ];
  const fmt = (n) => Math.round(n).toLocaleString("en");
  console.log("| measurement | count | seconds | per second | % of baseline | peak RSS MB | target | result |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |");
  for (const [name, r, target, verdict] of rows) {
    const rssVerdict = name.startsWith("apply") || name.startsWith("rebuild") ? (r.rss < 300 ? "" : " (RSS ≥ 300 MB)") : "";
    console.log(
      `| ${name} | ${fmt(r.n)} | ${r.seconds.toFixed(2)} | ${fmt(rate(r))} | ${((100 * rate(r)) / baseRate).toFixed(0)} % | ${r.rss} | ${target} | ${verdict}${rssVerdict} |`,
    );
  }
  const list = (runs) => runs.map((r) => fmt(rate(r))).join(", ");
  console.log(`\nOne transaction per row, per second, each of ${REPEAT} runs (the median is in the table):`);
  console.log(`- raw insert: ${list(oneRows)}`);
  console.log(`- append commands: ${list(appends)}`);
});
