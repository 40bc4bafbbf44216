import { IntegrityError, SegmentError, SincroError, TransportError } from "../errors.js";
import type Database from "better-sqlite3";
import type { SincroNode } from "../node/sincroNode.js";
import { decodeEnvelope } from "../wire/envelopeCodec.js";
import { inSeries } from "../events/decide.js";
import { Inbox, type StepHook } from "./inbox.js";
import { decodeSegment, decodeSnapshot } from "../wire/segmentCodec.js";
import { isTempName, type RemoteFile, type Transport } from "./transport.js";
import {
  CATALOGUE,
  SEDE,
  ackPath,
  agentToSede,
  resendPath,
  inboundStreams,
  parseFileName,
  readersOf,
  sedeToAgent,
  segmentName,
  snapshotName,
  streamFolder,
  type StreamName,
} from "../wire/streams.js";

export interface SyncOptions {
  /** A new snapshot of a sede stream once this many events followed the last one. Default 10,000. */
  snapshotEvery?: number;
  /** Segments a snapshot covers are deleted after this many days even if a reader never acked them. Default 14. */
  retentionDays?: number;
  /** Called before each file moves, for a progress display. */
  progress?: (p: SyncProgress) => void;
  /** Called at each named step of the sync (see `SyncStep`); throw from it to simulate a crash. */
  hook?: StepHook;
}

export interface SyncProgress {
  phase: "upload" | "download";
  file: string;
  bytes: number;
}

export interface SyncReport {
  node: string;
  sent: { events: number; segments: number; snapshots: number; bytes: number };
  received: { events: number; duplicates: number; segments: number; snapshots: number; bytes: number };
  /** Conflicts this sync recorded (most-recent-wins decisions, duplicate codes, foreign order types). */
  conflicts: number;
  pruned: number;
  warnings: string[];
  /** Streams that stopped on a file that failed verification; the sync exits non-zero. */
  errors: string[];
  commands: number;
}

/** The ack file a reader writes after applying (DESIGN §4.5). */
export interface AckFile {
  format: "sincro-ack/1";
  stream: StreamName;
  reader: string;
  segment: number;
  offset: number;
  sha256: string;
  at: string;
  /** Sede acks of an agent's stream: the last seq (and its hash) received from that agent. */
  lastSeq?: number;
  lastHash?: string;
  /** Sede acks of an agent's stream: the highest order number received per order type. */
  orders?: Record<string, number>;
  /** Sede acks of an agent's stream: the highest customer code that agent created. */
  lastCustomer?: string;
}

const DAY_MS = 86_400_000;

/**
 * One sync of a node through a parking area (DESIGN §4): seal what is pending, publish it,
 * receive and apply what the other side parked, acknowledge, and prune what every reader has
 * acknowledged. Each step is idempotent, so after a crash or a dropped connection at any point
 * the next sync completes the work and every event is applied exactly once.
 */
export async function sync(node: SincroNode, transport: Transport, options: SyncOptions = {}): Promise<SyncReport> {
  const run = new SyncRun(node, transport, options);
  return run.execute();
}

class SyncRun {
  private readonly inbox: Inbox;
  private readonly listings = new Map<string, RemoteFile[]>();
  private readonly report: SyncReport;
  private readonly agents: string[];
  private readonly snapshotEvery: number;
  private readonly retentionMs: number;
  private readonly hook: StepHook;
  private readonly saveReaderAck: Database.Statement;

