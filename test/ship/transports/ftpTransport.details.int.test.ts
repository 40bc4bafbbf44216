// FtpTransport behaviour beyond the shared contract: command economy, reconnection, TLS modes,
// root folder handling and error messages.
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { TransportError } from "../../../src/errors.js";
import { startEmbeddedFtpServer } from "../../../src/ship/transports/embeddedFtpServer.js";
import { FtpTransport } from "../../../src/ship/transports/ftpTransport.js";
import type { FtpServerAccess } from "../../support/ftpFixture.js";
import { ftpOptions } from "../../support/ftpFixture.js";
import { startPureFtpd, startVsftpd, testCertificate } from "../../support/ftpServers.js";

async function using<S extends FtpServerAccess>(start: Promise<S>, body: (server: S) => Promise<void>): Promise<void> {
  const server = await start;
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

/** Commands each call costs on an open session (FTP commands per operation). */
async function commandCosts(transport: FtpTransport) {
  const cost = async (action: () => Promise<unknown>) => {
    const before = transport.stats().commands;
    await action();
    return transport.stats().commands - before;
  };
  const login = await cost(() => transport.ensureDir("SincroAg/AG01"));
  return {
    sessionSetupAndFirstEnsureDir: login,
    ensureDirExisting: await cost(() => transport.ensureDir("SincroAg/AG01")),
    write: await cost(() => transport.write("SincroAg/AG01/0000000001.seg", Buffer.from("segment"))),
    list: await cost(() => transport.list("SincroAg/AG01")),
    listDirs: await cost(() => transport.listDirs("SincroAg")),
    read: await cost(() => transport.read("SincroAg/AG01/0000000001.seg")),
    readMissing: await cost(() => transport.read("SincroAg/AG01/0000000002.seg")),
    delete: await cost(() => transport.delete("SincroAg/AG01/0000000001.seg")),
    deleteMissing: await cost(() => transport.delete("SincroAg/AG01/0000000001.seg")),
    close: await cost(() => transport.close()),
  };
}

describe.sequential("FtpTransport details", () => {
  it.each([
    ["vsftpd", () => startVsftpd(), 1],
    ["vsftpd explicit FTPS", () => startVsftpd({ tls: true }), 3],
    ["pure-ftpd", () => startPureFtpd(), 1],
    ["pure-ftpd explicit FTPS", () => startPureFtpd({ tls: true }), 3],
    ["ftp-srv", () => startEmbeddedFtpServer(), 1],
  ] as const)("sends few commands per call on %s", (_name, start, setup) =>
    using<FtpServerAccess>(start(), async (server) => {
      const costs = await commandCosts(new FtpTransport(ftpOptions(server)));
      // The session set-up (TYPE I, with TLS also PBSZ and PROT) is paid once per connection.
      expect(costs.sessionSetupAndFirstEnsureDir - setup).toBeLessThanOrEqual(4);
      expect(costs).toMatchObject({ write: 4, list: 2, read: 2, readMissing: 3, delete: 1, deleteMissing: 2, close: 1 });
      expect(costs.ensureDirExisting).toBeLessThanOrEqual(2);
      expect(costs.listDirs).toBe(2);
    }),
  );

  it("connects again on the next call after the server dropped the connection", () =>
    using(startVsftpd({ vsftpdSettings: { idle_session_timeout: "1" } }), async (server) => {
      const transport = new FtpTransport(ftpOptions(server));
      await transport.write("a/x", Buffer.from("1"));
      await new Promise((wait) => setTimeout(wait, 2500));
      const before = transport.stats().commands;
      expect((await transport.read("a/x"))?.toString()).toBe("1");
      // TYPE I again, then EPSV and RETR: a new session was opened.
      expect(transport.stats().commands - before).toBe(3);
      await transport.close();
    }));

  it("works with implicit FTPS (ftp-srv) and with a self-signed certificate when allowed", async () => {
    const cert = await testCertificate();
    await using(startEmbeddedFtpServer({ tls: { key: cert.key, cert: cert.cert, implicit: true } }), async (server) => {
      expect(server.secure).toBe("implicit");
      const trusting = new FtpTransport(ftpOptions(server, { allowSelfSigned: true }));
      await trusting.write("SincroSede/_ALL/0000000001.snap", Buffer.from("snapshot"));
      await trusting.close();
      const pinned = new FtpTransport({ ...ftpOptions(server), ca: cert.cert });
      expect((await pinned.read("SincroSede/_ALL/0000000001.snap"))?.toString()).toBe("snapshot");
      await pinned.close();
    });
  });

  it("refuses an untrusted certificate, saying what to do", () =>
    using(startPureFtpd({ tls: true }), async (server) => {
      const transport = new FtpTransport({ ...ftpOptions(server), ca: undefined });
      const error = await transport.list("").catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).code).toBe("TRANSPORT_CONNECT");
      expect((error as Error).message).toMatch(/^connect to ftp:\/\/sincro@127\.0\.0\.1:\d+\/ \(TLS\): .*certificate.*not trusted/);
    }));

  it("keeps the parking area in a subfolder, given absolute or relative to the login folder", () =>
    using(startPureFtpd(), async (server) => {
      const absolute = new FtpTransport(ftpOptions(server, { dir: "/parking/area" }));
      await absolute.write("SincroAg/AG01/0000000001.seg", Buffer.from("x"));
      await absolute.close();
      const relative = new FtpTransport(ftpOptions(server, { dir: "parking/area/" }));
      expect(await relative.list("SincroAg/AG01")).toEqual([{ name: "0000000001.seg", size: 1 }]);
      await relative.close();
      const atRoot = new FtpTransport(ftpOptions(server, { dir: "/" }));
      expect(await atRoot.list("parking/area/SincroAg/AG01")).toEqual([{ name: "0000000001.seg", size: 1 }]);
      await atRoot.close();
    }));

  it("says that nothing answers when the port is closed", async () => {
    const closedPort = await new Promise<number>((done) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => done(port));
      });
    });
    const transport = new FtpTransport({ host: "127.0.0.1", port: closedPort, user: "u", password: "secret-pw", timeoutMs: 2000 });
    const error = await transport.read("a/b").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(/^connect to ftp:\/\/u@127\.0\.0\.1:\d+\/: .*ECONNREFUSED.*is the FTP server running/);
    expect((error as Error).message).not.toContain("secret-pw");
  });
});
