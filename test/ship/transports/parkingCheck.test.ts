import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FolderTransport } from "../../../src/ship/transports/folderTransport.js";
import { checkParkingArea } from "../../../src/ship/transports/parkingCheck.js";

describe("checkParkingArea on a folder", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "sincro-check-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("passes every step on a writable folder, creates both areas and leaves no probe behind", async () => {
    const report = await checkParkingArea(new FolderTransport(root));
    expect(report.steps.filter((step) => step.status !== "ok")).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.steps.map((step) => step.step)).toContain("replace the file in SincroSede by writing onto its name");
    expect((await readdir(root)).sort()).toEqual(["SincroAg", "SincroSede"]);
    expect(await readdir(join(root, "SincroAg"))).toEqual([]);
    expect(await readdir(join(root, "SincroSede"))).toEqual([]);
  });

  it("says which folder cannot be created and skips what depends on it", async () => {
    // Root ignores permission bits, so block the folder with a file of the same name instead.
    await writeFile(join(root, "SincroAg"), "not a folder");
    await mkdir(join(root, "SincroSede"));
    const report = await checkParkingArea(new FolderTransport(root));
    expect(report.ok).toBe(false);
    const failed = report.steps.find((step) => step.status === "failed");
    expect(failed?.step).toBe("create folder SincroAg");
    expect(failed?.detail).toMatch(/^cannot create folder SincroAg: /);
    expect(report.steps.filter((step) => step.step.includes("SincroAg") && step.status === "skipped")).toHaveLength(6);
    expect(report.steps.filter((step) => step.step.includes("SincroSede")).every((step) => step.status === "ok")).toBe(true);
  });
});