  constructor(
    private readonly node: SincroNode,
    private readonly transport: Transport,
    private readonly options: SyncOptions,
  ) {
    this.inbox = new Inbox(node);
    this.agents = node.role === "sede" ? node.read.agents().map((a) => a.code) : [];
    this.snapshotEvery = options.snapshotEvery ?? 10_000;
    this.retentionMs = (options.retentionDays ?? 14) * DAY_MS;
    this.hook = options.hook ?? (() => {});
    this.saveReaderAck = node.db.prepare(
      `INSERT INTO reader_acks (stream, reader, segment, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (stream, reader) DO UPDATE SET segment = excluded.segment, at = excluded.at`,
    );
    this.report = {
      node: node.id,
      sent: { events: 0, segments: 0, snapshots: 0, bytes: 0 },
      received: { events: 0, duplicates: 0, segments: 0, snapshots: 0, bytes: 0 },
      conflicts: 0,
      pruned: 0,
      warnings: [],
      errors: [],
      commands: 0,
    };
  }

  private now(): Date {
    return new Date(this.node.nowMs());
  }

  private async list(folder: string): Promise<RemoteFile[]> {
    let files = this.listings.get(folder);
    if (!files) {
      files = await this.transport.list(folder);
      this.listings.set(folder, files);
    }
    return files;
  }

  async execute(): Promise<SyncReport> {
    const commandsBefore = this.transport.stats().commands;
    const conflictsBefore = this.node.read.listConflicts().length;
    const inbound = inboundStreams(this.node.id, this.agents);
    for (const stream of inbound) await this.list(streamFolder(stream));
    if (this.node.role === "agent") {
      this.checkPublished();
      await this.continueEarlierPc();
    }
    this.seal();
    await this.resendRequested();
    await this.publish();
    for (const stream of inbound) await this.receive(stream);
    if (this.node.role === "sede" && this.refreshAgentSnapshots()) await this.publish();
    await this.acknowledge(inbound);
    await this.prune();
    this.report.conflicts = this.node.read.listConflicts().length - conflictsBefore;
    this.report.commands = this.transport.stats().commands - commandsBefore;
    return this.report;
  }

  /** An agent's first sync needs what the sede published for it (DESIGN §3, first sync). */
  private checkPublished(): void {
    const own = sedeToAgent(this.node.id);
    if (this.inbox.cursor(own)) return;
    const files = this.listings.get(streamFolder(own)) ?? [];
    if (!files.some((f) => parseFileName(f.name) !== undefined)) {
      throw new SincroError(
        "NOT_PUBLISHED",
        `sync: the office has not published data for agent ${this.node.id} yet: run a sync at the office first (after "sincro agent add ${this.node.id}" there)`,
        { exitCode: 1 },
      );
    }
  }

