// npm run bench:sync — bootstrap and incremental syncs over loopback with the embedded FTP server,
// with signatures and encryption on (issue 11) and, in the same run, the same syncs unsigned.
// The agent's bootstraps run in child processes so their peak RSS (VmHWM) is their own.
// Sizes: BENCH_PRODUCTS (100,000), BENCH_CUSTOMERS (300), BENCH_SPECIALS (10,000); 3 price lists;
// BENCH_REPEAT (5) bootstraps of each kind, interleaved, median reported; BENCH_READERS (300)
// enrolled agents for the catalogue's per-file overhead.
//
// The unsigned run: a copy of the same sede database publishes to its own folder of the same FTP
// server with `SyncOptions.trust = unsealedTrustForBenchmarks()` (src/ship/parkingTrust.ts, for
// benchmarks only: not exported by the package, not reachable from the CLI), and an agent
// bootstraps from it the same way. Same code, same data, same server, same process layout: the
// only difference is that files move as their bare inner bytes (gzip segments and snapshots)
// instead of sealed (signed, encrypted for their readers) — what an unsigned sincro moved.
import { spawn } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { SincroNode } from "../dist/node/sincroNode.js";
import { startEmbeddedFtpServer } from "../dist/ship/transports/embeddedFtpServer.js";
import { FtpTransport } from "../dist/ship/transports/ftpTransport.js";
import { sync } from "../dist/ship/sync.js";
import { ParkingTrust, unsealedTrustForBenchmarks } from "../dist/ship/parkingTrust.js";
import { isBox } from "../dist/wire/box.js";
import { peakRssMb } from "./benchSupport.mjs";

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 300);
const SPECIALS = Number(process.env.BENCH_SPECIALS ?? 10_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const READERS = Number(process.env.BENCH_READERS ?? 300);
const LISTS = ["BASE", "HORECA", "GDO"];

/**
 * The node's own ParkingTrust, timed: what a sync spends sealing (sign, encrypt) and opening
 * (verify, decrypt) files, out of its whole time.
 */
function timedTrust(node) {
  const real = new ParkingTrust(node);
  const t = { trustSeconds: 0 };
  const time = (fn) => (path, bytes) => {
    const t0 = process.hrtime.bigint();
    try {
      return fn.call(real, path, bytes);
    } finally {
      t.trustSeconds += Number(process.hrtime.bigint() - t0) / 1e9;
    }
  };
  return Object.assign(t, { seal: time(real.seal), open: time(real.open), readersDigest: (folder) => real.readersDigest(folder) });
}

/** One sync of `node` over a new FTP connection; `plain` syncs unsigned (benchmarks only). */
async function syncOnce(node, ftp, plain = false) {
  const transport = new FtpTransport(ftp);
  const trust = plain ? unsealedTrustForBenchmarks() : timedTrust(node);
  const t0 = process.hrtime.bigint();
  try {
    const report = await sync(node, transport, { trust });
    if (report.errors.length > 0) throw new Error(`sync of ${node.id} failed: ${report.errors.join("; ")}`);
    const stats = transport.stats();
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, trustSeconds: trust.trustSeconds ?? 0, report, bytes: stats.bytesSent + stats.bytesReceived, commands: stats.commands };
  } finally {
    await transport.close();
  }
}

