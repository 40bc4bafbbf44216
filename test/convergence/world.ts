// The system under test of the convergence model: a sede and three agents, each a real node on
// its own SQLite file with its own (skewed) clock, syncing through a real parking area (a folder,
// or the embedded FTP server behind a cutting TCP proxy), and the faults injected into it.
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import Database from "better-sqlite3";
import { RefusedError, SincroError, TransportError } from "../../src/errors.js";
import type { Command } from "../../src/events/commands.js";
import type { EventEnvelope } from "../../src/events/envelope.js";
import { SincroNode, writeBackup } from "../../src/node/sincroNode.js";
import { FolderTransport } from "../../src/ship/transports/folderTransport.js";
import { FtpTransport } from "../../src/ship/transports/ftpTransport.js";
import type { StepHook, SyncStep } from "../../src/ship/inbox.js";
import { sync, type SyncReport } from "../../src/ship/sync.js";
import type { Transport } from "../../src/ship/transports/transport.js";
import { CuttingFolderTransport, type CutPlan } from "../support/faultyTransport.js";
import { withServerClock } from "../support/serverClock.js";
import { enroll, makeNode } from "../support/nodes.js";
import type { FtpCuttingProxy } from "../support/tcpProxy.js";
import { Attacker } from "./attacker.js";

export const AGENTS = ["AG01", "AG02", "AG03"] as const;
export const NODES = ["SEDE", ...AGENTS] as const;
export type NodeName = (typeof NODES)[number];
export const HOUR = 3_600_000;
/**
 * How far a node's corrected time may be from the true time once a sync measured its clock: the
 * folder's stamp is given to 2 s (1 s of bias), FTP's MDTM to 1 s, and an offset within 5 s is
 * not corrected at all (src/node/clockOffset.ts).
 */
export const CLOCK_TOLERANCE_MS = 10_000;
/** A PC whose clock is off by more than this is warned at its own sync (issue 12, item 4). */
const WARN_OVER_MS = 2 * 60_000;

/** The wall-clock part of an HLC, ms. */
export function hlcWall(hlc: string): number {
  return Number(hlc.slice(0, 13));
}

export class Crash extends Error {}

/** A command refused on an agent PC restored from a backup that still waits for its own events (code AWAITING_RETURN), or waiting on a file of its folder (HELD_BY_FILE). */
export class AwaitingReturn extends Error {}

