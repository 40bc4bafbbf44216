import type { FileHandle } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FolderTransport } from "../../../src/ship/transports/folderTransport.js";
import { runTransportContract } from "./transportContract.js";

/** Writes half of the bytes, then fails as a crash or a full disk would. */
class FolderTransportDyingHalfway extends FolderTransport {
  protected override async writeContent(handle: FileHandle, bytes: Buffer): Promise<void> {
    await handle.write(bytes, 0, bytes.length >> 1);
    throw new Error("write cut halfway (test)");
  }
}

runTransportContract("folder", async () => {
  const root = await mkdtemp(join(tmpdir(), "sincro-folder-"));
  return {
    transport: new FolderTransport(join(root, "parking")),
    writeBrokenHalfway: (path, bytes) => new FolderTransportDyingHalfway(join(root, "parking")).write(path, bytes),
    openAnother: () => new FolderTransport(join(root, "parking")),
    teardown: () => rm(root, { recursive: true, force: true }),
  };
});
