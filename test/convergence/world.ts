// The system under test of the convergence model: a sede and three agents, each a real node on
// its own SQLite file with its own (skewed) clock, syncing through a real parking area (a folder,
// or the embedded FTP server behind a cutting TCP proxy), and the faults injected into it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { SincroError, TransportError } from "../../src/errors.js";
import type { Command } from "../../src/events/commands.js";
import type { EventEnvelope } from "../../src/events/envelope.js";
import { SincroNode } from "../../src/node/sincroNode.js";
import { FolderTransport } from "../../src/ship/transports/folderTransport.js";
import { FtpTransport } from "../../src/ship/transports/ftpTransport.js";
import type { StepHook, SyncStep } from "../../src/ship/inbox.js";
import { sync, type SyncReport } from "../../src/ship/sync.js";
import type { Transport } from "../../src/ship/transports/transport.js";
import { CuttingFolderTransport, type CutPlan } from "../support/faultyTransport.js";
import { enroll, makeNode } from "../support/nodes.js";
import type { FtpCuttingProxy } from "../support/tcpProxy.js";
import { Attacker } from "./attacker.js";

export const AGENTS = ["AG01", "AG02", "AG03"] as const;
export const NODES = ["SEDE", ...AGENTS] as const;
export type NodeName = (typeof NODES)[number];
export const HOUR = 3_600_000;

export class Crash extends Error {}

/** Faults injected, summed over every scenario of a run (printed at the end). */
export class FaultCounters {
  readonly counts = new Map<string, number>();
  scenarios = 0;
  commands = 0;
  add(kind: string, n = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
  }
  summary(): string {
    const parts = [...this.counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
    return `scenarios=${this.scenarios} commands=${this.commands} ${parts.join(" ")}`;
  }
}

export interface FtpAccess {
  proxy: FtpCuttingProxy;
  /** Local folder served as `/` by the server. */
  serverRoot: string;
  user: string;
  password: string;
}

export interface WorldOptions {
  dir: string;
  /** Clock offset of each node, ms (skew). */
  offsets: Record<NodeName, number>;
  counters: FaultCounters;
  ftp?: FtpAccess;
  /** Prints each step (SINCRO_TRACE=1). */
  trace?: boolean;
}

export type SyncFault = { kind: "crash"; step: SyncStep; nth: number } | { kind: "cut"; plan: CutPlan };

export interface SyncOutcome {
  report?: SyncReport;
  /** Set when the sync threw (a crash we caused, a cut connection, a refused fork …). */
  error?: unknown;
  /** The fault armed for this sync actually happened. */
  fired: boolean;
  /** The attacker's files (and deletions) on the server when the sync started: what a report may name. */
  planted: Set<string>;
}

export class World {
  readonly nodes = new Map<NodeName, SincroNode>();
  readonly dir: string;
  /** Local folder that holds the parking area (to damage, restore or inspect files). */
  readonly parkRoot: string;
  private base = Date.UTC(2026, 2, 2, 9, 0, 0);
  readonly offsets: Record<NodeName, number>;
  readonly counters: FaultCounters;
  /** Bytes of every segment and snapshot ever seen on the server, by path (for redelivery). */
  readonly archive = new Map<string, Buffer>();
  /** Every honest version of every file seen on the server, by path, oldest first (for replays). */
  readonly history = new Map<string, Buffer[]>();
  /** Files damaged on the server and their original bytes. */
  readonly damaged = new Map<string, Buffer>();
  /** The damaged bytes put there: a file the producer has since written again (for new readers) is not "repaired" back to its old bytes. */
  readonly damagedTo = new Map<string, Buffer>();
  /** The malicious writer (the password, random keys, and enrolled AG04's keys). */
  readonly attacker = new Attacker(this);
  /** PCs that were retired or replaced and no longer sync (closed at the end). */
  readonly formerPcs: SincroNode[] = [];
  /** Local events recorded per node (a command that recorded something leaves an agent with unparked work). */
  readonly recorded = new Map<NodeName, number>();
  private pcs = 0;
  private readonly ftp: FtpAccess | undefined;
  private readonly ftpDir: string;
  readonly trace: boolean;
  /** Folder only: a cut download may return the first bytes as if complete (FTP: the proxy resets). */
  readonly canShortRead: boolean;

