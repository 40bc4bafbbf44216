import { type Say, say, SegmentError, TransportError } from "../errors.js";
import type { SincroNode } from "../node/sincroNode.js";
import { parseAck, type AckFile } from "../wire/ackFile.js";
import { CATALOGUE, ackPath, agentToSede, sedeToAgent, type StreamName } from "../wire/streams.js";
import { Inbox, type StepHook } from "./inbox.js";
import type { RemoteFile, Transport } from "./transports/transport.js";
import { ParkingTrust, type FileTrust } from "./parkingTrust.js";
import { MAX_FILE_BYTES } from "../wire/segmentCodec.js";
import { Connections } from "./connections.js";
import { oweBellFor } from "./doorbell.js";
import { writeTimed } from "./clockCheck.js";

export interface SyncOptions {
  /** A new snapshot of a sede stream once this many events followed the last one. Default 10,000. */
  snapshotEvery?: number;
  /** Segments a snapshot covers are deleted after this many days even if a reader never acked them. Default 14. */
  retentionDays?: number;
  /** Called before each file moves, for a progress display. */
  progress?: (p: SyncProgress) => void;
  /** Called at each named step of the sync (see `SyncStep`); throw from it to simulate a crash. */
  hook?: StepHook;
  /**
   * Opens another connection to the same parking area, for downloading from several agents at
   * once. Without it the sync uses only the transport it was given.
   */
  openTransport?: () => Transport;
  /** Connections used at once when `openTransport` is given. Default: config `sync.connections`, else 4. */
  connections?: number;
  /**
   * @internal Benchmarks only (scripts/bench-sync.mjs passes `unsealedTrustForBenchmarks()` to
   * time an unsigned run beside the signed one). Never set by the command line; leave it out:
   * every sync then signs, encrypts and verifies with the node's {@link ParkingTrust}.
   */
  trust?: FileTrust;
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
  /** In English, with the engine's names (streams, files, event numbers): for --json and logs. */
  warnings: string[];
  /** Streams that stopped on a file that failed verification; the sync exits non-zero. */
  errors: string[];
  commands: number;
  /**
   * What the command line says for a warning or an error of this report, in the user's language:
   * the catalogue message of each text of `warnings` and `errors` that has one (a text without
   * one is printed as it is).
   */
  said: SaidLine[];
}

/** A line of {@link SyncReport.warnings} or `errors` and its catalogue message. */
export interface SaidLine {
  text: string;
  say: Say;
}

/** Adds a warning to `report`: its English text and its catalogue message. */
export function warn(report: SyncReport, text: string, say: Say): void {
  report.warnings.push(text);
  report.said.push({ text, say });
}

const DAY_MS = 86_400_000;
/** At most this many bytes are downloaded ahead of being applied; the rest is read when needed. */
const PREFETCH_BYTES = 64 * 1024 * 1024;

/**
 * What the steps of one sync share: the node, the transport, the options, the report being
 * written, and the listings read so far (each folder is listed once per sync; a step that
 * changes a folder does not need its own files listed again).
 */
export class SyncRun {
  readonly report: SyncReport;
  /** The sede's agents, but the retired ones (empty at an agent). */
  readonly agents: string[];
  readonly snapshotEvery: number;
  readonly retentionMs: number;
  readonly hook: StepHook;
  readonly inbox: Inbox;
  /** Signs and encrypts what this node writes, verifies and decrypts what it reads. */
  readonly trust: FileTrust;
  /** The connections this sync may work over at once (see {@link Connections}). */
  readonly connections: Connections;
  /**
   * At the sede: the agents whose folders this sync reads (see `doorbell.ts`); the others are
   * left alone, their acks taken as last read. Undefined: every folder is read.
   */
  reading: ReadonlySet<string> | undefined;
  /** A restored agent PC waiting for its own events back: this sync only asks for them (see `restore.ts`). */
  holdOwnStream = false;
  /** This sync found files of the PC's own folder to wait on (see `heldFiles.ts`). */
  heldOnFile = false;
  /** Whether this sync has measured this PC's clock against the server's (see `clockCheck.ts`). */
  clockMeasured = false;
  private readonly listings = new Map<string, RemoteFile[]>();
  private readonly acks = new Map<string, AckFile | undefined>();
  // Raw bytes downloaded ahead (in parallel), taken by the step that reads them.
  private readonly fetched = new Map<string, Buffer>();
  private fetchedBytes = 0;