  /**
   * On an agent's first sync, whatever the parking area shows of an earlier PC with the same
   * agent code — the sede's ack of the agent's stream, and the agent's own segments still on
   * the server — sets where this PC's numbering continues: event seq (chained to the last event
   * the sede holds), segment and offset, order numbers, customer codes. Nothing is reused that
   * the sede has seen or will see. A PC that recorded work before this first sync cannot be
   * renumbered: it is refused with what to do.
   */
  private async continueEarlierPc(): Promise<void> {
    if (this.inbox.cursor(sedeToAgent(this.node.id))) return;
    const own = agentToSede(this.node.id);
    const ack = await this.readAck(own, SEDE);
    const ownFolder = streamFolder(own);
    const leftovers = (await this.list(ownFolder))
      .map((f) => ({ f, parsed: parseFileName(f.name) }))
      .filter((x) => x.parsed?.kind === "segment" && x.parsed.number > (ack?.segment ?? 0))
      .sort((a, b) => (a.parsed?.number ?? 0) - (b.parsed?.number ?? 0));
    if (!ack && leftovers.length === 0) return;
    // What this PC itself published (a first sync that crashed after publishing) is no sign of
    // an earlier PC: compare with our own sealed segments by number and hash.
    const mine = new Map(
      this.node.outbox
        .files(own)
        .filter((f) => f.kind === "segment")
        .map((f) => [f.number, f.sha256]),
    );
    let foreign = ack !== undefined && ack.segment > 0 && mine.get(ack.segment) !== ack.sha256;

    const base = {
      seq: ack?.lastSeq ?? 0,
      hash: ack?.lastHash ?? "",
      segment: ack?.segment ?? 0,
      offset: ack?.offset ?? 0,
      sha256: ack?.sha256 ?? "",
      orders: { ...(ack?.orders ?? {}) } as Record<string, number>,
      customer: 0,
    };
    const ctx = this.node.context();
    if (ack?.lastCustomer !== undefined && inSeries(ack.lastCustomer, ctx.customerPrefix, ctx.customerDigits)) {
      base.customer = Number(ack.lastCustomer.slice(ctx.customerPrefix.length));
    }
    for (const { f, parsed } of leftovers) {
      const path = `${ownFolder}/${f.name}`;
      const number = parsed?.number ?? 0;
      const bytes = await this.fetch(path, f);
      let segment: ReturnType<typeof decodeSegment>;
      try {
        segment = decodeSegment(bytes, path, { stream: own, number });
      } catch (err) {
        // A damaged copy of a segment this PC sealed itself (its first sync stopped after
        // publishing): nothing to learn from it, and publishing uploads it again from the sealed bytes.
        if (err instanceof SegmentError && mine.has(number)) continue;
        throw err;
      }
      const { header, events, sha256 } = segment;
      if (mine.get(header.segment) !== sha256) foreign = true;
      base.segment = header.segment;
      base.offset = header.last;
      base.sha256 = sha256;
      for (const e of events) {
        if (e.origin !== this.node.id || e.seq <= base.seq) continue;
        base.seq = e.seq;
        base.hash = e.hash;
        const d = decodeEnvelope(e);
        if (d.type === "OrderPlaced") base.orders[d.data.type] = Math.max(base.orders[d.data.type] ?? 0, d.data.number);
        if (d.type === "CustomerCreated" && inSeries(d.data.code, ctx.customerPrefix, ctx.customerDigits)) {
          base.customer = Math.max(base.customer, Number(d.data.code.slice(ctx.customerPrefix.length)));
        }
      }
    }
    if (!foreign) return;
    const recorded = this.node.log.head(this.node.id);
    if (recorded) {
      throw new SincroError(
        "FORK",
        `sync: agent code ${this.node.id} was already in use on another PC (the office holds its events up to #${base.seq}), and this PC has recorded ${recorded.seq} event(s) before its first sync, whose numbers collide with those. ` +
          `If this PC replaces the old one, create a fresh database with "sincro init --role agent --agent ${this.node.id}" and sync before entering anything; if the old PC is still in use, give this one another agent code.`,
        { exitCode: 1 },
      );
    }
    const db = this.node.db;
    this.node.batch(() => {
      const put = db.prepare(
        `INSERT INTO numbering_base (kind, key, value, text) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, text = excluded.text`,
      );
      put.run("seq", this.node.id, base.seq, base.hash);
      put.run("segment", own, base.segment, `${base.offset}:${base.sha256}`);
      for (const [type, n] of Object.entries(base.orders)) put.run("order", type, n, "");
      if (base.customer > 0) put.run("customer", `${ctx.customerPrefix}/${ctx.customerDigits}`, base.customer, "");
      put.run("reinstalled", this.node.id, base.seq, JSON.stringify({ at: this.now().toISOString(), heldBySede: ack?.lastSeq ?? 0, stillOnServer: leftovers.length }));
    });
    this.report.warnings.push(
      `agent code ${this.node.id} was used by an earlier PC: the office had received its events up to #${ack?.lastSeq ?? 0}` +
        (leftovers.length > 0 ? `, and ${leftovers.length} more segment(s) are still on the server for it` : "") +
        `; this PC continues after event #${base.seq}. Work that PC never synced is not recoverable.`,
    );
  }

  /** The streams this node produces. */
  private producedStreams(): StreamName[] {
    return this.node.role === "sede" ? [CATALOGUE, ...this.agents.map(sedeToAgent)] : [agentToSede(this.node.id)];
  }

