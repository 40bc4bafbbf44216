import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { createRequire } from "node:module";
import type { Client as SshClient, ConnectConfig, SFTPWrapper, Stats } from "ssh2";
import { RefusedError, say, TransportError } from "../../errors.js";
import { HOST_KEY_FINGERPRINT } from "../../node/config.js";
import { compareNames, splitRemotePath, tempNameFor } from "./remotePath.js";
import type { RemoteFile, ServerStamp, Transport, TransportStats } from "./transport.js";
import { requiredConfig, type ConfigSource, type TransportKind } from "./transportKind.js";

// ssh2 is loaded when an SFTP parking area is first used, not at every command's start-up.
const require = createRequire(import.meta.url);
let loaded: typeof import("ssh2") | undefined;
const ssh2 = (): typeof import("ssh2") => (loaded ??= require("ssh2") as typeof import("ssh2"));

// SFTP status codes (draft-ietf-secsh-filexfer-02, the version OpenSSH speaks).
const EOF = 1;
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;
const OP_UNSUPPORTED = 8;

// Bytes per READ or WRITE request, and how many are in flight at once. 30 KiB fits the 34000-byte
// packets every server must accept; OpenSSH announces larger ones (limits@openssh.com), used then.
const SMALL_CHUNK = 30 * 1024;
const LARGE_CHUNK = 224 * 1024;
const IN_FLIGHT = 8;
// READDIR requests sent at once when listing a folder.
const READDIR_IN_FLIGHT = 2;

/** Where and how to reach the SFTP server of a parking area. */
export interface SftpTransportOptions {
  host: string;
  /** Default 22. */
  port?: number;
  user: string;
  /** Password login; tried after the key when both are given. */
  password?: string;
  /** Private key (OpenSSH or PEM text, without a passphrase) for public-key login. */
  privateKey?: string | Buffer;
  /**
   * Root of the parking area on the server: absolute (`/srv/sincro`), or relative to the login
   * folder (`sincro` or `~/sincro`; default `""`, the login folder itself).
   */
  dir?: string;
  /**
   * The server's host key fingerprint (`SHA256:…`). A server presenting another key is refused;
   * without a fingerprint every server is refused, the message naming the fingerprint to pin.
   */
  hostKey?: string;
  /** Limit for the connection and login, and for silence on an open connection. Default 30 s. */
  timeoutMs?: number;
}

// Why the last connection attempt refused the server's host key.
interface HostKeyRefusal {
  presented: string;
  keyType: string;
}

/**
 * A parking area on an SFTP server, over ssh2 (DESIGN §4.1, contract in `transport.ts`).
 *
 * One SSH connection and one SFTP channel are opened on the first call and reused by every later
 * call; calls are queued, never interleaved. After a dropped connection the failing call throws
 * and the next call connects again. The server's host key must match the pinned fingerprint.
 *
 * `write` uploads `<name>.<random>.tmp`, flushes it on the server when it offers
 * `fsync@openssh.com`, closes it and moves it onto the final name with
 * `posix-rename@openssh.com`, which replaces an existing file in one step (a plain SFTP rename
 * refuses an existing target). A server without that extension cannot hold a parking area.
 *
 * `stats().commands` counts SFTP requests: `list` and `listDirs` 4 (OPENDIR, READDIR, READDIR that
 * answers "end", CLOSE; one READDIR more per ~100 entries), `read` 4 (OPEN, FSTAT, READ, CLOSE; one READ
 * more per chunk), `write` 5 (OPEN, WRITE, fsync, CLOSE, posix-rename; one WRITE more per chunk),
 * `delete` 1, `ensureDir` 1 when the folder exists. Requests about one handle are sent together
 * where the protocol allows (a server handles one handle's requests in order), so the round
 * trips are fewer: `list` 2 (OPENDIR; two READDIRs at once; CLOSE not waited for), `read` 2
 * (OPEN; FSTAT with the first READ; CLOSE not waited for), `write` 3 for up to 8 pieces (OPEN;
 * WRITEs, fsync and CLOSE at once; posix-rename).
 */
