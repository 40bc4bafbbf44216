import { randomBytes, randomInt } from "node:crypto";
import { mkdtemp, mkdir, rm, stat, unlink } from "node:fs/promises";
import type { AddressInfo, Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { FileSystem, FtpSrv } from "ftp-srv";
import type { FtpConnection } from "ftp-srv";

/** Options of {@link startEmbeddedFtpServer}; every field has a default. */
export interface EmbeddedFtpServerOptions {
  /** Folder served as `/`; default: a new temporary folder, removed by `stop()`. */
  root?: string;
  /** Default `sincro`. */
  user?: string;
  /** Default: random. */
  password?: string;
  /** PEM key and certificate: the server offers explicit FTPS (`AUTH TLS`), or implicit FTPS with `implicit: true`. */
  tls?: { key: string | Buffer; cert: string | Buffer; implicit?: boolean };
}

/** A running embedded server; connect with the fields, release everything with `stop()`. */
export interface EmbeddedFtpServer {
  /** `ftp://user@127.0.0.1:port/` (`ftps://` with implicit TLS); no password in it. */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** Local folder served as `/`. */
  root: string;
  /** What an FTP client's `secure` option must be: `false`, `true` (explicit) or `"implicit"`. */
  secure: boolean | "implicit";
  /** Disconnects clients, closes the listening and passive ports, removes a temporary root. */
  stop(): Promise<void>;
}

const SIGNALS = ["SIGTERM", "SIGINT", "SIGQUIT"] as const;

/**
 * Starts an in-process FTP server (ftp-srv 4.6.3) on 127.0.0.1 at a free port, for the demo and
 * fast tests. Passive mode only, on a random range of 200 ports; one user.
 *
 * ftp-srv is not a production server: if a client dies mid-upload it deletes the file, and its
 * explicit FTPS fails on some connections from another process (see FTP-SERVERS.md).
 */
export async function startEmbeddedFtpServer(options: EmbeddedFtpServerOptions = {}): Promise<EmbeddedFtpServer> {
  const ownRoot = options.root === undefined;
  const root = ownRoot ? await mkdtemp(join(tmpdir(), "sincro-ftp-")) : resolve(options.root as string);
  if (!ownRoot) await mkdir(root, { recursive: true });
  const user = options.user ?? "sincro";
  const password = options.password ?? randomBytes(12).toString("base64url");
  const implicit = options.tls?.implicit === true;
  const secure: boolean | "implicit" = options.tls === undefined ? false : implicit ? "implicit" : true;
  const host = "127.0.0.1";
  const pasvMin = randomInt(10_000, 20_000);

  // ftp-srv 4.6.3 has no `endOnProcessSignal`: its constructor always adds handlers that call
  // process.exit on these signals. Take them away again; the host process decides how to stop.
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const server = new FtpSrv({
    url: `${implicit ? "ftps" : "ftp"}://${host}:0`,
    pasv_url: host,
    pasv_min: pasvMin,
    pasv_max: pasvMin + 199,
    anonymous: false,
    greeting: "sincro embedded FTP server",
    log: silentLogger,
    tls: options.tls === undefined ? false : { key: options.tls.key, cert: options.tls.cert },
  });
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }

  server.on("login", ({ connection, username, password: given }, accept, refuse) => {
    if (username === user && given === password) accept({ fs: new QuietFileSystem(connection, { root, cwd: "/" }) });
    else refuse(new Error("Login incorrect"));
  });
  // A client that vanishes produces socket errors; they concern that client only.
  server.on("client-error", () => undefined);

  const listening = (server as unknown as { server: Server }).server;
  try {
    await server.listen();
  } catch (err) {
    if (ownRoot) await rm(root, { recursive: true, force: true });
    throw err;
  }
  const port = (listening.address() as AddressInfo).port;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await server.close();
      if (ownRoot) await rm(root, { recursive: true, force: true });
    })();
    return stopped;
  };

  return {
    url: `${implicit ? "ftps" : "ftp"}://${encodeURIComponent(user)}@${host}:${port}/`,
    host,
    port,
    user,
    password,
    root,
    secure,
    stop,
  };
}

// Two fixes to ftp-srv's file system for uploads into a missing folder. ftp-srv opens the file
// only once the data connection is up, then resets that connection before its `550` reply, so
// the client sees a broken transfer instead of a refusal; and it removes the failed file with a
// promise nobody handles, an unhandled rejection in the host process. Here the folder is checked
// first, so the client gets a clean `550`, and the removal is quiet.
class QuietFileSystem extends FileSystem {
  constructor(connection: FtpConnection, where: { root: string; cwd: string }) {
    super(connection, where);
  }

  override async write(fileName: string, options?: { append?: boolean; start?: unknown }) {
    const { fsPath } = (this as unknown as { _resolvePath(path: string): { fsPath: string } })._resolvePath(fileName);
    const folder = await stat(dirname(fsPath)).catch(() => undefined);
    if (folder === undefined || !folder.isDirectory()) {
      throw new Error(`No such folder: ${fileName}`);
    }
    const opened = super.write(fileName, options) as { stream: NodeJS.EventEmitter & { path: string } };
    opened.stream.removeAllListeners("error");
    opened.stream.once("error", () => {
      unlink(opened.stream.path).catch(() => undefined);
    });
    return opened;
  }
}

// ftp-srv logs through a bunyan-like object; the engine reports problems itself.
const silentLogger = {
  child: () => silentLogger,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
};
