import type { Say } from "../../errors.js";
/**
 * The port between the sync engine and a parking area (DESIGN §4.1).
 *
 * Paths are relative to the parking area's root and use `/` as separator, e.g.
 * `SincroAg/AG01/0000000042.seg`. Every name the engine writes matches `[A-Za-z0-9._-]`.
 * Each folder has exactly one writer, so the port needs no locking.
 *
 * Contract (checked by the shared suite in `test/ship/transportContract.ts` over every adapter):
 * - `list(dir)` returns the plain files directly in `dir`, sorted by name (byte order), with
 *   their sizes; a missing folder lists as `[]`. Temporary upload names (see `isTempName`) are
 *   listed too, so that their writer can clean them up.
 * - `listDirs(dir)` returns the names of the folders directly in `dir` (not deeper ones, not
 *   files), sorted by name (byte order); a missing folder lists as `[]`, like an empty one.
 * - `read(path)` returns the whole content, or `null` when the file does not exist.
 * - `write(path, bytes)` makes the file appear whole or not at all, so a reader never sees a
 *   half-written file under the final name: FTP and folder upload under a temporary name in the
 *   same folder and rename it into place; on S3 a PUT is atomic by itself. A file already under
 *   that name is replaced. Missing parent folders are created.
 * - `writeNew(path, bytes)`, optional, is the same but only when no file has that name: it
 *   returns `"created"`, or `"exists"` and leaves the file there untouched. The store decides,
 *   atomically, so of two writers racing for one name exactly one gets `"created"` (S3: a PUT
 *   with `If-None-Match: *`). A transport without an atomic way to do this leaves it out; the
 *   engine then lists before it writes. `sincro parking check` refuses a store that claims it
 *   and overwrites anyway.
 * - `delete(path)` removes the file; deleting a missing file is not an error (idempotent).
 * - `ensureDir(dir)` creates the folder and its parents; existing folders are fine.
 * - `close()` releases the connection; the transport may reconnect on the next call.
 * Failures throw {@link TransportError} naming the operation, the path and the server's reply.
 */
export interface Transport {
  /** Short description for messages, never containing a password (e.g. `ftp://user@host:21/dir`). */
  readonly describe: string;
  list(dir: string): Promise<RemoteFile[]>;
  listDirs(dir: string): Promise<string[]>;
  /**
   * The names of the plain files directly in `dir`, sorted like {@link list}, without sizes; a
   * missing folder lists as `[]`. Optional: present where sizes cost a request per file (the
   * folder transport's `stat`); elsewhere `list` is one request and callers use it instead.
   */
  listNames?(dir: string): Promise<string[]>;
  read(path: string): Promise<Buffer | null>;
  write(path: string, bytes: Buffer): Promise<void>;
  /**
   * Creates `path` only if no file has that name, as one atomic step of the store: `"exists"`
   * leaves the present file untouched. Optional: present only where the store can refuse the
   * second writer itself (see the contract above).
   */
  writeNew?(path: string, bytes: Buffer): Promise<"created" | "exists">;
  delete(path: string): Promise<void>;
  /**
   * The time the server stamped on the file at `path` when it received it (its modification
   * time, by the server's clock), or `null` when there is no such file. Optional: a transport
   * that cannot ask leaves it out and the node's clock is then not measured (see `clockCheck.ts`).
   * `precisionMs` is how coarse the stamp is (FTP MDTM and SFTP: 1 s; FTP LIST: 60 s).
   */
  stamp?(path: string): Promise<ServerStamp | null>;
  ensureDir(dir: string): Promise<void>;
  close(): Promise<void>;
  /** A risk of this connection the user must hear about at every sync (e.g. plain FTP), if any. */
  readonly warning?: string | undefined;
  /** {@link warning} as a catalogue message, for the user's language. */
  readonly warningSay?: Say | undefined;
  /** Counters since the transport was created: protocol commands sent after login, bytes moved. */
  stats(): TransportStats;
}

export interface RemoteFile {
  name: string;
  size: number;
}

/** A file's modification time as the server stamped it. */
export interface ServerStamp {
  /** Milliseconds since the epoch, by the server's clock. */
  ms: number;
  /** How coarse the stamp is: the true time lies in `[ms, ms + precisionMs)`. */
  precisionMs: number;
}

export interface TransportStats {
  /** Requests sent to the server after login (FTP commands; S3 HTTP requests; for `folder`, file system calls). */
  commands: number;
  bytesSent: number;
  bytesReceived: number;
}

/** Temporary upload names end with `.tmp`; the engine never uses that suffix for a final name. */
export const TEMP_SUFFIX = ".tmp";

export function isTempName(name: string): boolean {
  return name.endsWith(TEMP_SUFFIX);
}