  private seal(): void {
    const now = this.now();
    const { outbox } = this.node;
    this.node.batch(() => {
      for (const stream of this.producedStreams()) {
        outbox.seal(stream, now);
        if (this.node.role !== "sede") continue;
        const snap = outbox.lastSnapshot(stream);
        const files = outbox.files(stream).filter((f) => f.kind === "segment");
        const lastOffset = files.at(-1)?.last ?? 0;
        if (!snap || lastOffset - snap.last >= this.snapshotEvery) outbox.sealSnapshot(stream, now);
      }
      this.hook("seal", { stream: this.producedStreams()[0] as StreamName });
    });
  }

  /**
   * A reader whose stream stopped on a damaged file asks for it again (a `.resend` file beside
   * its ack, in a folder this node lists anyway): upload that file again from the sealed bytes.
   */
  private async resendRequested(): Promise<void> {
    for (const stream of this.producedStreams()) {
      const readers = readersOf(stream, this.agents);
      for (const reader of readers) {
        const path = resendPath(stream, reader);
        const requested = await this.readIfListed(path);
        if (!requested) continue;
        const text = requested.toString("utf8");
        let file = "";
        try {
          const request = JSON.parse(text) as { stream?: string; file?: string };
          if (request.stream === stream && typeof request.file === "string") file = request.file;
        } catch {
          file = "";
        }
        const parsed = parseFileName(file);
        // A file no longer on the server was pruned as superseded: the reader moves on without it.
        if (!parsed || !(await this.list(streamFolder(stream))).some((f) => f.name === file)) continue;
        const bytes = this.node.outbox.bytes(stream, parsed.kind, parsed.number);
        if (!bytes) {
          this.report.warnings.push(`${path}: ${reader} asks for ${file || "a file"} of ${stream} again, but this node no longer holds it`);
          continue;
        }
        await this.transport.write(`${streamFolder(stream)}/${file}`, bytes);
        this.report.sent.bytes += bytes.length;
        this.report.warnings.push(`${streamFolder(stream)}/${file}: uploaded again from the sealed copy, as ${reader} found it damaged`);
      }
    }
  }

  /**
   * After receiving: an agent's snapshot that lacks customers or special prices the agent has
   * since sent is sealed anew (behind an empty segment, so it has a number of its own), so a
   * reinstalled PC bootstraps with what it had sent. Returns whether anything was sealed.
   */
  private refreshAgentSnapshots(): boolean {
    const { outbox } = this.node;
    const now = this.now();
    let sealed = false;
    this.node.batch(() => {
      for (const agent of this.agents) {
        const stream = sedeToAgent(agent);
        if (!outbox.agentDataSince(stream)) continue;
        const lastSegment = outbox.files(stream).filter((f) => f.kind === "segment").at(-1)?.number ?? 0;
        if (outbox.lastSnapshot(stream)?.number === lastSegment) outbox.sealEmpty(stream, now);
        outbox.sealSnapshot(stream, now);
        sealed = true;
      }
    });
    return sealed;
  }