export class SftpTransport implements Transport {
  readonly describe: string;
  private readonly options: SftpTransportOptions & { port: number; dir: string; timeoutMs: number };
  private readonly counters: TransportStats = { commands: 0, bytesSent: 0, bytesReceived: 0 };
  private session: Session | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: SftpTransportOptions) {
    this.options = { ...options, port: options.port ?? 22, dir: remoteFolder(options.dir ?? ""), timeoutMs: options.timeoutMs ?? 30_000 };
    const dir = this.options.dir;
    this.describe = `sftp://${encodeURIComponent(options.user)}@${options.host}:${this.options.port}${dir.startsWith("/") ? dir : dir === "" ? "/~" : `/~/${dir}`}`;
  }

  async list(dir: string): Promise<RemoteFile[]> {
    const names = splitRemotePath("list", dir);
    return this.perform("list", dir, async (sftp) => {
      const entries = await this.entries(sftp, this.remote(names));
      return entries
        .filter((entry) => entry.attrs.isFile())
        .map((entry) => ({ name: entry.filename, size: entry.attrs.size }))
        .sort((a, b) => compareNames(a.name, b.name));
    });
  }

  async listDirs(dir: string): Promise<string[]> {
    const names = splitRemotePath("list folders in", dir);
    return this.perform("list folders in", dir, async (sftp) => {
      const entries = await this.entries(sftp, this.remote(names));
      return entries
        .filter((entry) => entry.attrs.isDirectory())
        .map((entry) => entry.filename)
        .sort(compareNames);
    });
  }

  async read(path: string): Promise<Buffer | null> {
    const names = splitRemotePath("download", path);
    return this.perform("download", path, async (sftp, chunk) => {
      let handle: Buffer;
      try {
        handle = await this.request<Buffer>((done) => sftp.open(this.remote(names), "r", done));
      } catch (err) {
        if (statusOf(err) === NO_SUCH_FILE) return null;
        throw withHint(err, statusOf(err) === PERMISSION_DENIED ? "the file exists but the SFTP user may not read it" : undefined);
      }
      try {
        // The size and the first piece in one round trip: most parked files fit in one READ.
        const first = Buffer.alloc(chunk);
        const [stat, head] = await Promise.allSettled([
          this.request<Stats>((done) => sftp.fstat(handle, done)),
          this.request<number>((done) => sftp.read(handle, first, 0, chunk, 0, done)),
        ]);
        if (stat.status === "rejected") throw stat.reason;
        if (head.status === "rejected") throw head.reason;
        const { size } = stat.value;
        const bytes = Buffer.alloc(size);
        const got = Math.min(head.value, size);
        first.copy(bytes, 0, 0, got);
        await inParallel(chunks(size - got, chunk), async ([from, length]) => {
          const start = got + from;
          // A server may answer a READ with fewer bytes than asked: ask again for the rest.
          for (let done = 0; done < length; ) {
            const got = await this.request<number>((back) => sftp.read(handle, bytes, start + done, length - done, start + done, back));
            if (got === 0) throw new Error(`the file ended after ${start + done} of the ${size} bytes its size promised`);
            done += got;
          }
        });
        this.counters.bytesReceived += bytes.length;
        return bytes;
      } finally {
        await this.closeHandle(sftp, handle);
      }
    });
  }

  async write(path: string, bytes: Buffer): Promise<void> {
    const names = splitRemotePath("upload", path);
    const name = names.pop();
    if (name === undefined) throw new TransportError(`upload "": a file needs a name`, { code: "TRANSPORT_PATH" });
    return this.perform("upload", path, async (sftp, chunk) => {
      const finalPath = this.remote([...names, name]);
      const tempPath = this.remote([...names, tempNameFor(name)]);
      let handle: Buffer;
      try {
        handle = await this.request<Buffer>((done) => sftp.open(tempPath, "wx", done));
      } catch (err) {
        // Most often the folder does not exist yet: create it and try once more.
        if (statusOf(err) !== NO_SUCH_FILE || names.length === 0) throw withHint(err, writeHint(err));
        await this.makeFolder(sftp, names);
        try {
          handle = await this.request<Buffer>((done) => sftp.open(tempPath, "wx", done));
        } catch (again) {
          throw withHint(again, writeHint(again));
        }
      }
      let uploaded = false;
      try {
        if (bytes.length <= chunk * IN_FLIGHT) {
          // Every WRITE goes out at once, the fsync and CLOSE right behind them on the same
          // handle (a server handles one handle's requests in order): one round trip. The rename
          // waits for all three to succeed, so a failed WRITE never reaches the final name.
          const results = await Promise.allSettled([this.upload(sftp, handle, bytes, chunk), this.flush(sftp, handle), this.closeHandle(sftp, handle, true)]);
          const failed = results.find((r) => r.status === "rejected");
          if (failed) throw failed.reason;
        } else {
          try {
            await this.upload(sftp, handle, bytes, chunk);
            await this.flush(sftp, handle);
          } finally {
            await this.closeHandle(sftp, handle, true);
          }
        }
        await this.replace(sftp, tempPath, finalPath);
        uploaded = true;
      } finally {
        // A failed upload leaves its temporary file; remove it while the session still works.
        if (!uploaded && this.session?.sftp === sftp) {
          await this.request((done) => sftp.unlink(tempPath, done)).catch(() => undefined);
        }
      }
      this.counters.bytesSent += bytes.length;
    });
  }

  async delete(path: string): Promise<void> {
    const names = splitRemotePath("delete", path);
    return this.perform("delete", path, async (sftp) => {
      try {
        await this.request((done) => sftp.unlink(this.remote(names), done));
      } catch (err) {
        if (statusOf(err) === NO_SUCH_FILE) return;
        throw withHint(err, statusOf(err) === PERMISSION_DENIED ? "the SFTP user needs permission to delete files in this folder" : undefined);
      }
    });
  }

  /** The file's mtime from a STAT: whole seconds (SFTP v3 attributes). */
  async stamp(path: string): Promise<ServerStamp | null> {
    const names = splitRemotePath("stamp", path);
    return this.perform("stamp", path, async (sftp) => {
      try {
        const stats = await this.request<Stats>((done) => sftp.stat(this.remote(names), done));
        return { ms: stats.mtime * 1000, precisionMs: 1_000 };
      } catch (err) {
        if (statusOf(err) === NO_SUCH_FILE) return null;
        throw err;
      }
    });
  }

  async ensureDir(dir: string): Promise<void> {
    const names = splitRemotePath("create folder", dir);
    return this.perform("create folder", dir, (sftp) => this.makeFolder(sftp, names));
  }

  async close(): Promise<void> {
    await this.exclusively(async () => this.drop());
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  /**
   * Sends the whole content into the open temporary file. A separate step so that tests can make
   * an upload die halfway, as a crash or a cut line would.
   */
  protected async upload(sftp: SFTPWrapper, handle: Buffer, bytes: Buffer, chunk: number): Promise<void> {
    await inParallel(chunks(bytes.length, chunk), ([start, length]) =>
      this.request((done) => sftp.write(handle, bytes, start, length, start, done)),
    );
  }

  // The server writes the file to its disk before the rename makes it visible, where it can.
  private async flush(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
    try {
      await this.request((done) => sftp.ext_openssh_fsync(handle, done));
    } catch (err) {
      if (!(err instanceof Unsupported) && statusOf(err) !== OP_UNSUPPORTED) throw err;
    }
  }

  private async replace(sftp: SFTPWrapper, tempPath: string, finalPath: string): Promise<void> {
    try {
      await this.request((done) => sftp.ext_openssh_rename(tempPath, finalPath, done));
    } catch (err) {
      if (err instanceof Unsupported || statusOf(err) === OP_UNSUPPORTED) {
        throw Object.assign(
          new Hinted(
            (err as Error).message,
            "the server does not offer the posix-rename@openssh.com extension, which sincro needs to replace a file in one step; " +
              "OpenSSH offers it unless its internal-sftp or sftp-server is told not to (-P posix-rename)",
          ),
          statusOf(err) === undefined ? {} : { code: statusOf(err) },
        );
      }
      if (statusOf(err) === PERMISSION_DENIED) {
        throw withHint(
          err,
          "the server refused posix-rename@openssh.com, the rename of the uploaded file onto its final name: the SFTP user needs permission to rename and replace files here, and the server must allow that request (no `-P posix-rename` on internal-sftp)",
        );
      }
      throw err;
    }
  }

  // The entries of a folder, without `.` and `..`; a missing folder has none.
  private async entries(sftp: SFTPWrapper, remote: string): Promise<Array<{ filename: string; attrs: Stats }>> {
    let handle: Buffer;
    try {
      handle = await this.request<Buffer>((done) => sftp.opendir(remote, done));
    } catch (err) {
      if (statusOf(err) === NO_SUCH_FILE) return [];
      throw withHint(err, statusOf(err) === PERMISSION_DENIED ? "the SFTP user needs permission to list this folder" : undefined);
    }
    const all: Array<{ filename: string; attrs: Stats }> = [];
    try {
      // READDIRs two at a time: a folder that fits in one reply (OpenSSH sends up to 100 names)
      // is read, its end included, in one round trip. The replies come in the order asked.
      for (let end = false; !end; ) {
        const replies = await Promise.allSettled(
          Array.from({ length: READDIR_IN_FLIGHT }, () => this.request<Array<{ filename: string; attrs: Stats }>>((done) => sftp.readdir(handle, done))),
        );
        for (const reply of replies) {
          if (reply.status === "rejected") {
            if (statusOf(reply.reason) !== EOF) throw reply.reason;
            end = true;
          } else if (!end) {
            for (const entry of reply.value) if (entry.filename !== "." && entry.filename !== "..") all.push(entry);
          }
        }
      }
    } finally {
      await this.closeHandle(sftp, handle);
    }
    return all;
  }

  // Creates the folder `names` names and any missing parent, up to the parking area's root and
  // beyond; an existing folder is fine.
  private async makeFolder(sftp: SFTPWrapper, names: readonly string[]): Promise<void> {
    await this.makeRemoteFolder(sftp, this.remote(names));
  }

  private async makeRemoteFolder(sftp: SFTPWrapper, remote: string): Promise<void> {
    const kind = await this.kindOf(sftp, remote);
    if (kind === "folder") return;
    if (kind === "file") throw new Hinted(`${remote} is a file`, "a file is in the way where a folder is expected");
    const parent = posix.dirname(remote);
    if (parent === remote) throw new Hinted(`${remote} does not exist`, "the login folder does not exist on the server");
    await this.makeRemoteFolder(sftp, parent);
    try {
      await this.request((done) => sftp.mkdir(remote, done));
    } catch (err) {
      // Created meanwhile by another writer is fine; anything else is a refusal.
      if ((await this.kindOf(sftp, remote)) === "folder") return;
      throw withHint(err, "the SFTP user needs permission to create folders here");
    }
  }

  private async kindOf(sftp: SFTPWrapper, remote: string): Promise<"folder" | "file" | "missing"> {
    try {
      const stats = await this.request<Stats>((done) => sftp.stat(remote, done));
      return stats.isDirectory() ? "folder" : "file";
    } catch (err) {
      if (statusOf(err) === NO_SUCH_FILE) return "missing";
      throw err;
    }
  }

  // A handle read from is closed without waiting for the answer (the next request follows it on
  // the channel, and its failure changes nothing); one written to must close successfully.
  private async closeHandle(sftp: SFTPWrapper, handle: Buffer, mustSucceed = false): Promise<void> {
    const closing = this.request((done) => sftp.close(handle, done));
    if (mustSucceed) await closing;
    else closing.catch(() => undefined);
  }

  // One SFTP request: counted, and failed at once when the session is gone. When the server has
  // answered none of the requests in flight for the time limit, they all fail and the session is
  // dropped (ssh2 keeps a request sent on a closing channel without ever answering it). Silence is
  // what counts, not a request's age: on a slow line the last of a window of WRITEs waits long.
  private request<T = void>(send: (done: (err?: Error | null, value?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const session = this.session;
      if (session === undefined) return reject(new Error("Not connected: the connection was closed"));
      this.counters.commands++;
      if (session.waiting.size === 0) session.heard = Date.now();
      const fail = (err: unknown) => {
        session.waiting.delete(fail);
        reject(err);
      };
      session.waiting.add(fail);
      this.watch(session);
      try {
        send((err, value) => {
          session.heard = Date.now();
          session.waiting.delete(fail);
          if (err) reject(err);
          else resolve(value as T);
        });
      } catch (err) {
        // ssh2 throws at once for an extension the server did not announce.
        fail(err instanceof Error && /does not support this extended request/.test(err.message) ? new Unsupported(err.message) : err);
      }
    });
  }

  // Checks now and then, while requests are in flight, that the server still answers.
  private watch(session: Session): void {
    if (session.watchdog !== undefined) return;
    const limit = this.options.timeoutMs;
    session.watchdog = setInterval(() => {
      if (session.waiting.size === 0) {
        clearInterval(session.watchdog);
        session.watchdog = undefined;
      } else if (Date.now() - session.heard >= limit) {
        clearInterval(session.watchdog);
        session.watchdog = undefined;
        const error = new Error(`no answer to an SFTP request within ${Math.round(limit / 1000)} s`);
        for (const fail of [...session.waiting]) fail(error);
        if (this.session === session) this.drop(true);
      }
    }, Math.max(100, Math.floor(limit / 10)));
    session.watchdog.unref();
  }

  private remote(names: readonly string[]): string {
    const root = this.options.dir;
    if (names.length === 0) return root === "" ? "." : root;
    if (root === "") return names.join("/");
    return root === "/" ? `/${names.join("/")}` : `${root}/${names.join("/")}`;
  }

  private at(path: string): string {
    return `${path === "" ? "(root)" : path} on ${this.describe}`;
  }

  // Runs one call on the shared session, after the calls already queued.
  private perform<T>(operation: string, path: string, body: (sftp: SFTPWrapper, chunk: number) => Promise<T>): Promise<T> {
    return this.exclusively(async () => {
      const { sftp, chunk } = await this.connection();
      try {
        return await body(sftp, chunk);
      } catch (err) {
        if (err instanceof TransportError) throw err;
        // A status reply leaves the session usable; anything else (connection lost, channel
        // closed) leaves it in an unknown state: start afresh on the next call.
        if (statusOf(err) === undefined && !(err instanceof Hinted) && !(err instanceof Unsupported)) this.drop(true);
        throw this.failure(operation, this.at(path), err);
      }
    });
  }

  private exclusively<T>(body: () => Promise<T>): Promise<T> {
    const result = this.queue.then(body);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  // Ends the session politely, or at once when it is `broken`.
  private drop(broken = false): void {
    const session = this.session;
    this.session = undefined;
    if (session?.watchdog !== undefined) clearInterval(session.watchdog);
    if (broken) session?.client.destroy();
    else session?.client.end();
  }

  private async connection(): Promise<{ sftp: SFTPWrapper; chunk: number }> {
    if (this.session !== undefined) return this.session;
    const { host, port, user, password, privateKey, timeoutMs } = this.options;
    const pinned = this.options.hostKey?.replace(/=$/, "");
    let refused: HostKeyRefusal | undefined;
    const config: ConnectConfig = {
      host,
      port,
      username: user,
      readyTimeout: timeoutMs,
      keepaliveInterval: Math.max(1000, Math.floor(timeoutMs / 3)),
      keepaliveCountMax: 3,
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        const presented = fingerprintOf(key);
        if (presented === pinned) return true;
        refused = { presented, keyType: keyTypeOf(key) };
        return false;
      },
    };
    if (password !== undefined) config.password = password;
    if (privateKey !== undefined) config.privateKey = privateKey;
    // The key first: a password is only sent when the key is refused.
    config.authHandler = [...(privateKey !== undefined ? ["publickey" as const] : []), ...(password !== undefined ? ["password" as const] : [])];

    const client = new (ssh2().Client)();
    // Errors after the handshake reach the calls in progress (their requests fail); this listener
    // keeps a second error event from crashing the process.
    client.on("error", () => undefined);
    try {
      await new Promise<void>((resolve, reject) => {
        client.once("ready", resolve);
        client.once("error", reject);
        client.connect(config);
        // Each SFTP request is a small packet waiting for its answer: with Nagle's algorithm on
        // (Node's default), a request sent in two TCP segments waits ~40 ms for the server's
        // delayed ACK, which made every request cost that much even on loopback.
        client.setNoDelay(true);
      });
    } catch (err) {
      client.end();
      if (refused !== undefined) throw this.hostKeyFailure(refused, pinned);
      const authentication = (err as { level?: string }).level === "client-authentication";
      if (authentication) {
        const hint =
          privateKey === undefined
            ? "the server refused the password: check the SFTP user name and password"
            : password === undefined
              ? "the server refused the key: check the SFTP user name, and that the key's public half is in the user's authorized_keys on the server"
              : "the server refused both the key and the password: check the SFTP user name, the password, and the user's authorized_keys on the server";
        throw this.failure("log in to", `${this.describe} as ${JSON.stringify(user)}`, err, hint, "TRANSPORT_LOGIN");
      }
      throw this.failure("connect to", this.describe, err, undefined, "TRANSPORT_CONNECT");
    }
    let sftp: SFTPWrapper;
    try {
      sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, channel) => (err ? reject(err) : resolve(channel))));
    } catch (err) {
      client.end();
      throw this.failure("open the SFTP subsystem on", this.describe, err, "the server does not offer SFTP to this user", "TRANSPORT_CONNECT");
    }
    // OpenSSH announces how large a READ or WRITE it accepts (limits@openssh.com).
    const limits = sftp as unknown as { _maxReadLen?: unknown; _maxWriteLen?: unknown };
    const announced = Math.min(Number(limits._maxReadLen), Number(limits._maxWriteLen));
    const chunk = Number.isFinite(announced) && announced >= SMALL_CHUNK ? Math.min(announced, LARGE_CHUNK) : SMALL_CHUNK;
    const session: Session = { client, sftp, chunk, waiting: new Set(), heard: Date.now(), watchdog: undefined };
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    client.once("close", forget);
    sftp.once("close", forget);
    this.session = session;
    return session;
  }

  private hostKeyFailure(refused: HostKeyRefusal, pinned: string | undefined): TransportError {
    const pin = `"sincro config set sftp.host-key ${refused.presented}" (or ?host-key=${refused.presented} in an sftp:// URL)`;
    const message =
      pinned === undefined
        ? `connect to ${this.describe}: the server's host key is not pinned, so sincro cannot tell the server from an impostor; ` +
          `it presents the ${refused.keyType} key ${refused.presented}. Compare it with the server's own ` +
          `(on the server: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and pin it with ${pin}`
        : `connect to ${this.describe}: the server's host key changed: it presents the ${refused.keyType} key ${refused.presented}, ` +
          `but sftp.host-key pins ${pinned}; refusing to connect. If the server was reinstalled or its key replaced on purpose, ` +
          `check the new fingerprint with its administrator and pin it with ${pin}; otherwise someone may be impersonating the server`;
    return new TransportError(message, { code: "TRANSPORT_HOST_KEY" });
  }

  private failure(operation: string, what: string, err: unknown, hint?: string, code?: string): TransportError {
    let detail: string;
    const status = statusOf(err);
    if (status !== undefined) {
      detail = `the server replied "${(err as Error).message}" (SFTP status ${status})`;
    } else {
      detail = err instanceof Error ? err.message : String(err);
      hint ??= networkHint(detail, this.options.timeoutMs);
    }
    if (err instanceof Hinted) hint ??= err.hint;
    const message = `${operation} ${what}: ${detail}${hint === undefined ? "" : ` (${hint})`}`;
    const options: { cause: unknown; reply?: number; code?: string } = { cause: err };
    if (status !== undefined) options.reply = status;
    if (code !== undefined) options.code = code;
    return new TransportError(message, options);
  }
}

