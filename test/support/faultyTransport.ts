// Fault-injecting transports for the convergence model: the real adapters, with a connection
// that drops in the middle of the nth upload or download of one sync.
//
// Folder: FolderTransport itself writes the first half of the file into its temporary upload
// file and then fails (its own clean-up runs, as on a dying network share); a cut download either
// fails, or — what a middlebox that closes cleanly produces — returns only the first bytes.
// FTP: the real FtpTransport through `FtpCuttingProxy` (tcpProxy.ts), which resets the data
// connection after N bytes; nothing of the client or the server is replaced.
import type { FileHandle } from "node:fs/promises";
import { TransportError } from "../../src/errors.js";
import { FolderTransport } from "../../src/ship/transports/folderTransport.js";

export type CutPlan =
  | { direction: "upload"; skip: number; afterBytes: number }
  | { direction: "download"; skip: number; afterBytes: number; mode: "error" | "short" };

/** A FolderTransport whose connection drops once, as `plan` says; `fired` tells whether it did. */
export class CuttingFolderTransport extends FolderTransport {
  fired = false;
  private skip: number;

  constructor(
    root: string,
    private readonly plan: CutPlan,
  ) {
    super(root);
    this.skip = plan.skip;
  }

  private due(direction: "upload" | "download"): boolean {
    if (this.fired || this.plan.direction !== direction) return false;
    if (this.skip > 0) {
      this.skip--;
      return false;
    }
    this.fired = true;
    return true;
  }

  protected override async writeContent(handle: FileHandle, bytes: Buffer): Promise<void> {
    if (!this.due("upload")) return super.writeContent(handle, bytes);
    const keep = Math.min(this.plan.afterBytes, bytes.length >> 1);
    await super.writeContent(handle, bytes.subarray(0, keep));
    throw new Error(`connection dropped after ${keep} of ${bytes.length} bytes (test)`);
  }

  override async read(path: string): Promise<Buffer | null> {
    const bytes = await super.read(path);
    if (bytes === null || bytes.length < 2 || !this.due("download")) return bytes;
    const keep = Math.min(this.plan.afterBytes, bytes.length - 1);
    if (this.plan.direction === "download" && this.plan.mode === "short") return bytes.subarray(0, keep);
    throw new TransportError(`read ${path}: connection dropped after ${keep} of ${bytes.length} bytes (test)`);
  }
}
