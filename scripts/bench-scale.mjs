// npm run bench:scale — a sede with N agents (1, 10, 100, 300) on each kind of parking area,
// with and without 50 ms of added latency each way (a delaying TCP proxy on loopback):
// requests and seconds for a quiet sede sync and for one receiving 10 orders from each of 10 %
// of the agents. Baselines measured in the same run: the quiet sync with the doorbell off
// (sync.full-listing-hours 0: every agent folder listed, as before the doorbell) on one
// connection, and the active sync on one connection.
//
// The servers start as the tests start them (test/support), so vsftpd, sshd and Ceph need root
// and their Debian packages (scripts/install-*.sh); a kind that cannot start is reported and
// skipped. BENCH_KINDS=folder,ftp,vsftpd,sshd,ceph and BENCH_N=1,10,100,300 pick the rows;
// BENCH_TRACE=1 prints each call of the measured syncs (requests, milliseconds) on stderr.
// The test helpers are TypeScript: the project (src and test) is compiled into .bench-build/.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BUILD = join(ROOT, ".bench-build");
const KINDS = (process.env.BENCH_KINDS ?? "folder,ftp,vsftpd,sshd,ceph").split(",");
const SIZES = (process.env.BENCH_N ?? "1,10,100,300").split(",").map(Number);
const DELAY_MS = 50;
const ORDERS = 10;

console.error("compiling src and test/support into .bench-build/ …");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
try {
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.json", "--outDir", BUILD, "--declaration", "false", "--sourceMap", "false"], { cwd: ROOT, stdio: "inherit" });
} catch {
  // Type errors do not stop the emit; the imports below fail if something is really missing.
}
const load = (path) => import(pathToFileURL(join(BUILD, path)).href);
const { SincroNode } = await load("src/node/sincroNode.js");
const { sync } = await load("src/ship/sync.js");
const { FolderTransport } = await load("src/ship/transports/folderTransport.js");
const { FtpTransport } = await load("src/ship/transports/ftpTransport.js");
const { SftpTransport } = await load("src/ship/transports/sftpTransport.js");
const { S3Transport } = await load("src/ship/transports/s3Transport.js");
const { startEmbeddedFtpServer } = await load("src/ship/transports/embeddedFtpServer.js");
const { generateKeys, publicKeys } = await load("src/wire/keys.js");
const { startVsftpd } = await load("test/support/ftpServers.js");
const { startSshd } = await load("test/support/sshServer.js");
const { startCeph } = await load("test/support/cephS3.js");

/**
 * A TCP proxy on 127.0.0.1 that delays every chunk by `delayMs` in each direction and a new
 * connection by one round trip, as a link with that latency would. With `ftp`, 227/229 replies
 * are rewritten to a data listener of the proxy, delayed the same way.
 */
