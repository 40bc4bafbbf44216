import { posix } from "node:path";
import { Readable, Writable } from "node:stream";
import type { ConnectionOptions, TLSSocket } from "node:tls";
import { Client, type FileInfo, FTPError } from "basic-ftp";
import { RefusedError, type Say, say, TransportError } from "../../errors.js";
import { compareNames, splitRemotePath, tempNameFor } from "./remotePath.js";
import type { RemoteFile, ServerStamp, Transport, TransportStats } from "./transport.js";
import { requiredConfig, type ConfigSource, type TransportKind } from "./transportKind.js";

const EMPTY_TLS_UPLOAD_PAUSE_MS = 50;

/** Where and how to reach the FTP server of a parking area. */
export interface FtpTransportOptions {
  host: string;
  /** Default 21, or 990 with implicit TLS. */
  port?: number;
  user: string;
  password: string;
  /**
   * Root of the parking area on the server. An absolute path (`/`, `/sincro`) costs nothing; a
   * relative one (default `""`, the login folder) is resolved with one `PWD` the first time.
   */
  dir?: string;
  /**
   * `false` plain FTP (the default of this class; the `ftp.secure` setting defaults to `true`),
   * `true` explicit FTPS (`AUTH TLS`), `"implicit"` implicit FTPS.
   */
  secure?: boolean | "implicit";
  /**
   * The server certificate's SHA-256 fingerprint (`AA:BB:…`, as Node and openssl print it): with
   * it, only that certificate is accepted, whoever signed it, and nothing is sent before the check.
   */
  fingerprint?: string;
  /**
   * Accept any certificate, e.g. a self-signed one. This also accepts an impostor's
   * certificate: prefer `ca` where the server's certificate can be copied.
   */
  allowSelfSigned?: boolean;
  /** Certificate(s) to trust for this server (PEM), e.g. its own self-signed certificate. */
  ca?: string | Buffer;
  /** Limit for each reply and for silence on a data connection. Default 30 s. */
  timeoutMs?: number;
}

/**
 * A parking area on an FTP server, over basic-ftp (DESIGN §4.1, contract in `transport.ts`).
 *
 * One connection is opened on the first call and reused by every later call, so a sync logs in
 * once; calls are queued, never interleaved. After a dropped connection the failing call throws and
 * the next call connects again. Paths are sent absolute from `dir`, so the server's working folder
 * never matters. Passive mode (EPSV, else PASV) and binary type.
 *
 * `stats().commands` counts every command written on the control connection after the login
 * succeeded (`TYPE I`, `PBSZ`/`PROT` with TLS, each `EPSV` before a transfer, `QUIT`), which is the
 * number of round trips a sync pays. On a healthy server: `list` and `listDirs` 2 (EPSV, LIST),
 * `read` 2 (EPSV, RETR), `write` 4 (EPSV, STOR, RNFR, RNTO), `delete` 1 (DELE), `ensureDir` 1
 * (MKD) or 2 (MKD, CWD when it exists). Error paths add a probe (`SIZE` or `CWD`) to tell
 * "missing" from "refused".
 */