  private async publish(): Promise<void> {
    const { outbox } = this.node;
    for (const stream of this.producedStreams()) {
      const all = outbox.files(stream);
      // Segments covered by a stream's first snapshot are never needed on the server: no reader
      // can hold a cursor before that snapshot exists, so every reader starts from it.
      const firstSnapshot = all.find((f) => f.kind === "snapshot");
      const neverNeeded =
        firstSnapshot && firstSnapshot.uploaded === null ? all.filter((f) => f.kind === "segment" && f.uploaded === null && f.number <= firstSnapshot.number) : [];
      for (const f of neverNeeded) outbox.markPruned(stream, f.kind, f.number, this.now());
      const waiting = all.filter((f) => f.uploaded === null && f.pruned === null && !neverNeeded.includes(f));
      if (waiting.length === 0) continue;
      const folder = streamFolder(stream);
      const listed = await this.list(folder);
      const present = new Map(listed.map((f) => [f.name, f]));
      // This folder has one writer, this node, and nothing of ours is uploading now: a temporary
      // name here is what an interrupted upload left behind.
      for (const leftover of listed.filter((f) => isTempName(f.name))) {
        await this.transport.delete(`${folder}/${leftover.name}`);
        this.report.pruned++;
      }
      for (const f of waiting) {
        const name = f.kind === "segment" ? segmentName(f.number) : snapshotName(f.number);
        const path = `${folder}/${name}`;
        const bytes = outbox.bytes(stream, f.kind, f.number);
        if (!bytes) throw new IntegrityError(`publish ${path}: the sealed bytes are missing from the database`);
        if (present.has(name)) {
          // Already there: a retry after a crash between rename and bookkeeping, a copy damaged
          // on the server (replaced below by our sealed bytes), or a fork: another PC's valid file.
          const remote = await this.fetch(path, present.get(name) as RemoteFile);
          if (remote.equals(bytes)) {
            outbox.markUploaded(stream, f.kind, f.number, this.now());
            continue;
          }
          if (this.isValidFile(stream, f.kind, f.number, path, remote)) {
            throw new SincroError(
              "FORK",
              `publish ${path}: the server already holds a different ${f.kind} under this name. Two PCs are publishing as ${
                stream.startsWith(SEDE) ? "the sede" : `agent ${this.node.id}`
              }: stop syncing on one of them and reinstall it from the office (see README, "A second PC with the same agent code")`,
              { exitCode: 1 },
            );
          }
          this.report.warnings.push(`${path} was damaged on the server; uploaded it again from this node's sealed copy`);
        }
        this.options.progress?.({ phase: "upload", file: path, bytes: bytes.length });
        this.hook("upload", { stream, file: path });
        await this.transport.write(path, bytes);
        this.hook("rename", { stream, file: path });
        outbox.markUploaded(stream, f.kind, f.number, this.now());
        this.report.sent.bytes += bytes.length;
        if (f.kind === "segment") {
          this.report.sent.segments++;
          this.report.sent.events += f.last - f.first + 1;
        } else this.report.sent.snapshots++;
      }
    }
  }

  private async receive(stream: StreamName): Promise<void> {
    const folder = streamFolder(stream);
    const files = await this.list(folder);
    const segments = new Map<number, RemoteFile>();
    const snapshots: Array<{ number: number; file: RemoteFile }> = [];
    for (const f of files) {
      const parsed = parseFileName(f.name);
      if (parsed?.kind === "segment") segments.set(parsed.number, f);
      else if (parsed?.kind === "snapshot") snapshots.push({ number: parsed.number, file: f });
    }
    snapshots.sort((a, b) => a.number - b.number);
    const cursor = this.inbox.cursor(stream);
    const wasBlocked = cursor?.blocked != null;
    let at = cursor && cursor.segment >= 0 ? cursor.segment : -1;
    try {
      if (at < 0) {
        const newest = snapshots.at(-1);
        if (newest) at = await this.applySnapshot(stream, folder, newest.number, newest.file);
        else if (segments.size > 0) at = 0;
      }
      for (;;) {
        if (at < 0) break;
        const next = segments.get(at + 1);
        if (next) {
          await this.applySegment(stream, folder, at + 1, next);
          at += 1;
          continue;
        }
        const catchUp = snapshots.filter((s) => s.number > at).at(-1);
        if (catchUp) {
          at = await this.applySnapshot(stream, folder, catchUp.number, catchUp.file);
          continue;
        }
        const later = [...segments.keys()].filter((n) => n > at + 1);
        if (later.length > 0) {
          this.report.warnings.push(`${stream}: waiting for segment ${at + 1} (${segmentName(at + 1)} is not on the server yet; ${later.length} later ones are)`);
        }
        break;
      }
      if (at >= 0) this.inbox.touch(stream);
      if (wasBlocked) await this.transport.delete(resendPath(stream, this.node.id));
    } catch (err) {
      if (err instanceof SegmentError || err instanceof IntegrityError) {
        const reason = err.message;
        this.inbox.block(stream, reason);
        this.report.errors.push(`${stream} stopped: ${reason}`);
        // Ask the producer to upload that file again from its sealed copy.
        const name = err instanceof SegmentError ? err.file.slice(err.file.lastIndexOf("/") + 1) : "";
        if (parseFileName(name)) {
          const request = { format: "sincro-resend/1", stream, reader: this.node.id, file: name, reason, at: this.now().toISOString() };
          await this.transport.write(resendPath(stream, this.node.id), Buffer.from(`${JSON.stringify(request)}\n`, "utf8"));
        }
        return;
      }
      throw err;
    }
  }