class DelayProxy {
  constructor(target, delayMs, ftp) {
    this.target = target;
    this.delayMs = delayMs;
    this.ftp = ftp;
    this.sockets = new Set();
    this.servers = new Set();
  }
  static async start(target, delayMs, ftp) {
    const p = new DelayProxy(target, delayMs, ftp);
    p.port = (await p.listen((client) => p.pipe(client, target.port, ftp))).port;
    return p;
  }
  async listen(onConnection) {
    const server = createServer({ pauseOnConnect: true }, onConnection);
    this.servers.add(server);
    await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
    return { server, port: server.address().port };
  }
  track(s) {
    // A link has no Nagle delay of its own in the middle: only the two ends' settings count.
    s.setNoDelay(true);
    this.sockets.add(s);
    s.on("close", () => this.sockets.delete(s));
    s.on("error", () => undefined);
    return s;
  }
  // Forwards `from` → `to` with the delay, in order; `transform` may rewrite (async) a line-based
  // control stream. One queue and one timer per direction: a timer per chunk may fire out of
  // order (Node computes a timer's due time from the loop's cached clock), and a reordered chunk
  // breaks an SSH connection (bad MAC) or an FTP transfer.
  forward(from, to, startAt, transform) {
    let last = 0;
    let chain = Promise.resolve();
    let pending = "";
    let ended = false;
    const queue = [];
    let timer;
    const pump = () => {
      timer = undefined;
      while (queue.length > 0 && queue[0].at <= Date.now()) {
        const { chunk } = queue.shift();
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(pump, queue[0].at - Date.now());
      else if (ended && !to.destroyed) to.end();
    };
    const send = (chunk) => {
      const at = Math.max(Date.now() + this.delayMs, startAt, last);
      last = at;
      queue.push({ at, chunk });
      if (timer === undefined) timer = setTimeout(pump, at - Date.now());
    };
    from.on("data", (chunk) => {
      if (!transform) return send(chunk);
      pending += chunk.toString("latin1");
      for (let i = pending.indexOf("\n"); i >= 0; i = pending.indexOf("\n")) {
        const line = pending.slice(0, i + 1);
        pending = pending.slice(i + 1);
        chain = chain.then(() => transform(line)).then((out) => send(Buffer.from(out, "latin1")));
      }
    });
    from.on("end", () => {
      void chain.then(() => {
        ended = true;
        if (timer === undefined) pump();
      });
    });
  }
  pipe(client, port, ftp) {
    this.track(client);
    const upstream = this.track(connect(port, this.target.host));
    // The handshake's round trip: nothing goes either way before it.
    const startAt = Date.now() + 2 * this.delayMs;
    upstream.once("connect", () => client.resume());
    this.forward(client, upstream, startAt);
    this.forward(upstream, client, startAt, ftp ? (line) => this.rewrite(line) : undefined);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => setTimeout(() => client.destroy(), this.delayMs + 5));
  }
  async rewrite(line) {
    const epsv = /^229 .*\(\|\|\|(\d+)\|\)/.exec(line);
    if (epsv) return line.replace(/\(\|\|\|\d+\|\)/, `(|||${await this.data(Number(epsv[1]))}|)`);
    const pasv = /^227 .*\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(line);
    if (pasv) {
      const port = await this.data(Number(pasv[5]) * 256 + Number(pasv[6]));
      return line.replace(/\(\d+,\d+,\d+,\d+,\d+,\d+\)/, `(127,0,0,1,${port >> 8},${port & 255})`);
    }
    return line;
  }
  async data(serverPort) {
    // One data connection per listener: it closes once that connection arrived.
    const listener = await this.listen((client) => {
      listener.server.close();
      this.pipe(client, serverPort, false);
    });
    return listener.port;
  }
  async stop() {
    for (const s of this.sockets) s.destroy();
    await Promise.all([...this.servers].map((s) => new Promise((ok) => s.close(() => ok()))));
  }
}

/** Each kind: how to start its server and open a transport on a parking area `name`, directly or through a proxy. */
const KIND_STARTERS = {
  folder: async (dir) => ({
    label: "folder",
    proxyable: false,
    open: (name) => new FolderTransport(join(dir, name)),
    stop: async () => {},
  }),
  ftp: async (dir) => {
    const s = await startEmbeddedFtpServer({ root: join(dir, "ftp") });
    return ftpKind("embedded FTP (ftp-srv)", s, s.stop);
  },
  vsftpd: async () => {
    const s = await startVsftpd();
    return ftpKind("vsftpd", s, s.stop);
  },
  sshd: async () => {
    const s = await startSshd();
    return {
      label: "sshd (SFTP)",
      proxyable: { host: s.host, port: s.port, ftp: false },
      open: (name, via) =>
        new SftpTransport({ host: "127.0.0.1", port: via?.port ?? s.port, user: s.user, hostKey: s.hostKey, privateKey: s.privateKey, dir: name, timeoutMs: 60_000 }),
      stop: () => s.stop(),
    };
  },
  ceph: async () => {
    const s = await startCeph();
    const bucket = await s.createBucket("bench");
    return {
      label: "Ceph radosgw (S3)",
      proxyable: { host: "127.0.0.1", port: s.port, ftp: false },
      open: (name, via) =>
        new S3Transport({ endpoint: `http://127.0.0.1:${via?.port ?? s.port}`, region: s.region, bucket, prefix: name, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, timeoutMs: 60_000 }),
      stop: () => s.stop(),
    };
  },
};