// One SSH connection and its SFTP channel, with the requests waiting for an answer.
interface Session {
  client: SshClient;
  sftp: SFTPWrapper;
  chunk: number; // bytes per READ or WRITE
  waiting: Set<(err: unknown) => void>; // how to fail each request in flight
  heard: number; // when the server last answered, or the first request in flight was sent
  watchdog: NodeJS.Timeout | undefined;
}

// An error whose cause is known in plain words.
class Hinted extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
  ) {
    super(message);
  }
}

// The server did not announce an extension sincro asked for.
class Unsupported extends Error {}

// A server's reply with what it means in plain words; other errors (a lost connection) unchanged.
function withHint(err: unknown, hint: string | undefined): unknown {
  const status = statusOf(err);
  if (hint === undefined || status === undefined) return err;
  return Object.assign(new Hinted((err as Error).message, hint), { code: status });
}

function writeHint(err: unknown): string | undefined {
  const status = statusOf(err);
  if (status === PERMISSION_DENIED) return "the SFTP user needs permission to create files in this folder";
  return undefined;
}

// The SFTP status code of a server reply; `undefined` for anything else (connection lost …).
function statusOf(err: unknown): number | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "number") return err.code;
  return undefined;
}

// The fingerprint `ssh-keygen -lf` prints for a public key blob: `SHA256:` and unpadded base64.
function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

