import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sync } from "../../src/ship/sync.js";
import { FolderTransport } from "../../src/ship/transports/folderTransport.js";
import { exec, officeWithAgentAG01 } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

describe("sync never creates the parking area's root folders", () => {
  it("a mistyped folder is refused, naming what is missing and what to check; nothing is written there", async () => {
    const net = officeWithAgentAG01(tempDir());
    const typo = join(net.dir, "nonexistent", "deep");
    const before = net.sede.log.count();
    const err = await sync(net.sede, new FolderTransport(typo)).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "NO_PARKING_AREA",
      field: "parking",
      message: `sync: folder:${typo} has no SincroAg and no SincroSede folder, so it is not a parking area: check the folder setting (ftp.dir, sftp.dir, s3.prefix or folder.path); at the office, "sincro parking check" creates them`,
    });
    expect(existsSync(typo)).toBe(false);
    expect(net.sede.log.count()).toBe(before);
    // An agent's order waits on its PC, not in a folder no one reads.
    await net.round();
    exec(net.agent("AG01"), { kind: "AddCustomer", name: "Bar", list: "BASE" });
    mkdirSync(join(net.dir, "other", "SincroAg"), { recursive: true });
    const half = await sync(net.agent("AG01"), new FolderTransport(join(net.dir, "other"))).catch((e: unknown) => e);
    expect(half).toMatchObject({ code: "NO_PARKING_AREA", message: expect.stringContaining("has no SincroSede folder") });
    expect(existsSync(join(net.dir, "other", "SincroAg", "AG01"))).toBe(false);
    expect((await net.sync(net.agent("AG01"))).sent.events).toBe(1);
  });
});