  constructor(options: WorldOptions) {
    this.dir = options.dir;
    this.offsets = { ...options.offsets };
    this.counters = options.counters;
    this.ftp = options.ftp;
    this.trace = options.trace ?? false;
    this.canShortRead = this.ftp === undefined;
    const name = `run-${relative(join(this.dir, ".."), this.dir).replace(/[^A-Za-z0-9_-]/g, "")}`;
    this.ftpDir = `/${name}`;
    this.parkRoot = this.ftp ? join(this.ftp.serverRoot, name) : join(this.dir, "park");
    // The parking area as "sincro parking check" leaves it: sync never creates its root folders.
    for (const root of ["SincroAg", "SincroSede"]) mkdirSync(join(this.parkRoot, root), { recursive: true });
    this.nodes.set("SEDE", makeNode(this.dir, "SEDE", { role: "sede" }, this.clockOf("SEDE")));
    for (const a of AGENTS) {
      const agent = makeNode(this.dir, a, { role: "agent", agent: a }, this.clockOf(a));
      enroll(this.node("SEDE"), agent);
      this.nodes.set(a, agent);
    }
  }

  /** A node's clock: the shared time moving 1 ms per reading, plus the node's own offset. */
  clockOf(name: NodeName): () => number {
    return () => this.base++ + this.offsets[name];
  }

  /** Time passes for everyone. */
  advance(ms: number): void {
    this.base += ms;
  }

  node(name: NodeName): SincroNode {
    return this.nodes.get(name) as SincroNode;
  }

  /** Drops a node's process state and reopens its database from the file, as after a crash. */
  reopen(name: NodeName): SincroNode {
    const old = this.node(name);
    const file = old.db.name;
    old.close();
    const fresh = SincroNode.open(file, { now: this.clockOf(name) });
    this.nodes.set(name, fresh);
    return fresh;
  }

  /**
   * A reinstalled agent PC (README, "Enrolling an agent"): a new database, enrolled again by the
   * office (new keys; the old ones accepted until the end of the sede's next sync). The old PC is
   * gone: it never syncs again.
   */
  replacePc(name: NodeName): SincroNode {
    const old = this.node(name);
    this.formerPcs.push(old);
    const pc = makeNode(this.dir, `${name}-pc${++this.pcs}`, { role: "agent", agent: name }, this.clockOf(name));
    enroll(this.node("SEDE"), pc);
    this.nodes.set(name, pc);
    return pc;
  }

  close(): void {
    for (const n of [...this.nodes.values(), ...this.formerPcs]) n.close();
    if (this.ftp) rmSync(this.parkRoot, { recursive: true, force: true });
  }

  /**
   * Executes a local command; checks that the events it recorded sort after everything the node
   * held (DESIGN §2: an edit made after seeing another sorts after it, whatever the clock says),
   * quarantined events aside (never part of the clock).
   */
  execute(name: NodeName, command: Command): EventEnvelope[] {
    const node = this.node(name);
    const seen = node.db
      .prepare(
        `SELECT max(h) AS h FROM (SELECT max(hlc) AS h FROM events WHERE pos NOT IN (SELECT pos FROM quarantined) UNION ALL SELECT max(hlc) FROM special_prices)`,
      )
      .get() as { h: string | null };
    const { events } = node.execute(command);
    this.recorded.set(name, (this.recorded.get(name) ?? 0) + events.length);
    for (const e of events) {
      if (seen.h !== null && !(e.hlc > seen.h)) {
        throw new Error(
          `causality: ${name} recorded ${e.type} ${e.origin}#${e.seq} with hlc ${e.hlc}, not after ${seen.h} which it already held (command ${JSON.stringify(command)})`,
        );
      }
    }
    if (this.trace) console.log(`  ${name} ${command.kind} → ${events.map((e) => `${e.type}@${e.hlc}`).join(", ") || "(nothing)"}`);
    return events;
  }