// A public key blob starts with its type as an SSH string, e.g. `ssh-ed25519`.
function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return "unknown";
  const length = key.readUInt32BE(0);
  return length > 0 && length < 64 && key.length >= 4 + length ? key.subarray(4, 4 + length).toString("latin1") : "unknown";
}

// [start, length] of each piece of `size` bytes; none for an empty file.
function chunks(size: number, chunk: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let start = 0; start < size; start += chunk) out.push([start, Math.min(chunk, size - start)]);
  return out;
}

// Runs `work` over the items with at most IN_FLIGHT at a time; the first failure rejects.
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const lanes = Array.from({ length: Math.min(IN_FLIGHT, items.length) }, lane);
  const results = await Promise.allSettled(lanes);
  const rejected = results.find((result) => result.status === "rejected");
  if (rejected !== undefined) throw rejected.reason;
}

// `/a/b/` → `/a/b`; `a//b/` → `a/b`; `~/a` → `a` (SFTP paths are relative to the login folder
// already; servers do not expand `~`); `/` and `""` stay.
function remoteFolder(path: string): string {
  const relative = path === "~" ? "" : path.startsWith("~/") ? path.slice(2) : path;
  if (relative === "" || relative === ".") return "";
  const normal = posix.normalize(relative);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

function networkHint(detail: string, timeoutMs: number): string | undefined {
  if (detail.includes("ECONNREFUSED")) return "nothing answers at that address and port: is the SSH server running?";
  if (detail.includes("ENOTFOUND") || detail.includes("EAI_AGAIN")) return "the host name cannot be resolved";
  if (detail.includes("ECONNRESET") || detail.includes("No response from server") || detail.includes("Not connected")) {
    return "the connection was cut; the next call connects again";
  }
  if (detail.includes("no answer to an SFTP request")) return "the server stopped answering; the next call connects again";
  if (/timed? ?out|ETIMEDOUT/i.test(detail)) return `no answer within ${Math.round(timeoutMs / 1000)} s: a firewall may block the connection`;
  return undefined;
}

/**
 * The `sftp` transport: the `sftp.*` keys of a node's configuration, or
 * `sftp://user@host:port/dir?host-key=SHA256:…` on a command line.
 */
export const sftpTransportKind: TransportKind<"sftp"> = {
  name: "sftp",
  configKeys: ["sftp.host", "sftp.port", "sftp.user", "sftp.dir", "sftp.key", "sftp.password", "sftp.host-key"],
  fromConfig: (node, env) => new SftpTransport(sftpOptionsFromConfig(node, env)),
  location: {
    value: "url",
    describe:
      "the parking area at sftp://user@host:port/dir?host-key=SHA256:… (/~/dir: relative to the login folder; " +
      "key file: $SINCRO_SFTP_KEY, password: $SINCRO_SFTP_PASSWORD)",
    open: (text, env, option) => new SftpTransport(parseSftpUrl(text, env, option)),
  },
};

/**
 * The options the `sftp.*` keys of a node's configuration give. `SINCRO_SFTP_PASSWORD` overrides
 * the stored password. Refused, naming the key: no host or user, neither a key file nor a
 * password, a key file that cannot be read or used.
 */
export function sftpOptionsFromConfig(node: ConfigSource, env: NodeJS.ProcessEnv): SftpTransportOptions {
  const host = requiredConfig(node, "sftp.host");
  const user = requiredConfig(node, "sftp.user");
  const password = env.SINCRO_SFTP_PASSWORD ?? node.config("sftp.password");
  const keyFile = node.config("sftp.key");
  if (password === undefined && (keyFile === undefined || keyFile === "")) {
    throw new RefusedError(
      "sftp.key",
      `sync: no way to log in to the SFTP server; set a private key file with "sincro config set sftp.key FILE", or a password with SINCRO_SFTP_PASSWORD or "sincro config set sftp.password ..."`,
      { code: "MISSING_CONFIG", say: say("transport.sftp.noLogin") },
    );
  }
  const options: SftpTransportOptions = {
    host,
    port: Number(node.config("sftp.port") ?? 22),
    user,
    dir: node.config("sftp.dir") ?? "",
  };
  if (password !== undefined) options.password = password;
  if (keyFile !== undefined && keyFile !== "") options.privateKey = readPrivateKey(keyFile, "sftp.key", { what: "sync: sftp.key" });
  const hostKey = node.config("sftp.host-key");
  if (hostKey !== undefined && hostKey !== "") options.hostKey = hostKey;
  return options;
}

/**
 * The options `sftp://user@host:port/dir?host-key=SHA256:…` gives; `/~/dir` is relative to the
 * login folder. The password comes from `SINCRO_SFTP_PASSWORD` (else from the URL), the private key
 * from the file `SINCRO_SFTP_KEY` names (or `?key=FILE`). A text that is not such a URL is refused
 * (field `sftp`), the message starting with `option` and never showing the password.
 */
export function parseSftpUrl(text: string, env: NodeJS.ProcessEnv, option: string): SftpTransportOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RefusedError("sftp", `${option} ${withoutPassword(text)}: not a URL; expected sftp://user@host:port/dir`, {
      code: "BAD_URL",
      say: say("transport.sftp.notUrl", { option, url: withoutPassword(text) }),
    });
  }
  if (url.protocol !== "sftp:") throw new RefusedError("sftp", `${option}: "${url.protocol}" is not sftp:`, { code: "BAD_URL", say: say("transport.sftp.scheme", { option, scheme: url.protocol }) });
  if (url.username === "") throw new RefusedError("sftp", `${option}: the URL names no user; expected sftp://user@host:port/dir`, {
      code: "BAD_URL",
      say: say("transport.sftp.noUser", { option }),
    });
  const path = decodeURIComponent(url.pathname);
  const dir = path === "" || path === "/~" || path === "/~/" ? "" : path.startsWith("/~/") ? path.slice(3) : path;
  const options: SftpTransportOptions = { host: url.hostname, port: url.port === "" ? 22 : Number(url.port), user: decodeURIComponent(url.username), dir };
  const password = env.SINCRO_SFTP_PASSWORD ?? (url.password === "" ? undefined : decodeURIComponent(url.password));
  if (password !== undefined) options.password = password;
  const keyFile = env.SINCRO_SFTP_KEY ?? url.searchParams.get("key") ?? undefined;
  if (keyFile !== undefined && keyFile !== "") options.privateKey = readPrivateKey(keyFile, "sftp", { what: `${option}: the key file`, option });
  if (options.password === undefined && options.privateKey === undefined) {
    throw new RefusedError("sftp", `${option}: no way to log in; set SINCRO_SFTP_KEY to a private key file, or SINCRO_SFTP_PASSWORD`, {
      code: "MISSING_CONFIG",
      say: say("transport.sftp.noLoginUrl", { option }),
    });
  }
  // Base64 holds `+`, which a query string reads as a space when it is not written %2B.
  const hostKey = url.searchParams.get("host-key")?.replaceAll(" ", "+") ?? null;
  if (hostKey !== null) {
    if (!HOST_KEY_FINGERPRINT.test(hostKey)) {
      throw new RefusedError("sftp", `${option}: host-key "${hostKey}" is not a fingerprint like SHA256:… as ssh-keygen -lf prints it`, {
        code: "BAD_URL",
        say: say("transport.sftp.badHostKey", { option, hostKey }),
      });
    }
    options.hostKey = hostKey;
  }
  return options;
}