  /** Whether `bytes` is a complete, verified file of `stream` under that number (whoever wrote it). */
  private isValidFile(stream: StreamName, kind: "segment" | "snapshot", number: number, path: string, bytes: Buffer): boolean {
    try {
      if (kind === "segment") decodeSegment(bytes, path, { stream, number });
      else decodeSnapshot(bytes, path, { stream, number });
      return true;
    } catch (err) {
      if (err instanceof SegmentError) return false;
      throw err;
    }
  }

  private async fetch(path: string, file: RemoteFile): Promise<Buffer> {
    this.options.progress?.({ phase: "download", file: path, bytes: file.size });
    const bytes = await this.transport.read(path);
    if (!bytes) throw new SegmentError(path, `read ${path}: listed but gone before it could be read`, { code: "VANISHED" });
    this.report.received.bytes += bytes.length;
    // FTP stream mode cannot tell a data connection closed early from a complete file.
    if (bytes.length !== file.size) {
      throw new TransportError(`read ${path}: got ${bytes.length} of ${file.size} bytes (connection closed early); sync again`, {
        code: "SHORT_READ",
      });
    }
    return bytes;
  }

  private async applySegment(stream: StreamName, folder: string, number: number, file: RemoteFile): Promise<void> {
    const path = `${folder}/${file.name}`;
    const bytes = await this.fetch(path, file);
    const result = this.inbox.applySegment(stream, number, path, bytes, this.hook);
    this.report.received.segments++;
    this.report.received.events += result.applied;
    this.report.received.duplicates += result.duplicates;
    for (const s of result.skewed) {
      this.report.warnings.push(
        `clock skew: ${s.origin}#${s.seq} is ${(s.aheadMs / 3_600_000).toFixed(1)} h ahead of this PC's clock (check the clock of ${s.origin})`,
      );
    }
  }

  private async applySnapshot(stream: StreamName, folder: string, number: number, file: RemoteFile): Promise<number> {
    const path = `${folder}/${file.name}`;
    const bytes = await this.fetch(path, file);
    const r = this.inbox.applySnapshot(stream, number, path, bytes, this.hook);
    if (r.applied) this.report.received.snapshots++;
    return number;
  }