  constructor(
    readonly node: SincroNode,
    readonly transport: Transport,
    readonly options: SyncOptions,
  ) {
    // A retired agent is neither read nor written for; one retiring is read one last time.
    this.agents = node.role === "sede" ? node.read.agents().map((a) => a.code).filter((a) => !node.keyring.isRetired(a)) : [];
    this.snapshotEvery = options.snapshotEvery ?? 10_000;
    this.retentionMs = (options.retentionDays ?? 14) * DAY_MS;
    this.hook = options.hook ?? (() => {});
    this.inbox = new Inbox(node);
    this.trust = options.trust ?? new ParkingTrust(node);
    this.report = {
      node: node.id,
      sent: { events: 0, segments: 0, snapshots: 0, bytes: 0 },
      received: { events: 0, duplicates: 0, segments: 0, snapshots: 0, bytes: 0 },
      conflicts: 0,
      pruned: 0,
      warnings: [],
      errors: [],
      said: [],
      commands: 0,
    };
    const wanted = options.connections ?? Number(node.config("sync.connections") ?? 4);
    const size = Number.isSafeInteger(wanted) && wanted >= 1 ? wanted : 4;
    this.connections = new Connections(transport, size, options.openTransport, (text, said) => warn(this.report, text, said));
  }

  /** Whether this sync reads the folder of `agent` (always, but at a sede that the doorbell spares). */
  reads(agent: string): boolean {
    return this.reading === undefined || this.reading.has(agent);
  }

  /** Records a listing of `folder` made elsewhere (on another connection), as {@link list} would. */
  setListing(folder: string, files: RemoteFile[]): void {
    this.listings.set(folder, files);
  }

  /**
   * Keeps the raw bytes of `path`, downloaded ahead on another connection, for the step that
   * reads it; false (nothing kept) once the bytes kept ahead would pass the limit.
   */
  keepFetched(path: string, bytes: Buffer): boolean {
    if (this.fetchedBytes + bytes.length > PREFETCH_BYTES) return false;
    this.fetched.set(path, bytes);
    this.fetchedBytes += bytes.length;
    return true;
  }

  /** Room left for bytes downloaded ahead. */
  fetchRoom(): number {
    return PREFETCH_BYTES - this.fetchedBytes;
  }

  // The raw bytes of `path`: downloaded ahead, else now.
  private async download(path: string): Promise<Buffer | null> {
    const kept = this.fetched.get(path);
    if (kept === undefined) return this.transport.read(path);
    this.fetched.delete(path);
    this.fetchedBytes -= kept.length;
    return kept;
  }

  now(): Date {
    return new Date(this.node.nowMs());
  }

  /** The streams this node produces. */
  producedStreams(): StreamName[] {
    return this.node.role === "sede" ? [CATALOGUE, ...this.agents.map(sedeToAgent)] : [agentToSede(this.node.id)];
  }

  /** The files of `folder`, listed once per sync. */
  async list(folder: string): Promise<RemoteFile[]> {
    let files = this.listings.get(folder);
    if (!files) {
      files = await this.transport.list(folder);
      this.listings.set(folder, files);
    }
    return files;
  }

  /** The listing of `folder` if it was read in this sync. */
  listed(folder: string): RemoteFile[] | undefined {
    return this.listings.get(folder);
  }

  /**
   * Downloads a listed file whole and opens it (signature of its folder's writer, then
   * decryption): a short read is a transport error (sync again); a vanished, forged or damaged
   * file a segment error naming it.
   */
  async fetch(path: string, file: RemoteFile): Promise<Buffer> {
    return (await this.fetchSealed(path, file)).plain;
  }

  /** Like {@link fetch}, also giving the bytes as they were on the server (sealed). */
  async fetchSealed(path: string, file: RemoteFile, open: (path: string, bytes: Buffer) => Buffer = (p, b) => this.trust.open(p, b)): Promise<{ plain: Buffer; sealed: Buffer }> {
    if (file.size > MAX_FILE_BYTES) {
      throw new SegmentError(path, `read ${path}: ${file.size} bytes on the server, more than the ${MAX_FILE_BYTES / 1048576} MB a parked file may have (refused without downloading it)`, {
        code: "TOO_LARGE",
      });
    }
    this.options.progress?.({ phase: "download", file: path, bytes: file.size });
    const bytes = await this.download(path);
    if (!bytes) throw new SegmentError(path, `read ${path}: listed but gone before it could be read`, { code: "VANISHED" });
    this.report.received.bytes += bytes.length;
    // FTP stream mode cannot tell a data connection closed early from a complete file.
    if (bytes.length !== file.size) {
      throw new TransportError(`read ${path}: got ${bytes.length} of ${file.size} bytes (connection closed early); sync again`, {
        say: say("error.syncAgain", { file: path }),
        code: "SHORT_READ",
      });
    }
    return { plain: open(path, bytes), sealed: bytes };
  }

