import type { Dirent } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { mkdir, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { TransportError } from "../../errors.js";
import { compareNames, splitRemotePath, tempNameFor } from "./remotePath.js";
import type { RemoteFile, ServerStamp, Transport, TransportStats } from "./transport.js";
import { requiredConfig, type TransportKind } from "./transportKind.js";

/**
 * A parking area in a local or network folder, with the same layout as on the FTP server
 * (DESIGN §4.1). Used by tests and for sneakernet.
 *
 * `write` writes `<name>.<random>.tmp` in the target folder, flushes it to disk (fsync), renames
 * it onto the final name and flushes the folder, so a crash leaves either the old file or the new
 * one under the final name, never a partial one. `stats().commands` counts file-system calls.
 */
export class FolderTransport implements Transport {
  readonly describe: string;
  readonly root: string;
  private readonly counters: TransportStats = { commands: 0, bytesSent: 0, bytesReceived: 0 };

  constructor(root: string) {
    this.root = resolve(root);
    this.describe = `folder:${this.root}`;
  }

  async list(dir: string): Promise<RemoteFile[]> {
    const folder = this.localPath("list", dir);
    const entries = await this.entries("list", dir, folder);
    const files: RemoteFile[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      try {
        this.counters.commands++;
        const info = await stat(join(folder, entry.name));
        files.push({ name: entry.name, size: info.size });
      } catch (err) {
        // Deleted between readdir and stat: it is simply no longer there.
        if (errnoOf(err) !== "ENOENT") throw this.failure("list", dir, err);
      }
    }
    return files.sort((a, b) => compareNames(a.name, b.name));
  }

  /** One `readdir`: the names of the plain files, without a `stat` each. */
  async listNames(dir: string): Promise<string[]> {
    const entries = await this.entries("list", dir, this.localPath("list", dir));
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort(compareNames);
  }

  async listDirs(dir: string): Promise<string[]> {
    const folder = this.localPath("list folders in", dir);
    const entries = await this.entries("list folders in", dir, folder);
    return entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort(compareNames);
  }

  async read(path: string): Promise<Buffer | null> {
    const file = this.localPath("read", path);
    try {
      this.counters.commands++;
      const bytes = await readFile(file);
      this.counters.bytesReceived += bytes.length;
      return bytes;
    } catch (err) {
      if (errnoOf(err) === "ENOENT") return null;
      throw this.failure("read", path, err);
    }
  }

  async write(path: string, bytes: Buffer): Promise<void> {
    const names = splitRemotePath("write", path);
    const name = names.pop();
    if (name === undefined) throw new TransportError(`write "": a file needs a name`, { code: "TRANSPORT_PATH" });
    const folder = join(this.root, ...names);
    const finalPath = join(folder, name);
    const tempPath = join(folder, tempNameFor(name));
    let handle: FileHandle | undefined;
    try {
      try {
        this.counters.commands++;
        handle = await open(tempPath, "wx");
      } catch (err) {
        if (errnoOf(err) !== "ENOENT") throw err;
        this.counters.commands++;
        await mkdir(folder, { recursive: true });
        this.counters.commands++;
        handle = await open(tempPath, "wx");
      }
      await this.writeContent(handle, bytes);
      this.counters.commands++;
      await handle.sync();
      this.counters.commands++;
      await handle.close();
      handle = undefined;
      this.counters.commands++;
      await rename(tempPath, finalPath);
      this.counters.bytesSent += bytes.length;
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await unlink(tempPath).catch(() => undefined);
      throw this.failure("write", path, err);
    }
    await this.syncFolder(folder);
  }

  async delete(path: string): Promise<void> {
    const file = this.localPath("delete", path);
    try {
      this.counters.commands++;
      await unlink(file);
    } catch (err) {
      if (errnoOf(err) === "ENOENT") return;
      throw this.failure("delete", path, err);
    }
  }

  /** The file's mtime; network shares and FAT keep it to 2 s, so that is the precision given. */
  async stamp(path: string): Promise<ServerStamp | null> {
    const file = this.localPath("stamp", path);
    try {
      this.counters.commands++;
      const info = await stat(file);
      return { ms: Math.floor(info.mtimeMs), precisionMs: 2_000 };
    } catch (err) {
      if (errnoOf(err) === "ENOENT") return null;
      throw this.failure("stamp", path, err);
    }
  }

  async ensureDir(dir: string): Promise<void> {
    const folder = this.localPath("create folder", dir);
    try {
      this.counters.commands++;
      await mkdir(folder, { recursive: true });
    } catch (err) {
      throw this.failure("create folder", dir, err);
    }
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  /**
   * Writes the whole content into the open temporary file. A separate step so that tests can
   * make it fail halfway, as a crash or a full disk would.
   */
  protected async writeContent(handle: FileHandle, bytes: Buffer): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      this.counters.commands++;
      const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
  }

  // The entries of a folder; a missing folder has none.
  private async entries(operation: string, dir: string, folder: string): Promise<Dirent[]> {
    try {
      this.counters.commands++;
      return await readdir(folder, { withFileTypes: true });
    } catch (err) {
      if (errnoOf(err) === "ENOENT") return [];
      throw this.failure(operation, dir, err);
    }
  }

  private localPath(operation: string, path: string): string {
    return join(this.root, ...splitRemotePath(operation, path));
  }

  // Makes the rename durable. Some file systems (network shares) cannot fsync a folder: fine.
  private async syncFolder(folder: string): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      this.counters.commands++;
      handle = await open(folder, "r");
      this.counters.commands++;
      await handle.sync();
    } catch {
      // The file is already in place; durability of the folder entry is best effort here.
    } finally {
      if (handle !== undefined) {
        this.counters.commands++;
        await handle.close().catch(() => undefined);
      }
    }
  }

  private failure(operation: string, path: string, err: unknown): TransportError {
    const code = errnoOf(err);
    const hint =
      code === "EACCES" || code === "EPERM"
        ? ": permission denied, the user running sincro needs read and write access to the folder"
        : code === "ENOSPC"
          ? ": the disk is full"
          : code === "ENOTDIR"
            ? ": a file is in the way where a folder is expected"
            : "";
    const detail = err instanceof Error ? err.message : String(err);
    return new TransportError(`${operation} ${path === "" ? "(root)" : path} in ${this.describe}: ${detail}${hint}`, {
      cause: err,
    });
  }
}

/** The `folder` transport: `folder.path` in a node's configuration, a path on a command line. */
export const folderTransportKind: TransportKind<"folder"> = {
  name: "folder",
  configKeys: ["folder.path"],
  fromConfig: (node) => new FolderTransport(requiredConfig(node, "folder.path")),
  location: { value: "path", describe: "the parking area in this folder", open: (text) => new FolderTransport(text) },
};

function errnoOf(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") return err.code;
  return undefined;
}
