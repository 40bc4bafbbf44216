// FTPS by default, the server's certificate pinned at the office and carried to the agents by
// enrollment; plain FTP only when asked for by name, with a warning at every sync. Real servers:
// Debian's vsftpd (explicit FTPS, a self-signed certificate) and the embedded ftp-srv (plain).
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedFtpServer, type EmbeddedFtpServer } from "../../src/ship/transports/embeddedFtpServer.js";
import { sincroAsync, type CliResult } from "../support/cli.js";
import { startVsftpd, type RunningFtpServer } from "../support/ftpServers.js";
import { tempDir } from "../support/tempDir.js";

let vsftpd: RunningFtpServer;
let plain: EmbeddedFtpServer;

beforeAll(async () => {
  vsftpd = await startVsftpd({ tls: true });
  plain = await startEmbeddedFtpServer();
});

afterAll(async () => {
  await vsftpd?.stop();
  await plain?.stop();
});

const PASS = { SINCRO_PASSPHRASE: "frase di prova" };

async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await sincroAsync(args, env);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

async function sedeFor(server: { host: string; port: number; user: string; password: string }, extra: Record<string, string> = {}): Promise<{ dir: string; sede: string }> {
  const dir = tempDir();
  const sede = join(dir, "sede.db");
  await ok(["--db", sede, "init", "--role", "sede"]);
  const settings = { transport: "ftp", "ftp.host": server.host, "ftp.port": String(server.port), "ftp.user": server.user, "ftp.password": server.password, "ftp.dir": "/", ...extra };
  for (const [k, v] of Object.entries(settings)) await ok(["--db", sede, "config", "set", k, v]);
  await ok(["--db", sede, "agent", "add", "AG01", "--name", "Mario"]);
  return { dir, sede };
}

describe("FTPS by default", () => {
  // Twelve runs of the CLI, two passphrase derivations (scrypt) and a TLS handshake each: on two
  // busy cores this took over the default minute. The timeout guards against a hang only.
  it("the office's parking check pins the certificate; enrollment carries the pin; a changed certificate is refused before the password is sent", { timeout: 180_000 }, async () => {
    const { dir, sede } = await sedeFor(vsftpd);
    const expected = new X509Certificate(vsftpd.ca as string).fingerprint256;
    const check = await ok(["--db", sede, "parking", "check"]);
    expect(check).toContain(`pinned the FTPS certificate the server presented: SHA-256 ${expected}`);
    expect(await ok(["--db", sede, "config", "show"])).toContain(expected);
    await ok(["--db", sede, "sync"]);

    const agent = join(dir, "agent.db");
    await ok(["--db", sede, "agent", "enroll", "AG01", "--out", join(dir, "AG01.enroll")], PASS);
    await ok(["--db", agent, "init", "--enroll", join(dir, "AG01.enroll")], PASS);
    expect(await ok(["--db", agent, "config", "show"])).toContain(expected);
    await ok(["--db", sede, "sync"]);
    const synced = await ok(["--db", agent, "sync"]);
    expect(synced).not.toContain("warning");

    // Another certificate than the pinned one (as an impostor's would be): refused, exit 3.
    const other = `${expected.slice(0, -2)}${expected.endsWith("00") ? "11" : "00"}`;
    await ok(["--db", agent, "config", "set", "ftp.tls-fingerprint", other]);
    const refused: CliResult = await sincroAsync(["--db", agent, "sync"]);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain(`the server's certificate changed: it presents SHA-256 ${expected}, but ftp.tls-fingerprint pins ${other}; refusing to send the password`);
    expect(refused.stderr + refused.stdout).not.toContain(vsftpd.password);
  });

  it("a server without FTPS is refused unless plain FTP is set by name; then every sync warns", async () => {
    const { sede } = await sedeFor(plain);
    const refused = await sincroAsync(["--db", sede, "sync"]);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toMatch(/the server does not offer FTPS \(it answered AUTH TLS with \d+\); to use plain FTP anyway, where the password travels unencrypted, run "sincro config set ftp.secure false"/);
    await ok(["--db", sede, "config", "set", "ftp.secure", "false"]);
    expect(await ok(["--db", sede, "parking", "check"])).toContain("warning: plain FTP");
    const synced = await ok(["--db", sede, "sync"]);
    expect(synced).toContain(`warning: plain FTP to ${plain.host}: the password and the files travel unencrypted on the network (ftp.secure false)`);
  });
});