  /** Like {@link fetch}, in a retired agent's folder: signed by any key that agent ever had (see `FileTrust.openFormer`). */
  async fetchFormer(path: string, file: RemoteFile): Promise<Buffer> {
    const openFormer = this.trust.openFormer;
    if (!openFormer) return this.fetch(path, file);
    return (await this.fetchSealed(path, file, (p, b) => openFormer.call(this.trust, p, b))).plain;
  }

  /**
   * Creates `path` with `plain` (sealed as by {@link put}) only if the name is free, on a
   * transport that can ask the store to check (see `Transport.writeNew`).
   */
  async putNew(path: string, plain: Buffer): Promise<{ result: "created" | "exists"; bytes: number }> {
    const sealed = this.trust.seal(path, plain);
    oweBellFor(this.node, path);
    const writeNew = this.transport.writeNew;
    if (!writeNew) throw new Error("putNew: this transport cannot create a file only if absent");
    // Not timed: an "exists" would stamp someone else's older file.
    const result = await writeNew.call(this.transport, path, sealed);
    return { result, bytes: result === "created" ? sealed.length : 0 };
  }

  /** Writes `plain` at `path`, signed by this node and encrypted for the folder's readers (over `transport`, default the sync's own). */
  async put(path: string, plain: Buffer, transport: Transport = this.transport): Promise<number> {
    const sealed = this.trust.seal(path, plain);
    oweBellFor(this.node, path);
    this.acks.delete(path);
    await writeTimed(this, transport, path, () => transport.write(path, sealed));
    return sealed.length;
  }

  /** A small file of the parking area, read only if its folder's (cached) listing shows it. */
  async readIfListed(path: string): Promise<Buffer | null> {
    const bytes = await this.downloadIfListed(path);
    return bytes && this.trust.open(path, bytes);
  }

  private async downloadIfListed(path: string): Promise<Buffer | null> {
    const folder = path.slice(0, path.lastIndexOf("/"));
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (!(await this.list(folder)).some((f) => f.name === name)) return null;
    return this.download(path);
  }

  /** Like {@link readIfListed}, but a file that fails verification is reported as a warning and read as absent. */
  async readSmallFile(path: string, what: string): Promise<Buffer | null> {
    const bytes = await this.downloadIfListed(path);
    if (!bytes) return null;
    try {
      return this.trust.open(path, bytes);
    } catch (err) {
      if (!(err instanceof SegmentError)) throw err;
      // Left by the PC its writer's current one replaced (signed with a key that writer had
      // before): nothing to act on, and nothing forged to report. Read as absent.
      if (err.code === "WRONG_KEY" && this.signedByFormerKey(path, bytes)) return null;
      warn(this.report, `${err.message}; ${what} ignored`, say("warn.fileIgnored", { file: path, why: err.message }));
      return null;
    }
  }

  private signedByFormerKey(path: string, bytes: Buffer): boolean {
    if (!this.trust.openFormer) return false;
    try {
      this.trust.openFormer(path, bytes);
      return true;
    } catch {
      return false;
    }
  }

  /** The ack file `reader` wrote for `stream`, if the folder listing shows one and it is valid. */
  async readAck(stream: StreamName, reader: string): Promise<AckFile | undefined> {
    const path = ackPath(stream, reader);
    // Read once per sync (a restored PC's check and pruning both want the office's ack); a write of it drops the copy.
    if (this.acks.has(path)) return this.acks.get(path);
    const ack = await this.readAckOnce(stream, path);
    this.acks.set(path, ack);
    return ack;
  }

  private async readAckOnce(stream: StreamName, path: string): Promise<AckFile | undefined> {
    const bytes = await this.readSmallFile(path, "ack");
    if (!bytes) return undefined;
    const ack = parseAck(bytes, stream);
    if (!ack) warn(this.report, `${path}: not a valid ack file; ignored (nothing is pruned for it)`, say("warn.badAck", { file: path }));
    return ack;
  }
}
