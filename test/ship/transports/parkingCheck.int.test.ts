import { mkdir, chown, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FtpTransport } from "../../../src/ship/transports/ftpTransport.js";
import { checkParkingArea } from "../../../src/ship/transports/parkingCheck.js";
import type { CheckReport } from "../../../src/ship/transports/parkingCheck.js";
import { ftpOptions } from "../../support/ftpFixture.js";
import { startPureFtpd, startVsftpd } from "../../support/ftpServers.js";
import { sftpOptions } from "../../support/sftpFixture.js";
import { startSshd, type RunningSshServer } from "../../support/sshServer.js";
import { SftpTransport } from "../../../src/ship/transports/sftpTransport.js";

async function withServer<S extends { stop(): Promise<void> }>(start: Promise<S>, body: (server: S) => Promise<void>) {
  const server = await start;
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

/** Folders made on the server's disk, owned by the FTP user, as an administrator would. */
async function makeAreas(server: { root: string }): Promise<void> {
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

describe.sequential("checkParkingArea over SFTP (OpenSSH sshd)", () => {
  const check = (server: RunningSshServer, extra: Parameters<typeof sftpOptions>[2] = {}) =>
    checkParkingArea(new SftpTransport(sftpOptions(server, "key", extra)));

  it("passes and cleans up", () =>
    withServer(startSshd(), async (server) => {
      const report = await check(server);
      expect(failures(report)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.target).toBe(`sftp://sincrosftp@127.0.0.1:${server.port}/~`);
      expect(await readdir(join(server.root, "SincroAg"))).toEqual([]);
      expect(await readdir(join(server.root, "SincroSede"))).toEqual([]);
    }));

  it("reports a host key that is not the pinned one, and skips the rest", () =>
    withServer(startSshd(), async (server) => {
      const report = await check(server, { hostKey: "SHA256:qPQMihTsFdn9JNKoj8zGGIvrlOmxm1R/xWGf/zc07QM" });
      expect(failures(report)).toHaveLength(1);
      expect(failures(report)[0]?.detail).toMatch(/^cannot reach the parking area: connect to .*: the server's host key changed: it presents the ssh-ed25519 key SHA256:\S+, but sftp.host-key pins SHA256:qPQM/);
      expect(report.steps.filter((step) => step.status === "skipped")).toHaveLength(2);
    }));

  it("on a read-only account (internal-sftp -R): cannot create the folders", () =>
    withServer(startSshd({ sftpFlags: ["-R"] }), async (server) => {
      const report = await check(server);
      expect(failures(report).map((step) => step.step)).toEqual(["create folder SincroAg", "create folder SincroSede"]);
      expect(failures(report)[0]?.detail).toMatch(
        /^cannot create folder SincroAg: the SFTP user needs permission to create folders in the parking area \(or create SincroAg by hand\)\. create folder SincroAg on .*Permission denied/,
      );
    }));

  it("on a read-only account with the folders made by hand: cannot create files", () =>
    withServer(startSshd({ sftpFlags: ["-R"] }), async (server) => {
      await makeAreas(server);
      const report = await check(server);
      const failed = failures(report);
      expect(failed.map((step) => step.step)).toEqual(["upload a file into SincroAg", "upload a file into SincroSede"]);
      expect(failed[0]?.detail).toMatch(/^cannot create files in SincroAg: the SFTP user needs write permission there \(upload, and rename of its own files with posix-rename@openssh\.com\)\./);
      expect(report.steps.find((step) => step.step === "list SincroAg")?.status).toBe("ok");
    }));

  it("on a server that refuses posix-rename (internal-sftp -P posix-rename): says so, and leaves no upload behind", () =>
    withServer(startSshd({ sftpFlags: ["-P", "posix-rename"] }), async (server) => {
      const report = await check(server);
      const failed = failures(report);
      expect(failed.map((step) => step.step)).toEqual(["upload a file into SincroAg", "upload a file into SincroSede"]);
      expect(failed[0]?.detail).toMatch(
        /^cannot put an uploaded file in place in SincroAg: the server refuses or lacks posix-rename@openssh\.com, the one-step rename sincro needs/,
      );
      expect(await readdir(join(server.root, "SincroAg"))).toEqual([]);
      expect(await readdir(join(server.root, "SincroSede"))).toEqual([]);
    }));
});
