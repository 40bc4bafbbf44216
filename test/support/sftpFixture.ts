import { SftpTransport, type SftpTransportOptions } from "../../src/ship/transports/sftpTransport.js";
import type { TransportFixture } from "../ship/transports/transportContract.js";
import type { RunningSshServer } from "./sshServer.js";
import { FtpCuttingProxy } from "./tcpProxy.js";

/** Options reaching `server` with its pinned host key; `login` picks the key or the password. */
export function sftpOptions(
  server: RunningSshServer,
  login: "key" | "password" = "key",
  extra: Partial<SftpTransportOptions> = {},
): SftpTransportOptions {
  const options: SftpTransportOptions = { host: server.host, port: server.port, user: server.user, hostKey: server.hostKey, timeoutMs: 10_000 };
  if (login === "key") options.privateKey = server.privateKey;
  else options.password = server.password;
  return { ...options, ...extra };
}

/** The base64 body of a private key: what must never show in a message. */
export function keySecret(privateKey: string): string {
  const line = privateKey.split("\n").find((text) => text.length > 40 && !text.startsWith("-----"));
  if (line === undefined) throw new Error("no key material in the private key");
  return line;
}

/**
 * The contract fixture over a running sshd. A broken upload goes through a TCP proxy that resets
 * the connection after half the file's bytes, as a crash or a cut line would.
 */
export async function sftpFixture(server: RunningSshServer, login: "key" | "password"): Promise<TransportFixture> {
  const proxy = await FtpCuttingProxy.start({ host: server.host, port: server.port }, { protocol: "tcp" });
  return {
    transport: new SftpTransport(sftpOptions(server, login)),
    writeBrokenHalfway: async (path, bytes) => {
      proxy.arm({ direction: "upload", skip: 0, afterBytes: bytes.length >> 1 });
      const cut = new SftpTransport(sftpOptions(server, login, { host: proxy.host, port: proxy.port }));
      try {
        await cut.write(path, bytes);
      } finally {
        await cut.close();
        if (!proxy.disarm()) throw new Error("the proxy never cut the upload");
      }
    },
    openAnother: () => new SftpTransport(sftpOptions(server, login)),
    secret: login === "password" ? server.password : keySecret(server.privateKey),
    teardown: async () => {
      await proxy.stop();
      await server.stop();
    },
  };
}
