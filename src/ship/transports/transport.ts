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
 * - `write(path, bytes)` uploads under a temporary name in the same folder and renames it into
 *   place, so a reader never sees a half-written file under the final name. A file already
 *   under that name is replaced. Missing parent folders are created.
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
  read(path: string): Promise<Buffer | null>;
  write(path: string, bytes: Buffer): Promise<void>;
  delete(path: string): Promise<void>;
  ensureDir(dir: string): Promise<void>;
  close(): Promise<void>;
  /** Counters since the transport was created: protocol commands sent after login, bytes moved. */
  stats(): TransportStats;
}

export interface RemoteFile {
  name: string;
  size: number;
}

export interface TransportStats {
  /** Requests sent to the server after login (FTP commands; for `folder`, file system calls). */
  commands: number;
  bytesSent: number;
  bytesReceived: number;
}

/** Temporary upload names end with `.tmp`; the engine never uses that suffix for a final name. */
export const TEMP_SUFFIX = ".tmp";

export function isTempName(name: string): boolean {
  return name.endsWith(TEMP_SUFFIX);
}