function ftpKind(label, s, stop) {
  return {
    label,
    proxyable: { host: s.host, port: s.port, ftp: true },
    open: (name, via) =>
      new FtpTransport({ host: s.host, port: via?.port ?? s.port, user: s.user, password: s.password, dir: `/${name}`, secure: false, timeoutMs: 60_000 }),
    stop: () => stop.call(s),
  };
}

const code = (i) => `A${String(i).padStart(3, "0")}`;

// BENCH_TRACE=1: every call of the measured syncs on stderr, with the requests it cost and its time.
const TRACE = process.env.BENCH_TRACE === "1";
function traced(transport, label) {
  if (!TRACE) return transport;
  return new Proxy(transport, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== "function" || ["stats", "describe"].includes(key)) return typeof value === "function" ? value.bind(target) : value;
      return async (...args) => {
        const before = target.stats().commands;
        const t0 = Date.now();
        try {
          return await value.apply(target, args);
        } finally {
          console.error(`    [${label}] ${key}(${typeof args[0] === "string" ? args[0] : ""}) ${target.stats().commands - before} req ${Date.now() - t0} ms`);
        }
      };
    },
  });
}

async function timedSync(node, openRaw, options = {}, measured = false) {
  let extra = 0;
  const open = measured ? () => traced(openRaw(), `c${++extra}`) : openRaw;
  const transport = measured ? traced(openRaw(), "c0") : openRaw();
  const t0 = process.hrtime.bigint();
  try {
    const report = await sync(node, transport, { openTransport: open, ...options });
    if (report.errors.length > 0) throw new Error(`sync of ${node.id}: ${report.errors.join("; ")}`);
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, commands: report.commands, events: report.received.events };
  } finally {
    await transport.close();
  }
}

