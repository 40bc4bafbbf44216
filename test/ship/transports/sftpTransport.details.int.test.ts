// SftpTransport behaviour beyond the shared contract: requests per call, the pinned host key,
// login failures, reconnection after a cut, the root folder, and what its errors say.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { connect, createServer, type Server, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { TransportError } from "../../../src/errors.js";
import { SftpTransport } from "../../../src/ship/transports/sftpTransport.js";
import { freePort } from "../../support/daemon.js";
import { keySecret, sftpOptions } from "../../support/sftpFixture.js";
import { startSshd, type RunningSshServer } from "../../support/sshServer.js";
import { FtpCuttingProxy } from "../../support/tcpProxy.js";

async function using(start: Promise<RunningSshServer>, body: (server: RunningSshServer) => Promise<void>): Promise<void> {
  const server = await start;
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

async function failure(action: Promise<unknown>): Promise<TransportError> {
  const error = await action.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

describe.sequential("SftpTransport details", () => {
  it("sends few requests per call on an open session", () =>
    using(startSshd(), async (server) => {
      const transport = new SftpTransport(sftpOptions(server));
      const cost = async (action: () => Promise<unknown>) => {
        const before = transport.stats().commands;
        await action();
        return transport.stats().commands - before;
      };
      await transport.ensureDir("SincroAg/AG01");
      expect({
        ensureDirExisting: await cost(() => transport.ensureDir("SincroAg/AG01")),
        write: await cost(() => transport.write("SincroAg/AG01/0000000001.seg", Buffer.from("segment"))),
        list: await cost(() => transport.list("SincroAg/AG01")),
        listDirs: await cost(() => transport.listDirs("SincroAg")),
        read: await cost(() => transport.read("SincroAg/AG01/0000000001.seg")),
        readMissing: await cost(() => transport.read("SincroAg/AG01/0000000002.seg")),
        delete: await cost(() => transport.delete("SincroAg/AG01/0000000001.seg")),
        deleteMissing: await cost(() => transport.delete("SincroAg/AG01/0000000001.seg")),
        listMissing: await cost(() => transport.list("SincroAg/AG02")),
      }).toEqual({ ensureDirExisting: 1, write: 5, list: 4, listDirs: 4, read: 4, readMissing: 1, delete: 1, deleteMissing: 1, listMissing: 1 });
      await transport.close();
    }));

  it("sends the requests about one file together: a listing and a download wait 2 round trips, an upload 3", () =>
    using(startSshd(), async (server) => {
      const wire = await TurnCounter.start(server.port);
      const transport = new SftpTransport(sftpOptions(server, "key", { port: wire.port }));
      try {
        await transport.write("SincroAg/AG01/0000000001.seg", Buffer.from("segment"));
        const turns = async (action: () => Promise<unknown>) => {
          await new Promise((ok) => setTimeout(ok, 100)); // the last call's unwaited CLOSE answered
          const before = wire.turns;
          await action();
          return wire.turns - before;
        };
        // A turn: the client sends after the server answered. A CLOSE not waited for leaves
        // after the call returned, so it is not counted (nothing waits for it).
        expect({
          write: await turns(() => transport.write("SincroAg/AG01/0000000002.seg", Buffer.from("segment"))),
          list: await turns(() => transport.list("SincroAg/AG01")),
          read: await turns(() => transport.read("SincroAg/AG01/0000000001.seg")),
          delete: await turns(() => transport.delete("SincroAg/AG01/0000000001.seg")),
        }).toEqual({ write: 3, list: 2, read: 2, delete: 1 });
      } finally {
        await transport.close();
        await wire.stop();
      }
    }));

  it("refuses a server whose host key is not the pinned one, naming both fingerprints", async () => {
    const [pinnedServer, otherServer] = await Promise.all([startSshd(), startSshd()]);
    try {
      const transport = new SftpTransport(sftpOptions(otherServer, "password", { hostKey: pinnedServer.hostKey }));
      const error = await failure(transport.list(""));
      expect(error.code).toBe("TRANSPORT_HOST_KEY");
      expect(error.exitCode).toBe(3);
      expect(error.message).toBe(
        `connect to sftp://sincrosftp@127.0.0.1:${otherServer.port}/~: the server's host key changed: it presents the ssh-ed25519 key ${otherServer.hostKey}, ` +
          `but sftp.host-key pins ${pinnedServer.hostKey}; refusing to connect. If the server was reinstalled or its key replaced on purpose, ` +
          `check the new fingerprint with its administrator and pin it with "sincro config set sftp.host-key ${otherServer.hostKey}" ` +
          `(or ?host-key=${otherServer.hostKey} in an sftp:// URL); otherwise someone may be impersonating the server`,
      );
      expect(error.message).not.toContain(otherServer.password);
      // Refused before logging in: the impostor never saw the password.
      expect(otherServer.log()).not.toMatch(/Failed password|Accepted password/);
    } finally {
      await Promise.all([pinnedServer.stop(), otherServer.stop()]);
    }
  });

  it("without a pinned host key refuses to connect and prints the fingerprint ssh-keygen shows, which then works", () =>
    using(startSshd(), async (server) => {
      const unpinned = new SftpTransport(sftpOptions(server, "key", { hostKey: undefined }));
      const error = await failure(unpinned.write("a/x", Buffer.from("1")));
      expect(error.code).toBe("TRANSPORT_HOST_KEY");
      expect(error.message).toMatch(/^connect to sftp:\/\/sincrosftp@127\.0\.0\.1:\d+\/~: the server's host key is not pinned, so sincro cannot tell the server from an impostor; it presents the ssh-ed25519 key SHA256:/);
      expect(error.message).toContain(`pin it with "sincro config set sftp.host-key ${server.hostKey}"`);
      expect(await readdir(server.root)).toEqual([]);
      const pinned = new SftpTransport(sftpOptions(server, "key", { hostKey: server.hostKey }));
      await pinned.write("a/x", Buffer.from("1"));
      expect(await readFile(join(server.root, "a", "x"), "utf8")).toBe("1");
      await pinned.close();
    }));

  it("says the login was refused, never showing the password or the key", () =>
    using(startSshd(), async (server) => {
      const wrongPassword = "not-the-password-7f3a";
      const byPassword = await failure(new SftpTransport(sftpOptions(server, "password", { password: wrongPassword })).list(""));
      expect(byPassword.code).toBe("TRANSPORT_LOGIN");
      expect(byPassword.message).toBe(
        `log in to sftp://sincrosftp@127.0.0.1:${server.port}/~ as "sincrosftp": All configured authentication methods failed ` +
          "(the server refused the password: check the SFTP user name and password)",
      );
      expect(byPassword.message).not.toContain(wrongPassword);
      expect(String(byPassword.cause)).not.toContain(wrongPassword);

      const other = await startSshd();
      try {
        // A real key, but not one the server's authorized_keys holds.
        const byKey = await failure(new SftpTransport(sftpOptions(server, "key", { privateKey: other.privateKey })).list(""));
        expect(byKey.code).toBe("TRANSPORT_LOGIN");
        expect(byKey.message).toMatch(/the server refused the key: check the SFTP user name, and that the key's public half is in the user's authorized_keys on the server\)$/);
        expect(byKey.message).not.toContain(keySecret(other.privateKey));
      } finally {
        await other.stop();
      }
    }));

  it("with both a key and a password, logs in with the key and never sends the password", () =>
    using(startSshd(), async (server) => {
      const transport = new SftpTransport(sftpOptions(server, "key", { password: "wrong-but-never-sent" }));
      expect(await transport.list("")).toEqual([]);
      await transport.close();
      expect(server.log()).toMatch(/Accepted publickey for sincrosftp/);
      expect(server.log()).not.toMatch(/password/);
    }));

  it("connects again on the next call after the connection was cut in the middle of a download", () =>
    using(startSshd(), async (server) => {
      const big = Buffer.alloc(1024 * 1024, 7);
      const direct = new SftpTransport(sftpOptions(server));
      await direct.write("SincroSede/_ALL/0000000001.snap", big);
      await direct.close();

      const proxy = await FtpCuttingProxy.start({ host: server.host, port: server.port }, { protocol: "tcp" });
      try {
        const transport = new SftpTransport(sftpOptions(server, "key", { host: proxy.host, port: proxy.port }));
        proxy.arm({ direction: "download", skip: 0, afterBytes: 300_000 });
        const cut = await failure(transport.read("SincroSede/_ALL/0000000001.snap"));
        expect(proxy.disarm()).toBe(true);
        expect(cut.message).toMatch(/^download SincroSede\/_ALL\/0000000001\.snap on sftp:\/\/sincrosftp@127\.0\.0\.1:\d+\/~: .*the connection was cut; the next call connects again/);
        expect((await transport.read("SincroSede/_ALL/0000000001.snap"))?.equals(big)).toBe(true);
        expect(proxy.connections).toBe(2);
        await transport.close();
      } finally {
        await proxy.stop();
      }
    }));

  it("gives up on a server that stops answering, and connects again on the next call", () =>
    using(startSshd(), async (server) => {
      const transport = new SftpTransport(sftpOptions(server, "key", { timeoutMs: 1500 }));
      await transport.write("a/x", Buffer.from("1"));
      // The processes serving this connection stop, as a hung server would; the listener still answers.
      const frozen = await server.sessionProcesses();
      expect(frozen.length).toBeGreaterThan(0);
      for (const pid of frozen) process.kill(pid, "SIGSTOP");
      try {
        const error = await failure(transport.read("a/x"));
        expect(error.message).toMatch(/^download a\/x on sftp:\/\/sincrosftp@127\.0\.0\.1:\d+\/~: no answer to an SFTP request within 2 s \(the server stopped answering; the next call connects again\)$/);
        expect((await transport.read("a/x"))?.toString()).toBe("1");
        await transport.close();
      } finally {
        for (const pid of frozen) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // Already gone.
          }
        }
      }
    }));

  it("keeps the parking area in a subfolder, given absolute or relative to the login folder", () =>
    using(startSshd(), async (server) => {
      // The test server's users log in to /park inside their chroot, which is server.root.
      const absolute = new SftpTransport(sftpOptions(server, "key", { dir: "/park/area/" }));
      await absolute.write("SincroAg/AG01/0000000001.seg", Buffer.from("x"));
      await absolute.close();
      expect(await readdir(join(server.root, "area", "SincroAg", "AG01"))).toEqual(["0000000001.seg"]);
      const relative = new SftpTransport(sftpOptions(server, "key", { dir: "area" }));
      expect(relative.describe).toBe(`sftp://sincrosftp@127.0.0.1:${server.port}/~/area`);
      expect(await relative.list("SincroAg/AG01")).toEqual([{ name: "0000000001.seg", size: 1 }]);
      expect(await relative.listDirs("")).toEqual(["SincroAg"]);
      await relative.close();
      // The chroot's / belongs to root: the parking area's own folder cannot be made there.
      const outside = new SftpTransport(sftpOptions(server, "key", { dir: "/nowhere" }));
      const error = await failure(outside.ensureDir("SincroAg"));
      expect(error.message).toMatch(
        /^create folder SincroAg on sftp:\/\/sincrosftp@127\.0\.0\.1:\d+\/nowhere: the server replied "Permission denied" \(SFTP status 3\) \(the SFTP user needs permission to create folders here\)$/,
      );
      await outside.close();
    }));

  it("says that nothing answers when the port is closed", async () => {
    const closedPort = await freePort();
    const transport = new SftpTransport({ host: "127.0.0.1", port: closedPort, user: "u", password: "secret-pw", hostKey: "SHA256:qPQMihTsFdn9JNKoj8zGGIvrlOmxm1R/xWGf/zc07QM", timeoutMs: 2000 });
    const error = await failure(transport.read("a/b"));
    expect(error.exitCode).toBe(3);
    expect(error.code).toBe("TRANSPORT_CONNECT");
    expect(error.message).toMatch(/^connect to sftp:\/\/u@127\.0\.0\.1:\d+\/~: .*ECONNREFUSED.*is the SSH server running/);
    expect(error.message).not.toContain("secret-pw");
  });
});

/**
 * A TCP relay to 127.0.0.1:`target` that counts turns: data from the client after data from the
 * server. Answers are held 30 ms, so requests sent together reach the server before any answer.
 */
class TurnCounter {
  turns = 0;
  port = 0;
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server) {}

  static async start(target: number): Promise<TurnCounter> {
    let counter: TurnCounter | undefined;
    const server = createServer((client) => {
      const c = counter as TurnCounter;
      const upstream = connect(target, "127.0.0.1");
      for (const s of [client, upstream]) {
        s.setNoDelay(true);
        c.sockets.add(s);
        s.on("error", () => undefined);
        s.on("close", () => (s === client ? upstream : client).destroy());
      }
      let answered = true;
      client.on("data", (chunk) => {
        if (answered) c.turns++;
        answered = false;
        upstream.write(chunk);
      });
      upstream.on("data", (chunk) => {
        setTimeout(() => {
          answered = true;
          if (!client.destroyed) client.write(chunk);
        }, 30);
      });
    });
    counter = new TurnCounter(server);
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    counter.port = (server.address() as { port: number }).port;
    return counter;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((ok) => this.server.close(ok));
  }
}