// Reads and checks a private key file, refusing (naming `field`) one that cannot be used. The
// key file is named by the setting sftp.key, or (`from.option`) by a URL or SINCRO_SFTP_KEY.
function readPrivateKey(file: string, field: string, from: { what: string; option?: string }): Buffer {
  const { what, option } = from;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const why = (err as Error).message;
    throw new RefusedError(field, `${what} ${file}: cannot read it (${why})`, {
      cause: err,
      code: "BAD_CONFIG",
      say: option === undefined ? say("transport.sftpKey.unreadable.config", { file, why }) : say("transport.sftpKey.unreadable.url", { option, file, why }),
    });
  }
  const parsed = ssh2().utils.parseKey(bytes);
  if (parsed instanceof Error) {
    const encrypted = /passphrase|encrypted/i.test(parsed.message);
    const why = parsed.message;
    const said = encrypted
      ? option === undefined
        ? say("transport.sftpKey.passphrase.config", { file })
        : say("transport.sftpKey.passphrase.url", { option, file })
      : option === undefined
        ? say("transport.sftpKey.notAKey.config", { file, why })
        : say("transport.sftpKey.notAKey.url", { option, file, why });
    throw new RefusedError(
      field,
      encrypted
        ? `${what} ${file}: the key is protected by a passphrase; sincro needs a key without one (ssh-keygen -p -N "" -f ${file} removes it from a copy)`
        : `${what} ${file}: not a private key sincro can use (${why})`,
      { code: "BAD_CONFIG", say: said },
    );
  }
  return bytes;
}

// `sftp://user:secret@host…` → `sftp://user:********@host…` (see the same in ftpTransport.ts).
function withoutPassword(text: string): string {
  const scheme = text.indexOf("://");
  const colon = text.indexOf(":", scheme < 0 ? 0 : scheme + 3);
  const at = text.lastIndexOf("@");
  return colon >= 0 && colon < at ? `${text.slice(0, colon + 1)}********${text.slice(at)}` : text;
}