/** A copy of a node's database, as `sincro backup` writes it. */
export interface Backup {
  file: string;
  /** The node's last own event in the copy (0: none). */
  head: number;
}

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
  private backups = 0;
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

  /** The true time: the parking server's clock (it stamps every file written with it). */
  trueNow(): number {
    return this.base;
  }

  /** How far a node's corrected time is from the true time now (its clock's offset plus the correction its last measurement set). */
  clockError(name: NodeName): number {
    return this.offsets[name] + this.node(name).clockCorrectionMs();
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
   * `sincro backup --out FILE` (src/cli/commands/backup.ts): a copy by `VACUUM INTO`, into an
   * empty owner-only file. From another connection when `during` a sync, as the command run
   * from another process while the node syncs. Written for any node, so that a sede variant of
   * the restore below needs only its own restore step.
   */
  backup(name: NodeName, during = false): Backup {
    const node = this.node(name);
    const file = join(this.dir, `${name}-backup-${++this.backups}.db`);
    closeSync(openSync(file, "wx", 0o600));
    if (!during) node.backupTo(file);
    else {
      const other = new Database(node.db.name, { readonly: true });
      try {
        writeBackup(other, file);
      } finally {
        other.close();
      }
    }
    const copy = new Database(file, { readonly: true });
    try {
      const row = copy.prepare(`SELECT max(seq) AS seq FROM events WHERE origin = ?`).get(node.id) as { seq: number | null };
      return { file, head: row.seq ?? 0 };
    } finally {
      copy.close();
    }
  }

  /**
   * Puts a backup back as a node's database (README, "When things go wrong"): the node is
   * stopped, its file (and the WAL beside it) replaced by the copy, and opened again.
   */
  restore(name: NodeName, backup: Backup): SincroNode {
    const old = this.node(name);
    const file = old.db.name;
    old.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) rmSync(f);
    copyFileSync(backup.file, file);
    const restored = SincroNode.open(file, { now: this.clockOf(name) });
    this.nodes.set(name, restored);
    return restored;
  }

  /**
   * Executes a local command; checks that the events it recorded sort after everything the node
   * held (DESIGN §2: an edit made after seeing another sorts after it, whatever the clock says),
   * quarantined events aside (never part of the clock).
   */
  execute(name: NodeName, command: Command): EventEnvelope[] {
    const node = this.node(name);
    if (name === "SEDE" && node.isBackupCopy()) {
      // An office database put back from a backup refuses any work until its first sync.
      let refused: unknown;
      try {
        node.execute(command);
      } catch (err) {
        refused = err;
      }
      if (!(refused instanceof RefusedError && refused.code === "SYNC_FIRST")) throw new Error(`the restored sede has not synced yet, and ${command.kind} was not refused: ${String(refused)}`);
      this.counters.add("refused-sede-sync-first");
      throw new AwaitingReturn(`SEDE: ${refused.message}`);
    }
    if (node.awaitingReturn() || node.heldOn().length > 0) {
      // A restored PC waiting for its own events, or a PC waiting on a file of its folder that
      // may hold work parked before it (heldFiles.ts), refuses any new work, with what to do.
      const code = node.heldOn().length > 0 ? "HELD_BY_FILE" : "AWAITING_RETURN";
      let refused: unknown;
      try {
        node.execute(command);
      } catch (err) {
        refused = err;
      }
      if (!(refused instanceof RefusedError && refused.code === code)) throw new Error(`${name} waits (${code}), and ${command.kind} was not refused: ${String(refused)}`);
      this.counters.add(code === "HELD_BY_FILE" ? "refused-while-held-by-file" : "refused-while-awaiting-return");
      throw new AwaitingReturn(`${name}: ${refused.message}`);
    }
    const seen = node.db
      .prepare(
        `SELECT max(h) AS h FROM (SELECT max(hlc) AS h FROM events WHERE pos NOT IN (SELECT pos FROM quarantined) UNION ALL SELECT max(hlc) FROM special_prices)`,
      )
      .get() as { h: string | null };
    const before = this.trueNow();
    const { events } = node.execute(command);
    const after = this.trueNow();
    this.recorded.set(name, (this.recorded.get(name) ?? 0) + events.length);
    this.checkRecordedTimes(name, events, before, after, seen.h === null ? 0 : hlcWall(seen.h));
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

  /**
   * DESIGN §8, clocks: a node whose clock a sync has measured (its corrected time within the
   * tolerance of the true time) records every event at the true time, never behind it, and ahead
   * of it only as far as something it already held was (the HLC sorts after what it has seen),
   * whatever its own clock says: a PC a day fast or slow records "most recent" in real time.
   */
  checkRecordedTimes(name: NodeName, events: readonly EventEnvelope[], before: number, after: number, seenWall: number): void {
    if (Math.abs(this.clockError(name)) > CLOCK_TOLERANCE_MS) return;
    for (const e of events) {
      const wall = hlcWall(e.hlc);
      const at = `${name}'s ${e.type} ${e.origin}#${e.seq} (hlc ${e.hlc}, true time ${new Date(before).toISOString()}, its clock ${(this.offsets[name] / HOUR).toFixed(1)} h off, corrected by ${(this.node(name).clockCorrectionMs() / HOUR).toFixed(1)} h)`;
      if (wall < before - CLOCK_TOLERANCE_MS) throw new Error(`clock: ${at} is behind the true time although its clock was measured`);
      if (wall > Math.max(after + CLOCK_TOLERANCE_MS, seenWall)) throw new Error(`clock: ${at} is ahead of the true time and of everything it held`);
    }
    if (Math.abs(this.offsets[name]) >= 20 * HOUR && events.length > 0) this.counters.add("recorded-at-true-time-with-clock-a-day-off");
  }

  private transport(fault: SyncFault | undefined): { transport: Transport; fired: () => boolean } {
    const made = this.rawTransport(fault);
    // The parking server's clock is the true time: it stamps every file it receives with it.
    return { transport: withServerClock(made.transport, () => this.trueNow(), this.parkRoot), fired: made.fired };
  }

  private rawTransport(fault: SyncFault | undefined): { transport: Transport; fired: () => boolean } {
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
  async sync(name: NodeName, options: { snapshotEvery?: number; fault?: SyncFault; onStep?: StepHook } = {}): Promise<SyncOutcome> {
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
        : options.onStep;
    const { transport, fired } = this.transport(fault);
    const outcome: SyncOutcome = { fired: false, planted: this.attacker.stillPlanted() };
    const errorBefore = this.clockError(name);
    const startedAt = this.trueNow();
    const ownBefore = this.node(name).log.head(this.node(name).id)?.seq ?? 0;
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
    if (outcome.report) this.checkClockMeasured(name, errorBefore, startedAt, ownBefore, outcome.report);
    // A restored sede taking its work back: its own events, and each agent's.
    for (const x of outcome.report?.warnings ?? []) {
      if (x.startsWith("took back ")) this.counters.add(x.includes("of the office") ? "sede-took-back-own" : "sede-took-back-agent's");
      if (x.startsWith("restore of the office database complete")) this.counters.add("sede-restore-complete");
    }
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

  /**
   * DESIGN §8: a sync measures the PC's clock before it records or applies anything. A clock
   * found hours off (a day fast or slow, or set right again) is corrected from then on: what
   * this very sync recorded carries the true time, and the PC itself is warned.
   */
  private checkClockMeasured(name: NodeName, errorBefore: number, startedAt: number, ownBefore: number, report: SyncReport): void {
    if (Math.abs(errorBefore) < 2 * HOUR) return;
    const node = this.node(name);
    const error = this.clockError(name);
    if (Math.abs(error) > CLOCK_TOLERANCE_MS) {
      throw new Error(`clock: ${name}'s clock was ${(errorBefore / HOUR).toFixed(1)} h off before its sync and is still ${(error / HOUR).toFixed(1)} h off after it (offset ${(this.offsets[name] / HOUR).toFixed(1)} h, correction ${(node.clockCorrectionMs() / HOUR).toFixed(1)} h)`);
    }
    // Not what a restored office took back (its own events published before it was put back, up
    // to the number it goes on after): those were recorded then, on the clock it had then. Nor
    // what a restored agent got back from the office: the office held those before this sync
    // began (folder seed 951000150, run 455).
    const atSede = name === "SEDE" ? undefined : this.node("SEDE").db.prepare(`SELECT 1 FROM events WHERE id = ?`);
    for (const e of node.log.ownedAfter(node.id, Math.max(ownBefore, node.seqBase()?.seq ?? 0))) {
      if (atSede?.get(e.id) !== undefined) continue;
      if (hlcWall(e.hlc) < startedAt - CLOCK_TOLERANCE_MS) throw new Error(`clock: ${name} recorded ${e.type} #${e.seq} during the sync that found its clock off with the uncorrected time (hlc ${e.hlc}, sync started ${new Date(startedAt).toISOString()})`);
    }
    // The PC is warned when its clock is over 2 minutes off (issue 12, item 4); the measure may be off by the server's
    // granularity, so the model asks for the warning only a minute past that, and for its absence
    // only a minute short of it (folder seed 951000200, run 7634: a clock set right to within
    // 2 min 56 s was warned, as it should be, and the model wanted no warning under 3 min).
    const warned = report.warnings.some((w) => w.startsWith("this PC's clock is"));
    const off = Math.abs(this.offsets[name]);
    if (off > WARN_OVER_MS + 60_000) {
      if (!warned) throw new Error(`clock: ${name}'s clock is ${(this.offsets[name] / HOUR).toFixed(1)} h off and its sync did not warn it: ${JSON.stringify(report.warnings)}`);
      this.counters.add("clock-warned-at-its-pc");
    } else if (warned && off < WARN_OVER_MS - 60_000) throw new Error(`clock: ${name}'s clock was set right and its sync still warns: ${JSON.stringify(report.warnings)}`);
    this.counters.add("clock-corrected");
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