  private transport(fault: SyncFault | undefined): { transport: Transport; fired: () => boolean } {
    const cut = fault?.kind === "cut" ? fault.plan : undefined;
    if (this.ftp) {
      const proxy = this.ftp.proxy;
      if (cut) proxy.arm({ direction: cut.direction, skip: cut.skip, afterBytes: cut.afterBytes });
      const transport = new FtpTransport({
        host: proxy.host,
        port: proxy.port,
        user: this.ftp.user,
        password: this.ftp.password,
        dir: this.ftpDir,
        timeoutMs: 5000,
      });
      return { transport, fired: () => (cut ? proxy.disarm() : false) };
    }
    if (cut) {
      const t = new CuttingFolderTransport(this.parkRoot, cut);
      return { transport: t, fired: () => t.fired };
    }
    return { transport: new FolderTransport(this.parkRoot), fired: () => false };
  }

  /** One sync of a node, with at most one fault armed; a crash reopens the node from its file. */
  async sync(name: NodeName, options: { snapshotEvery?: number; fault?: SyncFault } = {}): Promise<SyncOutcome> {
    const { fault } = options;
    let crashed = false;
    let seen = 0;
    const hook: StepHook | undefined =
      fault?.kind === "crash"
        ? (step) => {
            if (step !== fault.step || crashed) return;
            if (++seen < fault.nth) return;
            crashed = true;
            throw new Crash(`crash at ${step}`);
          }
        : undefined;
    const { transport, fired } = this.transport(fault);
    const outcome: SyncOutcome = { fired: false, planted: this.attacker.stillPlanted() };
    try {
      const syncOptions: Parameters<typeof sync>[2] = {};
      if (hook) syncOptions.hook = hook;
      if (options.snapshotEvery !== undefined) syncOptions.snapshotEvery = options.snapshotEvery;
      outcome.report = await sync(this.node(name), transport, syncOptions);
    } catch (err) {
      outcome.error = err;
    } finally {
      await transport.close().catch(() => undefined);
    }
    outcome.fired = crashed || fired();
    if (crashed) this.reopen(name);
    this.remember();
    if (this.trace) {
      const r = outcome.report;
      console.log(
        `  sync ${name}${fault ? ` fault=${JSON.stringify(fault)} fired=${outcome.fired}` : ""}: ${
          r ? `sent ${r.sent.events}/${r.sent.segments}s recv ${r.received.events}/${r.received.segments}s/${r.received.snapshots}snap errors=${JSON.stringify(r.errors)} warnings=${JSON.stringify(r.warnings)}` : `threw ${String(outcome.error)}`
        }`,
      );
    }
    return outcome;
  }

  /** Every file on the server, relative paths with `/`. */
  serverFiles(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(relative(this.parkRoot, p).split("\\").join("/"));
      }
    };
    walk(this.parkRoot);
    return out.sort();
  }

  serverPath(rel: string): string {
    return join(this.parkRoot, ...rel.split("/"));
  }

  /** Keeps the bytes of every segment and snapshot on the server that is not damaged nor the attacker's, and every honest version of every file. */
  private remember(): void {
    for (const f of this.serverFiles()) {
      if (f.endsWith(".tmp") || this.damaged.has(f)) continue;
      const bytes = readFileSync(this.serverPath(f));
      if (this.attacker.wrote(f, bytes)) continue;
      const versions = this.history.get(f) ?? [];
      if (!versions.some((v) => v.equals(bytes))) this.history.set(f, [...versions, bytes]);
      if (/\.(seg|snap)$/.test(f) && !this.archive.has(f)) this.archive.set(f, bytes);
    }
  }

  readServer(rel: string): Buffer {
    return readFileSync(this.serverPath(rel));
  }

  writeServer(rel: string, bytes: Buffer): void {
    const p = this.serverPath(rel);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, bytes);
  }

  deleteServer(rel: string): void {
    unlinkSync(this.serverPath(rel));
  }

  existsServer(rel: string): boolean {
    return existsSync(this.serverPath(rel)) && statSync(this.serverPath(rel)).isFile();
  }

  /** Restores the original bytes of every damaged file still on the server. */
  repairAll(): number {
    let n = 0;
    for (const [f, bytes] of this.damaged) {
      if (this.existsServer(f) && this.readServer(f).equals(this.damagedTo.get(f) ?? Buffer.alloc(0))) {
        writeFileSync(this.serverPath(f), bytes);
        n++;
      }
    }
    this.damaged.clear();
    this.damagedTo.clear();
    this.remember();
    return n;
  }
}

export function isCut(err: unknown): boolean {
  return err instanceof TransportError;
}

export function isFork(err: unknown): boolean {
  return err instanceof SincroError && err.code === "FORK";
}
