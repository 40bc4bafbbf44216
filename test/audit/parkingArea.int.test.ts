// The audit reads a parking area through the same FTP adapter as the sync, so every way the sync
// can reach a server (explicit or implicit FTPS, the server's own certificate pinned) works for
// the audit too.
import { describe, expect, it } from "vitest";
import { auditParkingArea, discoverStreams } from "../../src/audit/auditSources.js";
import { startEmbeddedFtpServer } from "../../src/ship/transports/embeddedFtpServer.js";
import { FtpTransport } from "../../src/ship/transports/ftpTransport.js";
import { ftpOptions, type FtpServerAccess } from "../support/ftpFixture.js";
import { startVsftpd, testCertificate } from "../support/ftpServers.js";
import { exec, Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

async function auditOver(server: FtpServerAccess & { root: string }, ca: string): Promise<void> {
  const area = { name: "ftps", root: server.root, open: () => new FtpTransport({ ...ftpOptions(server), ca }), stop: () => server.stop() };
  const net = new Network(tempDir(), area, ["AG01"]);
  exec(net.sede, { kind: "RegisterAgent", code: "AG01", name: "Mario" }, { kind: "AddProduct", code: "P001", description: "Olio", vat: "4" });
  await net.round();
  const transport = area.open();
  try {
    const report = await auditParkingArea(transport, await discoverStreams(transport), {});
    expect(report.findings.filter((f) => f.severity === "violation")).toEqual([]);
    expect(report.parking?.streams.map((s) => s.stream)).toEqual(["SEDE>AG01", "SEDE>*", "AG01>SEDE"]);
    expect(report.source.path).not.toContain(server.password);
  } finally {
    await transport.close();
  }
}

describe("audit of a parking area over FTPS, the server's certificate pinned", () => {
  it("explicit FTPS (vsftpd)", async () => {
    const server = await startVsftpd({ tls: true });
    try {
      await auditOver(server, server.ca as string);
    } finally {
      await server.stop();
    }
  });

  it("implicit FTPS (ftp-srv)", async () => {
    const cert = await testCertificate();
    const server = await startEmbeddedFtpServer({ tls: { key: cert.key, cert: cert.cert, implicit: true } });
    try {
      expect(server.secure).toBe("implicit");
      await auditOver(server, cert.cert);
    } finally {
      await server.stop();
    }
  });
});
