import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { startEmbeddedFtpServer } from "../../../src/ship/transports/embeddedFtpServer.js";
import { FtpTransport } from "../../../src/ship/transports/ftpTransport.js";
import { ftpOptions } from "../../support/ftpFixture.js";

function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });
}

describe("startEmbeddedFtpServer", () => {
  it("serves a temporary root on 127.0.0.1 and releases everything on stop", async () => {
    const signalsBefore = process.listenerCount("SIGTERM");
    const server = await startEmbeddedFtpServer();
    expect(process.listenerCount("SIGTERM")).toBe(signalsBefore);
    expect(server.url).toBe(`ftp://sincro@127.0.0.1:${server.port}/`);
    expect(server.url).not.toContain(server.password);

    const transport = new FtpTransport(ftpOptions(server));
    await transport.write("SincroAg/AG01/0000000001.seg", Buffer.from("hello"));
    expect(existsSync(`${server.root}/SincroAg/AG01/0000000001.seg`)).toBe(true);
    // Leave the session open: stop() must end it.
    await server.stop();
    expect(await canListen(server.port)).toBe(true);
    expect(existsSync(server.root)).toBe(false);
    await expect(transport.list("SincroAg/AG01")).rejects.toThrow(/connect to/);
    await transport.close();
  });

  it("refuses a wrong password", async () => {
    const server = await startEmbeddedFtpServer({ user: "agent", password: "right" });
    try {
      const transport = new FtpTransport(ftpOptions(server, { password: "wrong" }));
      await expect(transport.list("")).rejects.toThrow(/log in to .* as "agent": the server replied "530/);
    } finally {
      await server.stop();
    }
  });
});