export class FtpTransport implements Transport {
  readonly describe: string;
  private readonly options: Required<Omit<FtpTransportOptions, "ca" | "fingerprint">> & { ca: string | Buffer | undefined; fingerprint: string | undefined };
  /** Set for plain FTP: what `sync` warns about. */
  readonly warning: string | undefined;
  readonly warningSay: Say | undefined;
  /** The SHA-256 fingerprint of the certificate the server presented (FTPS, once connected). */
  presented: string | undefined;
  private readonly counters: TransportStats = { commands: 0, bytesSent: 0, bytesReceived: 0 };
  private client: Client | undefined;
  // Absolute server path of the parking area's root, known after the first login.
  private root: string | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: FtpTransportOptions) {
    const secure = options.secure ?? false;
    this.options = {
      host: options.host,
      port: options.port ?? (secure === "implicit" ? 990 : 21),
      user: options.user,
      password: options.password,
      dir: options.dir ?? "",
      secure,
      allowSelfSigned: options.allowSelfSigned ?? false,
      ca: options.ca,
      fingerprint: options.fingerprint,
      timeoutMs: options.timeoutMs ?? 30_000,
    };
    this.warning =
      secure === false ? `plain FTP to ${options.host}: the password and the files travel unencrypted on the network (ftp.secure false)` : undefined;
    this.warningSay = secure === false ? say("warn.plainFtp", { host: options.host }) : undefined;
    const dir = this.options.dir;
    const tls = secure === true ? " (TLS)" : secure === "implicit" ? " (implicit TLS)" : "";
    this.describe =
      `ftp://${encodeURIComponent(this.options.user)}@${this.options.host}:${this.options.port}` +
      `${dir.startsWith("/") ? dir : `/${dir}`}${tls}`;
    if (dir.startsWith("/")) this.root = serverFolder(dir);
  }

  async list(dir: string): Promise<RemoteFile[]> {
    const names = splitRemotePath("list", dir);
    return this.perform("list", dir, async (client) => {
      const entries = await this.entries(client, this.absolute(names));
      return entries
        .filter((entry) => entry.isFile)
        .map((entry) => ({ name: entry.name, size: entry.size }))
        .sort((a, b) => compareNames(a.name, b.name));
    });
  }

  async listDirs(dir: string): Promise<string[]> {
    const names = splitRemotePath("list folders in", dir);
    return this.perform("list folders in", dir, async (client) => {
      const entries = await this.entries(client, this.absolute(names));
      return entries
        .filter((entry) => entry.isDirectory)
        .map((entry) => entry.name)
        .sort(compareNames);
    });
  }

  async read(path: string): Promise<Buffer | null> {
    const names = splitRemotePath("download", path);
    return this.perform("download", path, async (client) => {
      const remote = this.absolute(names);
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk);
          done();
        },
      });
      try {
        await client.downloadTo(sink, remote);
      } catch (err) {
        if (!(err instanceof FTPError)) throw err;
        if (await this.fileExists(client, remote)) {
          throw this.failure("download", this.at(path), err, "the file exists but the server refused to send it: the FTP user needs read permission");
        }
        return null;
      }
      const bytes = Buffer.concat(chunks);
      this.counters.bytesReceived += bytes.length;
      return bytes;
    });
  }

  async write(path: string, bytes: Buffer): Promise<void> {
    const names = splitRemotePath("upload", path);
    const name = names.pop();
    if (name === undefined) throw new TransportError(`upload "": a file needs a name`, { code: "TRANSPORT_PATH" });
    return this.perform("upload", path, async (client) => {
      const finalPath = this.absolute([...names, name]);
      const tempPath = this.absolute([...names, tempNameFor(name)]);
      try {
        await client.uploadFrom(this.uploadSource(bytes), tempPath);
      } catch (err) {
        // Refused: most often because the folder does not exist yet. Create it and try once more.
        if (!(err instanceof FTPError) || names.length === 0) throw err;
        await this.makeFolder(client, this.absolute(names), names.join("/"));
        try {
          await client.uploadFrom(this.uploadSource(bytes), tempPath);
        } catch (again) {
          if (again instanceof FTPError) {
            throw this.failure("upload", this.at(path), again, storeHint(again.code));
          }
          throw again;
        }
      }
      try {
        await client.rename(tempPath, finalPath);
      } catch (err) {
        if (err instanceof FTPError) {
          await client.sendIgnoringError(`DELE ${tempPath}`);
          throw this.failure(
            "upload",
            this.at(path),
            err,
            "the server refused to rename the uploaded file onto its final name: the FTP user needs permission to rename and overwrite files",
          );
        }
        throw err;
      }
      this.counters.bytesSent += bytes.length;
    });
  }

  async delete(path: string): Promise<void> {
    const names = splitRemotePath("delete", path);
    return this.perform("delete", path, async (client) => {
      const remote = this.absolute(names);
      try {
        await client.send(`DELE ${remote}`);
      } catch (err) {
        if (!(err instanceof FTPError)) throw err;
        if (await this.fileExists(client, remote)) {
          throw this.failure("delete", this.at(path), err, "the file is still there: the FTP user needs permission to delete files");
        }
      }
    });
  }

  /**
   * The file's modification time: MDTM (RFC 3659, UTC, whole seconds or finer) where the server
   * has it; otherwise the folder's listing, MLSD `modify=` (seconds) or, last, LIST's
   * `Mmm dd hh:mm`, which is minute-granular and taken as UTC (vsftpd's default; a server
   * listing in its local time reads as off by its time zone).
   */
  async stamp(path: string): Promise<ServerStamp | null> {
    const names = splitRemotePath("stamp", path);
    const name = names.at(-1);
    if (name === undefined) throw new TransportError(`stamp "": a file needs a name`, { code: "TRANSPORT_PATH" });
    return this.perform("stamp", path, async (client) => {
      const remote = this.absolute(names);
      const reply = await client.sendIgnoringError(`MDTM ${remote}`);
      if (reply.code === 213) {
        const parsed = parseMdtm(reply.message.slice(4).trim());
        if (parsed) return parsed;
      }
      if (reply.code === 550 && !(await this.fileExists(client, remote))) return null;
      const entry = (await this.entries(client, this.absolute(names.slice(0, -1)))).find((e) => e.isFile && e.name === name);
      if (!entry) return null;
      if (entry.modifiedAt) return { ms: entry.modifiedAt.getTime(), precisionMs: 1_000 };
      return parseListTime(entry.rawModifiedAt, Date.now());
    });
  }

  async ensureDir(dir: string): Promise<void> {
    const names = splitRemotePath("create folder", dir);
    return this.perform("create folder", dir, (client) => this.makeFolder(client, this.absolute(names), dir));
  }

  async close(): Promise<void> {
    await this.exclusively(async () => this.drop());
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  /**
   * The stream an upload sends. A separate step so that tests can make an upload die halfway,
   * as a crash or a cut line would.
   */
  protected uploadSource(bytes: Buffer): Readable {
    if (bytes.length === 0 && this.options.secure !== false) {
      // An encrypted data connection closed right after its handshake makes vsftpd 3.0.3 and
      // pure-ftpd 1.0.50 fail the transfer (TLS alert; vsftpd even writes a plain-text "500 OOPS"
      // into the encrypted control connection, killing the session). Only an empty upload closes
      // that early; letting the handshake settle first avoids it.
      return new Readable({
        read() {
          setTimeout(() => this.push(null), EMPTY_TLS_UPLOAD_PAUSE_MS);
        },
      });
    }
    return Readable.from([bytes]);
  }

  private at(path: string): string {
    return `${path === "" ? "(root)" : path} on ${this.describe}`;
  }

  private absolute(names: readonly string[]): string {
    const root = this.root ?? "/";
    if (names.length === 0) return root;
    return root === "/" ? `/${names.join("/")}` : `${root}/${names.join("/")}`;
  }

  // Runs one call on the shared connection, after the calls already queued.
  private perform<T>(operation: string, path: string, body: (client: Client) => Promise<T>): Promise<T> {
    return this.exclusively(async () => {
      const client = await this.connection();
      try {
        return await body(client);
      } catch (err) {
        if (err instanceof TransportError) throw err;
        // A reply (FTPError) leaves the session usable; anything else (socket closed, timeout,
        // data connection lost) leaves it in an unknown state: start afresh on the next call.
        if (!(err instanceof FTPError)) this.drop();
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

  private drop(): void {
    this.client?.close();
    this.client = undefined;
  }

  private async connection(): Promise<Client> {
    if (this.client !== undefined && !this.client.closed) return this.client;
    this.drop();
    const { host, port, user, password, secure, timeoutMs } = this.options;
    const client = new Client(timeoutMs);
    let loggedIn = false;
    const ftp = client.ftp;
    const sendOnControl = ftp.send.bind(ftp);
    // Every command basic-ftp writes, including those of its own helpers, goes through here.
    ftp.send = (command: string) => {
      if (loggedIn) this.counters.commands++;
      sendOnControl(command);
    };
    const pinned = this.options.fingerprint;
    // A pinned certificate is checked below by its fingerprint, whoever signed it.
    const tlsOptions: ConnectionOptions = { host, rejectUnauthorized: pinned === undefined && !this.options.allowSelfSigned };
    if (this.options.ca !== undefined) tlsOptions.ca = this.options.ca;
    try {
      try {
        if (secure === "implicit") await client.connectImplicitTLS(host, port, tlsOptions);
        else await client.connect(host, port);
      } catch (err) {
        throw this.failure("connect to", this.describe, err, undefined, "TRANSPORT_CONNECT");
      }
      if (secure === true) {
        try {
          await client.useTLS(tlsOptions);
        } catch (err) {
          if (err instanceof FTPError) {
            throw new TransportError(
              `connect to ${this.describe}: the server does not offer FTPS (it answered AUTH TLS with ${err.code}); to use plain FTP anyway, where the password travels unencrypted, run "sincro config set ftp.secure false"`,
              { cause: err, reply: err.code, code: "TRANSPORT_NO_TLS", say: say("error.ftpNoTls", { server: this.describe, reply: String(err.code) }) },
            );
          }
          throw this.failure("connect to", this.describe, err, undefined, "TRANSPORT_CONNECT");
        }
      }
      if (secure !== false) this.presented = (client.ftp.socket as TLSSocket).getPeerCertificate?.().fingerprint256;
      if (secure !== false && pinned !== undefined) {
        const presented = this.presented;
        if (presented?.toUpperCase() !== pinned.toUpperCase()) {
          throw new TransportError(
            `connect to ${this.describe}: the server's certificate changed: it presents SHA-256 ${presented ?? "none"}, but ftp.tls-fingerprint pins ${pinned}; refusing to send the password (if the provider renewed it, check the new one with the provider and run "sincro config set ftp.tls-fingerprint NEW")`,
            { code: "TRANSPORT_CERTIFICATE", say: say("error.ftpCertificate", { server: this.describe, presented: presented ?? "-", pinned }) },
          );
        }
      }
      try {
        await client.login(user, password);
      } catch (err) {
        const hint = err instanceof FTPError && err.code === 530 ? "check the FTP user name and password" : undefined;
        throw this.failure("log in to", `${this.describe} as ${JSON.stringify(user)}`, err, hint, "TRANSPORT_LOGIN");
      }
      loggedIn = true;
      try {
        await client.send("TYPE I");
        if (secure !== false) {
          await client.send("PBSZ 0");
          await client.send("PROT P");
        }
        if (this.root === undefined) this.root = serverFolder(posix.join(await client.pwd(), this.options.dir));
      } catch (err) {
        throw this.failure("set up session with", this.describe, err, undefined, "TRANSPORT_CONNECT");
      }
    } catch (err) {
      // basic-ftp keeps the socket open after a failed login; with TLS the process would hang.
      client.close();
      throw err;
    }
    this.client = client;
    return client;
  }

  // The entries of a folder (basic-ftp leaves out `.` and `..`); a missing folder has none.
  private async entries(client: Client, remote: string): Promise<FileInfo[]> {
    try {
      return await client.list(remote);
    } catch (err) {
      // vsftpd lists a missing folder as empty; others refuse it. Refused for another reason
      // (permissions) is an error, and only the server can tell which: ask it with CWD.
      if (err instanceof FTPError && !(await this.folderExists(client, remote))) return [];
      throw err;
    }
  }

  // Creates `remote` and any missing parent; an existing folder is fine.
  private async makeFolder(client: Client, remote: string, what: string): Promise<void> {
    const made = await client.sendIgnoringError(`MKD ${remote}`);
    if (made.code === 257 || (await this.folderExists(client, remote))) return;
    const parent = posix.dirname(remote);
    if (parent === remote) {
      throw this.failure("create folder", this.at(what), new FTPError(made), "the parking area's root folder does not exist");
    }
    await this.makeFolder(client, parent, what);
    const again = await client.sendIgnoringError(`MKD ${remote}`);
    if (again.code === 257 || (await this.folderExists(client, remote))) return;
    throw this.failure("create folder", this.at(what), new FTPError(again), "the FTP user needs permission to create folders");
  }

  // `CWD` is the one folder test every server has; the working folder is never relied on.
  private async folderExists(client: Client, remote: string): Promise<boolean> {
    const reply = await client.sendIgnoringError(`CWD ${remote}`);
    return reply.code >= 200 && reply.code < 300;
  }

  private async fileExists(client: Client, remote: string): Promise<boolean> {
    const reply = await client.sendIgnoringError(`SIZE ${remote}`);
    return reply.code === 213;
  }

  private failure(operation: string, what: string, err: unknown, hint?: string, code?: string): TransportError {
    let detail: string;
    let reply: number | undefined;
    if (err instanceof FTPError) {
      reply = err.code;
      detail = `the server replied "${err.message.trim().replace(/\s*\r?\n\s*/g, " ")}"`;
    } else {
      detail = err instanceof Error ? err.message : String(err);
      hint ??= networkHint(detail, this.options.timeoutMs);
    }
    const message = `${operation} ${what}: ${detail}${hint === undefined ? "" : ` (${hint})`}`;
    const options: { cause: unknown; reply?: number; code?: string } = { cause: err };
    if (reply !== undefined) options.reply = reply;
    if (code !== undefined) options.code = code;
    return new TransportError(message, options);
  }
}

/**
 * The `ftp` transport: the `ftp.*` keys of a node's configuration, or `ftp://user@host:port/dir`
 * (`ftps://` for explicit TLS) on a command line.
 */
export const ftpTransportKind: TransportKind<"ftp"> = {
  name: "ftp",
  configKeys: ["ftp.host", "ftp.port", "ftp.user", "ftp.password", "ftp.dir", "ftp.secure", "ftp.allow-self-signed", "ftp.tls-fingerprint"],
  fromConfig: (node, env) => new FtpTransport(ftpOptionsFromConfig(node, env)),
  location: {
    value: "url",
    describe: "the parking area at ftp://user@host:port/dir (password: $SINCRO_FTP_PASSWORD)",
    open: (text, env, option) => new FtpTransport(parseFtpUrl(text, env.SINCRO_FTP_PASSWORD, option)),
  },
};

/**
 * The options the `ftp.*` keys of a node's configuration give. `SINCRO_FTP_PASSWORD` overrides
 * the stored password; a missing password, host or user is refused, in that order.
 */
export function ftpOptionsFromConfig(node: ConfigSource, env: NodeJS.ProcessEnv): FtpTransportOptions {
  const password = env.SINCRO_FTP_PASSWORD ?? node.config("ftp.password");
  if (password === undefined) {
    throw new RefusedError("ftp.password", `sync: no FTP password; set SINCRO_FTP_PASSWORD or "sincro config set ftp.password ..."`, {
      code: "MISSING_CONFIG",
      say: say("error.noFtpPassword"),
    });
  }
  const secure = node.config("ftp.secure");
  return {
    host: requiredConfig(node, "ftp.host"),
    port: Number(node.config("ftp.port") ?? (secure === "implicit" ? 990 : 21)),
    user: requiredConfig(node, "ftp.user"),
    password,
    dir: node.config("ftp.dir") ?? "",
    // FTPS unless plain FTP is asked for by name (DESIGN §7).
    secure: secure === "implicit" ? "implicit" : secure !== "false",
    allowSelfSigned: node.config("ftp.allow-self-signed") === "true",
    ...(node.config("ftp.tls-fingerprint") !== undefined && { fingerprint: node.config("ftp.tls-fingerprint") as string }),
  };
}


/**
 * The options `ftp://user@host:port/dir` (or `ftps://` for explicit TLS, `?allow-self-signed=true`)
 * gives. The password comes from `password` (SINCRO_FTP_PASSWORD), else from the URL. A text that
 * is not such a URL is refused (field `ftp`), the message starting with `option` and never
 * showing the password.
 */
export function parseFtpUrl(text: string, password: string | undefined, option: string): FtpTransportOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RefusedError("ftp", `${option} ${withoutPassword(text)}: not a URL; expected ftp://user@host:port/dir`, {
      code: "BAD_URL",
      say: say("transport.ftp.notUrl", { option, url: withoutPassword(text) }),
    });
  }
  if (url.protocol !== "ftp:" && url.protocol !== "ftps:") {
    throw new RefusedError("ftp", `${option}: "${url.protocol}" is not ftp: or ftps:`, { code: "BAD_URL", say: say("transport.ftp.scheme", { option, scheme: url.protocol }) });
  }
  return {
    host: url.hostname,
    port: url.port === "" ? 21 : Number(url.port),
    user: url.username === "" ? "anonymous" : decodeURIComponent(url.username),
    password: password ?? decodeURIComponent(url.password),
    dir: decodeURIComponent(url.pathname) || "/",
    secure: url.protocol === "ftps:",
    allowSelfSigned: url.searchParams.get("allow-self-signed") === "true",
  };
}

// `ftp://user:secret@host…` → `ftp://user:********@host…`, for a text no URL parser accepted, so
// read as broadly as possible: the password runs from the first `:` after the scheme to the last
// `@` (it may hold `/`, `:` or `@` unencoded).
function withoutPassword(text: string): string {
  const scheme = text.indexOf("://");
  const colon = text.indexOf(":", scheme < 0 ? 0 : scheme + 3);
  const at = text.lastIndexOf("@");
  return colon >= 0 && colon < at ? `${text.slice(0, colon + 1)}********${text.slice(at)}` : text;
}

// `/a/b/` and `/a//b` → `/a/b`; `/` stays.
function serverFolder(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

function storeHint(reply: number): string {
  if (reply === 452 || reply === 552) return "the server's disk is full or the FTP user's quota is used up";
  return "the FTP user needs permission to create files in this folder";
}

function networkHint(detail: string, timeoutMs: number): string | undefined {
  if (detail.includes("ECONNREFUSED")) return "nothing answers at that address and port: is the FTP server running?";
  if (detail.includes("ENOTFOUND") || detail.includes("EAI_AGAIN")) return "the host name cannot be resolved";
  if (/certificate|self[- ]signed|CERT_|altnames/i.test(detail)) {
    return 'the server\'s TLS certificate is not trusted: run "sincro parking check" at the office, which shows the certificate and pins it (ftp.tls-fingerprint), or give it as `ca`';
  }
  if (detail.includes("passive mode") || detail.includes("data socket")) {
    return "the data connection failed: a firewall may block the server's passive ports";
  }
  if (/timeout|ETIMEDOUT/i.test(detail)) return `no answer within ${Math.round(timeoutMs / 1000)} s: a firewall may block the connection`;
  return undefined;
}

/** `YYYYMMDDHHMMSS[.sss]` (MDTM, UTC) to a stamp whose precision follows the digits given. */
export function parseMdtm(text: string): ServerStamp | undefined {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d{1,3})\d*)?$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac] = m;
  const fraction = frac === undefined ? 0 : Number(frac.padEnd(3, "0"));
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), fraction);
  return Number.isNaN(ms) ? undefined : { ms, precisionMs: frac === undefined ? 1_000 : 10 ** (3 - frac.length) };
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/**
 * LIST's Unix-style time, `Mmm dd hh:mm` (within the last half year, no year given: the year that
 * puts it nearest `nowMs`) or `Mmm dd yyyy` (older; day precision), taken as UTC.
 */
export function parseListTime(raw: string, nowMs: number): ServerStamp | null {
  const m = /^([A-Za-z]{3})\s+(\d{1,2})\s+(?:(\d{1,2}):(\d\d)|(\d{4}))$/.exec(raw.trim());
  const month = m ? MONTHS.indexOf((m[1] as string).toLowerCase()) : -1;
  if (!m || month < 0) return null;
  const day = Number(m[2]);
  if (m[5] !== undefined) return { ms: Date.UTC(Number(m[5]), month, day), precisionMs: 86_400_000 };
  const year = new Date(nowMs).getUTCFullYear();
  const candidates = [year - 1, year, year + 1].map((y) => Date.UTC(y, month, day, Number(m[3]), Number(m[4])));
  const ms = candidates.reduce((best, c) => (Math.abs(c - nowMs) < Math.abs(best - nowMs) ? c : best));
  return { ms, precisionMs: 60_000 };
}