const [phase, arg] = process.argv.slice(2);
if (phase === "bootstrap") {
  const { db, ftp, enrollment, plain } = JSON.parse(arg);
  const agent = SincroNode.init(db, { role: "agent", enrollment });
  const r = await syncOnce(agent, ftp, plain);
  const held = { products: agent.read.listProducts().length, prices: agent.read.listPrices().length, customers: agent.read.listCustomers().length, specials: agent.read.listSpecialPrices().length };
  agent.close();
  process.stdout.write(JSON.stringify({ ...r, report: undefined, held, rss: peakRssMb() }));
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "sincro-bench-sync-"));
const ftpRoot = join(dir, "ftp");
const server = await startEmbeddedFtpServer({ root: ftpRoot });
// Each parking area is a folder of the FTP root, set up as "sincro parking check" leaves it.
const ftpAt = (folder) => {
  for (const root of ["SincroAg", "SincroSede"]) mkdirSync(join(ftpRoot, folder, root), { recursive: true });
  return { host: server.host, port: server.port, user: server.user, password: server.password, dir: `/${folder}`, secure: false };
};
const fmtKb = (b) => `${(b / 1024).toFixed(1)} KB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const self = fileURLToPath(import.meta.url);

/** An agent's bootstrap in a child process (the FTP server runs in this one: wait without blocking it). */
function bootstrap(db, folder, enrollment, plain) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, "bootstrap", JSON.stringify({ db, ftp: ftpAt(folder), enrollment, plain })]);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`bootstrap failed: ${err}`))));
  });
}

/** Every file under `folder` of the FTP root, as [path inside the parking area, bytes]. */
function parked(folder) {
  const out = [];
  const walk = (rel) => {
    for (const e of readdirSync(join(ftpRoot, folder, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.push([r, readFileSync(join(ftpRoot, folder, r))]);
    }
  };
  walk("");
  return out;
}

try {
  console.log(
    `sincro bench:sync — ${PRODUCTS.toLocaleString("en")} products, ${LISTS.length} lists, ${CUSTOMERS} customers, ${SPECIALS.toLocaleString("en")} special prices; ` +
      `${REPEAT} bootstraps of each kind; ${READERS} enrolled agents for the catalogue overhead\n`,
  );
  let sede = SincroNode.init(join(dir, "sede.db"), { role: "sede" });
  let t = Date.now();
  sede.execute({ kind: "RegisterAgent", code: "AG01", name: "Agente 1" });
  sede.batch(() => {
    for (let i = 0; i < PRODUCTS; i++) {
      const code = `P${String(i).padStart(6, "0")}`;
      sede.execute({ kind: "AddProduct", code, description: `Articolo ${i} formato ${i % 12}`, vat: i % 5 === 0 ? "4" : "22" });
      LISTS.forEach((list, l) => sede.execute({ kind: "SetGenericPrice", list, product: code, price: `${(i % 300) + 1 + l}.${String((i * 7) % 100).padStart(2, "0")}` }));
    }
    const customers = [];
    for (let c = 0; c < CUSTOMERS; c++) {
      customers.push(sede.execute({ kind: "AddCustomer", name: `Cliente ${c}`, agent: "AG01", list: LISTS[c % 3], city: "Bologna" }).decision.assigned);
    }
    for (let s = 0; s < SPECIALS; s++) {
      sede.execute({ kind: "SetSpecialPrice", customer: customers[s % CUSTOMERS], product: `P${String((s * 37) % PRODUCTS).padStart(6, "0")}`, price: `${(s % 50) + 1}.50` });
    }
  });
  const enrollment = sede.enroll("AG01", {});
  console.log(`setup: sede recorded ${sede.log.count().toLocaleString("en")} events in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  // The unsigned run's sede: a copy of the same database (AG01 enrolled in both).
  sede.close();
  copyFileSync(join(dir, "sede.db"), join(dir, "sede-plain.db"));
  sede = SincroNode.open(join(dir, "sede.db"));
  const sedePlain = SincroNode.open(join(dir, "sede-plain.db"));

  const publishPlain = await syncOnce(sedePlain, ftpAt("plain"), true);
  const publish = await syncOnce(sede, ftpAt("trust"));
  console.log(`setup: sede published (${publish.report.sent.segments} segments, ${publish.report.sent.snapshots} snapshots, ${fmtKb(publish.report.sent.bytes)}) in ${publish.seconds.toFixed(1)} s signed and encrypted, ${publishPlain.seconds.toFixed(1)} s unsigned\n`);
  const sealedFiles = parked("trust");
  const plainFiles = parked("plain");
  if (!sealedFiles.every(([, b]) => isBox(b)) || plainFiles.some(([, b]) => isBox(b))) throw new Error("the signed run left an unsealed file, or the unsigned run a sealed one");

  // The naive full dump the procedure describes: the same tables as CSV, gzipped.
  const csv = (header, rows) => gzipSync(Buffer.from([header, ...rows.map((r) => r.join(";"))].join("\n"), "utf8")).length;
  const agentCustomers = sede.read.listCustomers().filter((c) => c.agent === "AG01");
  const mine = new Set(agentCustomers.map((c) => c.code));
  const baseline =
    csv("code;description;unit;vat", sede.read.listProducts().map((p) => [p.code, p.description, p.unit, p.vat])) +
    csv("list;product;price", sede.read.listPrices().map((p) => [p.list, p.product, p.price])) +
    csv("code;name;agent;list", agentCustomers.map((c) => [c.code, c.name, c.agent, c.list])) +
    csv("customer;product;price", sede.read.listSpecialPrices().filter((s) => mine.has(s.customer)).map((s) => [s.customer, s.product, s.price]));

  // Bootstraps: each from a pristine copy of what the sede parked, signed and unsigned interleaved
  // (order alternating) so that load from other work on the machine falls on both alike.
  const boots = { trust: [], plain: [] };
  for (let r = 1; r <= REPEAT; r++) {
    for (const kind of r % 2 === 1 ? ["plain", "trust"] : ["trust", "plain"]) {
      cpSync(join(ftpRoot, kind), join(ftpRoot, `${kind}-${r}`), { recursive: true });
      boots[kind].push(await bootstrap(join(dir, `agent-${kind}-${r}.db`), `${kind}-${r}`, enrollment, kind === "plain"));
    }
  }
  const boot = { ...boots.trust[REPEAT - 1], seconds: median(boots.trust.map((b) => b.seconds)), rss: Math.max(...boots.trust.map((b) => b.rss)) };
  const bootPlain = { ...boots.plain[REPEAT - 1], seconds: median(boots.plain.map((b) => b.seconds)), rss: Math.max(...boots.plain.map((b) => b.rss)) };
  if (JSON.stringify(boot.held) !== JSON.stringify(bootPlain.held)) throw new Error(`the two bootstraps hold different data: ${JSON.stringify(boot.held)} vs ${JSON.stringify(bootPlain.held)}`);

  // 10 orders at the agent of the last bootstrap of each kind, sent and received in its parking area.
  const agent = SincroNode.open(join(dir, `agent-trust-${REPEAT}.db`));
  const agentPlain = SincroNode.open(join(dir, `agent-plain-${REPEAT}.db`));
  const customer = agentCustomers[0].code;
  for (const a of [agent, agentPlain]) {
    for (let i = 0; i < 10; i++) {
      a.execute({ kind: "PlaceOrder", customer, lines: [{ product: "P000001", qty: "2" }, { product: `P${String(i * 13).padStart(6, "0")}`, qty: "5" }] });
    }
  }
  const incAgentPlain = await syncOnce(agentPlain, ftpAt(`plain-${REPEAT}`), true);
  const incSedePlain = await syncOnce(sedePlain, ftpAt(`plain-${REPEAT}`), true);
  const incAgent = await syncOnce(agent, ftpAt(`trust-${REPEAT}`));
  const incSede = await syncOnce(sede, ftpAt(`trust-${REPEAT}`));
  if (incSede.report.received.events < 10 || incSedePlain.report.received.events < 10) throw new Error("the sede did not receive the 10 orders");
  const quietAgent = await syncOnce(agent, ftpAt(`trust-${REPEAT}`));
  const quietSede = await syncOnce(sede, ftpAt(`trust-${REPEAT}`));
  const quietAgentPlain = await syncOnce(agentPlain, ftpAt(`plain-${REPEAT}`), true);
  const quietSedePlain = await syncOnce(sedePlain, ftpAt(`plain-${REPEAT}`), true);
  agent.close();
  agentPlain.close();
  sede.close();
  sedePlain.close();

  // The catalogue's per-file overhead with READERS enrolled agents: each sealed catalogue file
  // (segment, snapshot) against its inner gzip bytes; and the same with 1 enrolled agent.
  const overheadWith = async (readers) => {
    const d = mkdtempSync(join(dir, `readers${readers}-`));
    const s = SincroNode.init(join(d, "sede.db"), { role: "sede" });
    for (let i = 1; i <= readers; i++) {
      const code = `A${String(i).padStart(3, "0")}`;
      s.execute({ kind: "RegisterAgent", code, name: `Agente ${i}` });
      s.enroll(code, {});
    }
    s.batch(() => {
      for (let i = 0; i < 200; i++) {
        s.execute({ kind: "AddProduct", code: `P${i}`, description: `Articolo ${i}` });
        s.execute({ kind: "SetGenericPrice", list: "BASE", product: `P${i}`, price: `${i + 1}.50` });
      }
    });
    const folder = `readers-${readers}`;
    await syncOnce(s, ftpAt(folder));
    // A later change: a catalogue segment beside the first sync's snapshot.
    s.execute({ kind: "SetGenericPrice", list: "BASE", product: "P1", price: "9.90" });
    const published = await syncOnce(s, ftpAt(folder));
    const trust = new ParkingTrust(s);
    const files = parked(folder)
      .filter(([p]) => /^SincroSede\/_ALL\/\d{10}\.(seg|snap)$/.test(p))
      .map(([p, b]) => ({ path: p, sealed: b.length, inner: trust.open(p, b).length }));
    s.close();
    if (files.length === 0) throw new Error("no catalogue file was parked");
    const worst = files.reduce((w, f) => (f.sealed - f.inner > w.sealed - w.inner ? f : w));
    return { ...worst, overhead: worst.sealed - worst.inner, files: files.length, publishSeconds: published.seconds };
  };
  const over1 = await overheadWith(1);
  const overN = await overheadWith(READERS);

  // The targets, each against its baseline measured above.
  const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
  const res = (ok) => (ok ? "pass" : "FAIL");
  const bothInc = incAgent.bytes + incSede.bytes;
  const bothIncPlain = incAgentPlain.bytes + incSedePlain.bytes;
  console.log("Signatures and encryption on (issue 11 targets):\n");
  console.log("| measurement | measured | baseline | ratio | target | result |");
  console.log("| --- | ---: | ---: | ---: | --- | --- |");
  console.log(
    `| agent bootstrap time, signed and encrypted (median of ${REPEAT}; baseline: the same bootstrap unsigned, median of ${REPEAT}, same run) | ${boot.seconds.toFixed(2)} s | ${bootPlain.seconds.toFixed(2)} s | ${ratio(boot.seconds, bootPlain.seconds)} | ≤ 1.25× unsigned | ${res(boot.seconds <= 1.25 * bootPlain.seconds)} |`,
  );
  console.log(`| agent bootstrap bytes, signed and encrypted (baseline: the same tables as gzipped CSV) | ${fmtKb(boot.bytes)} | ${fmtKb(baseline)} | ${ratio(boot.bytes, baseline)} | ≤ 1.2× gzip CSV | ${res(boot.bytes <= 1.2 * baseline)} |`);
  console.log(
    `| 10 orders: bytes of the agent's sync sending them + the sede's sync receiving them (baseline: the same unsigned) | ${fmtKb(bothInc)} (${fmtKb(incAgent.bytes)} + ${fmtKb(incSede.bytes)}) | ${fmtKb(bothIncPlain)} | ${ratio(bothInc, bothIncPlain)} | ≤ 16 KB | ${res(bothInc <= 16 * 1024)} |`,
  );
  console.log(
    `| catalogue per-file overhead with ${READERS} enrolled agents: sealed ${overN.path.split("/").pop()} (${fmtKb(overN.sealed)}) minus its inner gzip (${fmtKb(overN.inner)}), worst of ${overN.files} files (baseline: the same with 1 agent) | ${fmtKb(overN.overhead)} | ${fmtKb(over1.overhead)} | ${ratio(overN.overhead, over1.overhead)} | ≤ 32 KB | ${res(overN.overhead <= 32 * 1024)} |`,
  );
  const list = (xs) => xs.map((x) => x.toFixed(2)).join(", ");
  console.log(`\nBootstraps, in run order: signed ${list(boots.trust.map((b) => b.seconds))} s, of which sealing and opening files ${list(boots.trust.map((b) => b.trustSeconds))} s; unsigned ${list(boots.plain.map((b) => b.seconds))} s.`);
  console.log(`Unsigned bootstrap bytes: ${fmtKb(bootPlain.bytes)} (${ratio(bootPlain.bytes, baseline)} the gzip CSV), peak RSS ${bootPlain.rss} MB (signed: ${boot.rss} MB). Catalogue overhead per reader: ${((overN.overhead - over1.overhead) / Math.max(1, READERS - 1)).toFixed(0)} bytes of the box header.`);
  console.log(`Syncs with nothing new, unsigned: agent ${quietAgentPlain.commands} FTP commands, sede ${quietSedePlain.commands}.`);
  console.log("Bytes moved: file bytes uploaded and downloaded (FtpTransport stats), FTP listings and control channel excluded.\n");

  const row = (name, r, target, ok) => `| ${name} | ${r.seconds.toFixed(2)} | ${fmtKb(r.bytes)} | ${r.commands} | ${r.rss ?? "—"} | ${target} | ${res(ok)} |`;
  console.log("Signed and encrypted syncs:\n");
  console.log("| measurement | seconds | bytes moved | FTP commands after login | peak RSS MB | target | result |");
  console.log("| --- | ---: | ---: | ---: | ---: | --- | --- |");
  console.log(row(`agent bootstrap (${boot.held.products} products, ${boot.held.prices} prices, ${boot.held.customers} customers, ${boot.held.specials} special prices)`, boot, "≤ 15 s, ≤ 300 MB", boot.seconds <= 15 && boot.rss <= 300));
  console.log(row("agent sync with 10 new orders", incAgent, "≤ 20 commands", incAgent.commands <= 20));
  console.log(row("sede sync receiving them", incSede, "≤ 20 commands", incSede.commands <= 20));
  console.log(row("agent sync, nothing new", quietAgent, "≤ 8 commands", quietAgent.commands <= 8));
  console.log(row("sede sync, nothing new (1 agent)", quietSede, "≤ 8 commands", quietSede.commands <= 8));

  // How the command count grows: a sede with N agents, nothing new; and an agent with k segments to send.
  console.log("\n| sede with N agents, nothing new | FTP commands |\n| ---: | ---: |");
  for (const n of [1, 3, 10, 30]) {
    const d = mkdtempSync(join(dir, `n${n}-`));
    const s = SincroNode.init(join(d, "sede.db"), { role: "sede" });
    const agents = [];
    for (let i = 1; i <= n; i++) {
      s.execute({ kind: "RegisterAgent", code: `A${i}`, name: `A${i}` });
      agents.push(SincroNode.init(join(d, `A${i}.db`), { role: "agent", enrollment: s.enroll(`A${i}`, {}) }));
    }
    s.execute({ kind: "AddProduct", code: "P1", description: "p" });
    const sub = ftpAt(`grow-${n}`);
    await syncOnce(s, sub);
    // Every agent has synced once (its folder and acks exist), as in daily use.
    for (const a of agents) {
      await syncOnce(a, sub);
      a.close();
    }
    await syncOnce(s, sub);
    const quiet = await syncOnce(s, sub);
    console.log(`| ${n} | ${quiet.commands} |`);
    s.close();
  }
  console.log("\n| agent sending k segments (one sync) | FTP commands |\n| ---: | ---: |");
  for (const k of [1, 2, 5]) {
    const d = mkdtempSync(join(dir, `k${k}-`));
    const s = SincroNode.init(join(d, "sede.db"), { role: "sede" });
    s.execute({ kind: "RegisterAgent", code: "AG01", name: "A" });
    const a = SincroNode.init(join(d, "agent.db"), { role: "agent", enrollment: s.enroll("AG01", {}) });
    s.execute({ kind: "AddProduct", code: "P1", description: "p" });
    s.execute({ kind: "SetGenericPrice", list: "BASE", product: "P1", price: "1" });
    const sub = ftpAt(`seg-${k}`);
    await syncOnce(s, sub);
    await syncOnce(a, sub);
    const c = a.execute({ kind: "AddCustomer", name: "c", list: "BASE" }).decision.assigned;
    // Each sync seals what is pending into one segment; k offline syncs leave k segments to send.
    for (let i = 0; i < k; i++) {
      a.execute({ kind: "PlaceOrder", customer: c, lines: [{ product: "P1", qty: "1" }] });
      a.batch(() => a.outbox.seal("AG01>SEDE", new Date()));
    }
    const r = await syncOnce(a, sub);
    console.log(`| ${k} | ${r.commands} |`);
    a.close();
    s.close();
  }
  console.log("\nEvery FTP command is a round trip: on a link with 100 ms RTT, multiply the commands by 0.1 s.");
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
