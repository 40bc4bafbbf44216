import { mkdir, chown, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FtpTransport } from "../../../src/ship/transports/ftpTransport.js";
import { checkParkingArea } from "../../../src/ship/transports/parkingCheck.js";
import type { CheckReport } from "../../../src/ship/transports/parkingCheck.js";
import { ftpOptions } from "../../support/ftpFixture.js";
import type { RunningFtpServer } from "../../support/ftpServers.js";
import { startPureFtpd, startVsftpd } from "../../support/ftpServers.js";

async function withServer(start: Promise<RunningFtpServer>, body: (server: RunningFtpServer) => Promise<void>) {
  const server = await start;
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

/** Folders made on the server's disk, owned by the FTP user, as an administrator would. */
async function makeAreas(server: RunningFtpServer): Promise<void> {
  const owner = await stat(server.root);
  for (const area of ["SincroAg", "SincroSede"]) {
    await mkdir(join(server.root, area));
    await chown(join(server.root, area), owner.uid, owner.gid);
  }
}

const failures = (report: CheckReport) => report.steps.filter((step) => step.status === "failed");

describe.sequential("checkParkingArea over FTP", () => {
  it("passes on vsftpd with explicit FTPS and cleans up", () =>
    withServer(startVsftpd({ tls: true }), async (server) => {
      const report = await checkParkingArea(new FtpTransport(ftpOptions(server)));
      expect(failures(report)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(await readdir(join(server.root, "SincroAg"))).toEqual([]);
      expect(await readdir(join(server.root, "SincroSede"))).toEqual([]);
    }));

  it("reports a login refused with the reason, and skips the rest", () =>
    withServer(startVsftpd(), async (server) => {
      const report = await checkParkingArea(new FtpTransport(ftpOptions(server, { password: "wrong-password" })));
      expect(report.ok).toBe(false);
      expect(failures(report)).toHaveLength(1);
      expect(failures(report)[0]?.detail).toMatch(/530.*check the FTP user name and password/);
      expect(failures(report)[0]?.detail).not.toContain("wrong-password");
      expect(report.steps.filter((step) => step.status === "skipped")).toHaveLength(2);
    }));

  it("on a read-only account (vsftpd write_enable=NO): cannot create the folders", () =>
    withServer(startVsftpd({ deny: "write" }), async (server) => {
      const report = await checkParkingArea(new FtpTransport(ftpOptions(server)));
      expect(failures(report).map((step) => step.step)).toEqual(["create folder SincroAg", "create folder SincroSede"]);
      expect(failures(report)[0]?.detail).toMatch(/^cannot create folder SincroAg: the FTP user needs permission to create folders/);
      expect(failures(report)[0]?.detail).toMatch(/550/);
    }));

  it("on a read-only account with the folders made by hand: cannot create files", () =>
    withServer(startVsftpd({ deny: "write" }), async (server) => {
      await makeAreas(server);
      const report = await checkParkingArea(new FtpTransport(ftpOptions(server)));
      const failed = failures(report);
      expect(failed.map((step) => step.step)).toEqual(["upload a file into SincroAg", "upload a file into SincroSede"]);
      expect(failed[0]?.detail).toMatch(/^cannot create files in SincroAg: the FTP user needs write permission/);
      expect(report.steps.find((step) => step.step === "list SincroAg")?.status).toBe("ok");
      expect(report.steps.find((step) => step.step === "read the file back from SincroAg")?.status).toBe("skipped");
    }));

  it("on an account that may not delete (pure-ftpd -K): reports the delete and the probe left behind", () =>
    withServer(startPureFtpd({ deny: "delete" }), async (server) => {
      const report = await checkParkingArea(new FtpTransport(ftpOptions(server)));
      const failed = failures(report).map((step) => step.step);
      expect(failed).toContain("delete the file from SincroAg");
      expect(failures(report).find((step) => step.step === "delete the file from SincroAg")?.detail).toMatch(
        /^cannot delete files in SincroAg: the FTP user needs delete permission/,
      );
      expect(failed).toContain("remove the probe files from SincroAg");
      expect(report.ok).toBe(false);
    }));
});
