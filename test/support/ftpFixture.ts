import { Readable } from "node:stream";
import type { FtpTransportOptions } from "../../src/ship/transports/ftpTransport.js";
import { FtpTransport } from "../../src/ship/transports/ftpTransport.js";
import type { TransportFixture } from "../ship/transports/transportContract.js";

/** What a test needs to reach a running FTP server, embedded or real. */
export interface FtpServerAccess {
  host: string;
  port: number;
  user: string;
  password: string;
  secure: boolean | "implicit";
  ca?: string | undefined;
  stop(): Promise<void>;
}

export function ftpOptions(server: FtpServerAccess, extra: Partial<FtpTransportOptions> = {}): FtpTransportOptions {
  const options: FtpTransportOptions = {
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    dir: "/",
    secure: server.secure,
    timeoutMs: 10_000,
    ...extra,
  };
  if (server.ca !== undefined) options.ca = server.ca;
  return options;
}

/**
 * Sends half of the bytes, then fails the upload's source: basic-ftp tears down the data and the
 * control connection, which is what the server sees when a client crashes or a line is cut.
 */
export class FtpTransportDyingHalfway extends FtpTransport {
  protected override uploadSource(bytes: Buffer): Readable {
    let sent = false;
    return new Readable({
      read() {
        if (sent) {
          this.destroy(new Error("upload cut halfway (test)"));
        } else {
          sent = true;
          this.push(bytes.subarray(0, bytes.length >> 1));
        }
      },
    });
  }
}

export function ftpFixture(server: FtpServerAccess): TransportFixture {
  return {
    transport: new FtpTransport(ftpOptions(server)),
    writeBrokenHalfway: async (path, bytes) => {
      const dying = new FtpTransportDyingHalfway(ftpOptions(server));
      try {
        await dying.write(path, bytes);
      } finally {
        await dying.close();
      }
    },
    openAnother: () => new FtpTransport(ftpOptions(server)),
    secret: server.password,
    teardown: () => server.stop(),
  };
}
