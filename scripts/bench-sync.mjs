// npm run bench:sync — bootstrap and incremental syncs over loopback with the embedded FTP server.
// The agent's bootstrap runs in a child process so its peak RSS (VmHWM) is its own.
// Sizes: BENCH_PRODUCTS (100,000), BENCH_CUSTOMERS (300), BENCH_SPECIALS (10,000); 3 price lists.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { SincroNode } from "../dist/node/sincroNode.js";
import { startEmbeddedFtpServer } from "../dist/ship/transports/embeddedFtpServer.js";
import { FtpTransport } from "../dist/ship/transports/ftpTransport.js";
import { sync } from "../dist/ship/sync.js";
import { peakRssMb } from "./benchSupport.mjs";

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 300);
const SPECIALS = Number(process.env.BENCH_SPECIALS ?? 10_000);
const LISTS = ["BASE", "HORECA", "GDO"];

async function syncOnce(node, ftp) {
  const transport = new FtpTransport(ftp);
  const t0 = process.hrtime.bigint();
  try {
    const report = await sync(node, transport);
    const stats = transport.stats();
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, report, bytes: stats.bytesSent + stats.bytesReceived, commands: stats.commands };
  } finally {
    await transport.close();
  }
}

const [phase, arg] = process.argv.slice(2);
if (phase === "bootstrap") {
  const { db, ftp } = JSON.parse(arg);
  const agent = SincroNode.init(db, { role: "agent", agent: "AG01" });
  const r = await syncOnce(agent, ftp);
  const held = { products: agent.read.listProducts().length, prices: agent.read.listPrices().length, customers: agent.read.listCustomers().length, specials: agent.read.listSpecialPrices().length };
  agent.close();
  process.stdout.write(JSON.stringify({ ...r, report: undefined, held, rss: peakRssMb() }));
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "sincro-bench-sync-"));
const server = await startEmbeddedFtpServer({ root: join(dir, "ftp") });
const ftp = { host: server.host, port: server.port, user: server.user, password: server.password, dir: "/" };
const fmtKb = (b) => `${(b / 1024).toFixed(1)} KB`;
try {
  console.log(`sincro bench:sync — ${PRODUCTS.toLocaleString("en")} products, ${LISTS.length} lists, ${CUSTOMERS} customers, ${SPECIALS.toLocaleString("en")} special prices\n`);
  const sede = SincroNode.init(join(dir, "sede.db"), { role: "sede" });
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
  console.log(`setup: sede recorded ${sede.log.count().toLocaleString("en")} events in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  t = Date.now();
  const publish = await syncOnce(sede, ftp);
  console.log(`setup: sede published (${publish.report.sent.segments} segments, ${publish.report.sent.snapshots} snapshots, ${fmtKb(publish.report.sent.bytes)}) in ${publish.seconds.toFixed(1)} s\n`);

  // The naive full dump the procedure describes: the same tables as CSV, gzipped.
  const csv = (header, rows) => gzipSync(Buffer.from([header, ...rows.map((r) => r.join(";"))].join("\n"), "utf8")).length;
  const agentCustomers = sede.read.listCustomers().filter((c) => c.agent === "AG01");
  const mine = new Set(agentCustomers.map((c) => c.code));
  const baseline =
    csv("code;description;unit;vat", sede.read.listProducts().map((p) => [p.code, p.description, p.unit, p.vat])) +
    csv("list;product;price", sede.read.listPrices().map((p) => [p.list, p.product, p.price])) +
    csv("code;name;agent;list", agentCustomers.map((c) => [c.code, c.name, c.agent, c.list])) +
    csv("customer;product;price", sede.read.listSpecialPrices().filter((s) => mine.has(s.customer)).map((s) => [s.customer, s.product, s.price]));

  const self = fileURLToPath(import.meta.url);
  // The server runs in this process: wait for the child without blocking the event loop.
  const boot = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, "bootstrap", JSON.stringify({ db: join(dir, "agent.db"), ftp })]);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`bootstrap failed: ${err}`))));
  });
  const agent = SincroNode.open(join(dir, "agent.db"));

  const orders = [];
  const customer = agentCustomers[0].code;
  for (let i = 0; i < 10; i++) {
    orders.push(agent.execute({ kind: "PlaceOrder", customer, lines: [{ product: "P000001", qty: "2" }, { product: `P${String(i * 13).padStart(6, "0")}`, qty: "5" }] }));
  }
  const incAgent = await syncOnce(agent, ftp);
  const incSede = await syncOnce(sede, ftp);
  const quietAgent = await syncOnce(agent, ftp);
  const quietSede = await syncOnce(sede, ftp);

  const row = (name, r, target, ok) => `| ${name} | ${r.seconds.toFixed(2)} | ${fmtKb(r.bytes)} | ${r.commands} | ${r.rss ?? "—"} | ${target} | ${ok ? "ok" : "MISSED"} |`;
  console.log("| measurement | seconds | bytes moved | FTP commands after login | peak RSS MB | target | result |");
  console.log("| --- | ---: | ---: | ---: | ---: | --- | --- |");
  console.log(row(`agent bootstrap (${boot.held.products} products, ${boot.held.prices} prices, ${boot.held.customers} customers, ${boot.held.specials} special prices)`, boot, "≤ 15 s, ≤ 300 MB", boot.seconds <= 15 && boot.rss <= 300));
  console.log(`| baseline: the same tables as gzipped CSV | — | ${fmtKb(baseline)} | — | — | bootstrap ≤ 1.5× | ${(boot.bytes / baseline).toFixed(2)}× ${boot.bytes <= 1.5 * baseline ? "ok" : "MISSED"} |`);
  console.log(row("agent sync with 10 new orders", incAgent, "≤ 16 KB, ≤ 20 commands", incAgent.bytes <= 16 * 1024 && incAgent.commands <= 20));
  console.log(row("sede sync receiving them", incSede, "≤ 16 KB, ≤ 20 commands", incSede.bytes <= 16 * 1024 && incSede.commands <= 20));
  console.log(row("agent sync, nothing new", quietAgent, "≤ 8 commands", quietAgent.commands <= 8));
  console.log(row("sede sync, nothing new (1 agent)", quietSede, "≤ 8 commands", quietSede.commands <= 8));
  agent.close();
  sede.close();

  // How the command count grows: a sede with N agents, nothing new; and an agent with k segments to send.
  console.log("\n| sede with N agents, nothing new | FTP commands |\n| ---: | ---: |");
  for (const n of [1, 3, 10, 30]) {
    const d = mkdtempSync(join(dir, `n${n}-`));
    const s = SincroNode.init(join(d, "sede.db"), { role: "sede" });
    for (let i = 1; i <= n; i++) s.execute({ kind: "RegisterAgent", code: `A${i}`, name: `A${i}` });
    s.execute({ kind: "AddProduct", code: "P1", description: "p" });
    const sub = { ...ftp, dir: `/grow-${n}` };
    await syncOnce(s, sub);
    // Every agent has synced once (its folder and acks exist), as in daily use.
    for (let i = 1; i <= n; i++) {
      const a = SincroNode.init(join(d, `A${i}.db`), { role: "agent", agent: `A${i}` });
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
    s.execute({ kind: "AddProduct", code: "P1", description: "p" });
    s.execute({ kind: "SetGenericPrice", list: "BASE", product: "P1", price: "1" });
    const sub = { ...ftp, dir: `/seg-${k}` };
    await syncOnce(s, sub);
    const a = SincroNode.init(join(d, "agent.db"), { role: "agent", agent: "AG01" });
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