/** An office of `n` agents on parking area `name`; 10 % of them (at least 1) have a node and a customer. */
async function office(dir, kind, name, n) {
  const sede = SincroNode.init(join(dir, `${name}-sede.db`), { role: "sede" });
  const active = Array.from({ length: Math.max(1, Math.round(n / 10)) }, (_, i) => code(i + 1));
  const at = new Date().toISOString();
  const agents = new Map();
  sede.batch(() => {
    for (let i = 1; i <= n; i++) sede.execute({ kind: "RegisterAgent", code: code(i), name: `Agente ${i}` });
    sede.execute({ kind: "AddProduct", code: "P001", description: "Olio" });
    sede.execute({ kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" });
  });
  for (let i = 1; i <= n; i++) {
    const keys = generateKeys();
    if (active.includes(code(i))) {
      const agent = SincroNode.init(join(dir, `${name}-${code(i)}.db`), { role: "agent", agent: code(i) });
      agent.keyring.setOwn(keys, at);
      agent.keyring.vouch("SEDE", publicKeys(sede.keyring.own()), at);
      agents.set(code(i), agent);
    }
    sede.keyring.vouch(code(i), publicKeys(keys), at);
  }
  const direct = () => kind.open(name);
  // The agents that will not sync here rang once before, as in daily use.
  const t = direct();
  // What "sincro parking check" does at the office: the two root folders exist before any sync.
  await t.ensureDir("SincroAg");
  await t.ensureDir("SincroSede");
  for (let i = 1; i <= n; i++) if (!agents.has(code(i))) await t.write(`SincroBell/${code(i)}.1.0000abcd`, Buffer.from("rang earlier"));
  await t.close();
  await timedSync(sede, direct);
  const customers = new Map();
  for (const [c, agent] of agents) {
    await timedSync(agent, direct);
    customers.set(c, agent.execute({ kind: "AddCustomer", name: `Cliente ${c}`, list: "BASE" }).decision.assigned);
    await timedSync(agent, direct);
  }
  await timedSync(sede, direct);
  await timedSync(sede, direct);
  return { sede, agents, customers, direct };
}

async function placeOrders({ agents, customers, direct }) {
  for (const [c, agent] of agents) {
    for (let i = 0; i < ORDERS; i++) agent.execute({ kind: "PlaceOrder", customer: customers.get(c), lines: [{ product: "P001", qty: String(i + 1) }] });
    await timedSync(agent, direct);
  }
}

const rows = [];
const dir = mkdtempSync(join(tmpdir(), "sincro-bench-scale-"));
try {
  for (const k of KINDS) {
    let kind;
    try {
      console.error(`starting ${k} …`);
      kind = await KIND_STARTERS[k](dir);
    } catch (err) {
      console.error(`${k}: cannot start (${err.message.split("\n")[0]}); skipped`);
      rows.push({ kind: k, skipped: err.message.split("\n")[0] });
      continue;
    }
    try {
      for (const n of SIZES) {
        const name = `${k}-n${n}`;
        console.error(`${kind.label}: ${n} agents …`);
        const setupStart = Date.now();
        const o = await office(dir, kind, name, n);
        console.error(`  office ready in ${((Date.now() - setupStart) / 1000).toFixed(1)} s`);
        for (const delay of kind.proxyable ? [0, DELAY_MS] : [0]) {
          const proxy = delay > 0 ? await DelayProxy.start(kind.proxyable, delay, kind.proxyable.ftp) : undefined;
          const open = () => kind.open(name, proxy);
          try {
            // The proxy is another address, so to the sede another parking area: its first sync
            // there publishes again what it holds (see checkRoots in sync.ts). Not measured.
            if (delay > 0) await timedSync(o.sede, open);
            const quiet = await timedSync(o.sede, open, {}, true);
            o.sede.setConfig("sync.full-listing-hours", "0");
            const listAll = await timedSync(o.sede, open, { connections: 1 });
            o.sede.setConfig("sync.full-listing-hours", "24");
            await placeOrders(o);
            const active = await timedSync(o.sede, open, {}, true);
            await placeOrders(o);
            const oneConnection = await timedSync(o.sede, open, { connections: 1 });
            rows.push({ kind: kind.label, n, delay, quiet, listAll, active, oneConnection, senders: o.agents.size });
            console.error(`  ${delay} ms: quiet ${quiet.commands} req ${quiet.seconds.toFixed(2)} s; active ${active.commands} req ${active.seconds.toFixed(2)} s`);
          } finally {
            await proxy?.stop();
          }
        }
        o.sede.close();
        for (const a of o.agents.values()) a.close();
      }
    } finally {
      await kind.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const f = (r) => `${r.commands} / ${r.seconds.toFixed(2)} s`;
console.log(`\nsincro bench:scale — requests / seconds; receiving: ${ORDERS} orders from each of 10 % of the agents; default 4 connections\n`);
console.log("| parking area | agents | added latency | quiet sede sync | baseline: every folder listed, 1 connection | receiving (senders × 10 orders) | baseline: receiving on 1 connection |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  if (r.skipped) {
    console.log(`| ${r.kind} | — | — | skipped: ${r.skipped} | | | |`);
    continue;
  }
  console.log(`| ${r.kind} | ${r.n} | ${r.delay} ms | ${f(r.quiet)} | ${f(r.listAll)} | ${f(r.active)} (${r.senders} × ${ORDERS}) | ${f(r.oneConnection)} |`);
}
const at300 = rows.filter((r) => r.n === 300 && r.delay === DELAY_MS);
for (const r of at300) {
  const ok = r.quiet.seconds <= 2 && r.active.seconds <= 15;
  console.log(`\n${r.kind}, 300 agents, ${DELAY_MS} ms each way: quiet ${r.quiet.seconds.toFixed(2)} s (target ≤ 2 s), receiving from ${r.senders} agents ${r.active.seconds.toFixed(2)} s (target ≤ 15 s): ${ok ? "ok" : "MISSED"}`);
}