  private async acknowledge(inbound: StreamName[]): Promise<void> {
    for (const stream of inbound) {
      const c = this.inbox.cursor(stream);
      if (!c || c.segment < 0 || c.segment <= c.acked) continue;
      const ack: AckFile = {
        format: "sincro-ack/1",
        stream,
        reader: this.node.id,
        segment: c.segment,
        offset: c.offset,
        sha256: c.sha256,
        at: this.now().toISOString(),
      };
      if (this.node.role === "sede") {
        // What a reinstalled PC with this agent code must continue after (README, "A reinstalled agent PC").
        const agent = stream.slice(0, stream.indexOf(">"));
        const head = this.node.log.head(agent);
        ack.lastSeq = head?.seq ?? 0;
        ack.lastHash = head?.hash ?? "";
        ack.orders = Object.fromEntries(
          (
            this.node.db.prepare(`SELECT type, max(number) AS n FROM orders WHERE origin = ? GROUP BY type`).all(agent) as Array<{
              type: string;
              n: number;
            }>
          ).map((r) => [r.type, r.n]),
        );
        const top = this.node.db.prepare(`SELECT max(code) AS code FROM customers WHERE created_by = ?`).get(agent) as { code: string | null };
        if (top.code !== null) ack.lastCustomer = top.code;
      }
      this.hook("ack-write", { stream, file: ackPath(stream, this.node.id) });
      await this.transport.write(ackPath(stream, this.node.id), Buffer.from(`${JSON.stringify(ack)}\n`, "utf8"));
      this.inbox.markAcked(stream, c.segment);
    }
  }

  /** The segment a reader last acknowledged for `stream`, read from its ack file (-1 if none). */
  private async readerAck(stream: StreamName, reader: string): Promise<number> {
    const ack = await this.readAck(stream, reader);
    if (!ack) return -1;
    this.saveReaderAck.run(stream, reader, ack.segment, String(ack.at ?? ""));
    return ack.segment;
  }

  /** The ack file `reader` wrote for `stream`, if the folder listing shows one and it is valid. */
  private async readAck(stream: StreamName, reader: string): Promise<AckFile | undefined> {
    const path = ackPath(stream, reader);
    const bytes = await this.readIfListed(path);
    if (!bytes) return undefined;
    try {
      const ack = JSON.parse(bytes.toString("utf8")) as Partial<AckFile>;
      if (ack.stream === stream && typeof ack.segment === "number") return ack as AckFile;
    } catch {
      // reported below
    }
    this.report.warnings.push(`${path}: not a valid ack file; ignored (nothing is pruned for it)`);
    return undefined;
  }

  /** A small file of the parking area, read only if its folder's (cached) listing shows it. */
  private async readIfListed(path: string): Promise<Buffer | null> {
    const folder = path.slice(0, path.lastIndexOf("/"));
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (!(await this.list(folder)).some((f) => f.name === name)) return null;
    return this.transport.read(path);
  }

  private async prune(): Promise<void> {
    const { outbox } = this.node;
    const now = this.now();
    for (const stream of this.producedStreams()) {
      const live = outbox.files(stream).filter((f) => f.uploaded !== null && f.pruned === null);
      const segments = live.filter((f) => f.kind === "segment");
      if (live.length === 0) continue;
      const folder = streamFolder(stream);
      const doomed: typeof live = [];
      if (this.node.role === "agent") {
        if (segments.length === 0) continue;
        const acked = await this.readerAck(stream, SEDE);
        doomed.push(...segments.filter((f) => f.number <= acked));
      } else {
        // The sede keeps its newest snapshot and everything after it (a new PC bootstraps from them).
        const snapshots = live.filter((f) => f.kind === "snapshot");
        const newest = snapshots.at(-1);
        if (!newest) continue;
        doomed.push(...snapshots.filter((f) => f.number < newest.number));
        const covered = segments.filter((f) => f.number <= newest.number);
        if (covered.length > 0) {
          const readers = readersOf(stream, this.agents);
          let minAck = Number.POSITIVE_INFINITY;
          for (const r of readers) minAck = Math.min(minAck, await this.readerAck(stream, r));
          for (const f of covered) {
            const expired = now.getTime() - Date.parse(f.sealed) > this.retentionMs;
            if (f.number <= minAck || expired) doomed.push(f);
          }
        }
      }
      for (const f of doomed) {
        const path = `${folder}/${f.kind === "segment" ? segmentName(f.number) : snapshotName(f.number)}`;
        await this.transport.delete(path);
        this.hook("prune", { stream, file: path });
        outbox.markPruned(stream, f.kind, f.number, now);
        this.report.pruned++;
      }
    }
  }
}

