// The real binary configured for SFTP with `config set`: the host key to pin, `parking check`,
// a sync each way and `audit --sftp`, against a private OpenSSH sshd. No password is ever printed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sincroAsync, type CliResult } from "../support/cli.js";
import { startSshd, type RunningSshServer } from "../support/sshServer.js";

let server: RunningSshServer;
const dir = mkdtempSync(join(tmpdir(), "sincro-cli-sftp-"));
const sede = join(dir, "sede.db");
const agent = join(dir, "agent.db");

const run = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => sincroAsync(args, env);
async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await run(args, env);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  server = await startSshd();
  await ok(["--db", sede, "init", "--role", "sede"]);
  const common = { transport: "sftp", "sftp.host": server.host, "sftp.port": String(server.port), "sftp.user": server.user };
  // The sede logs in with a key file; the agent with a password kept in its configuration.
  for (const [k, v] of Object.entries({ ...common, "sftp.key": server.privateKeyFile })) await ok(["--db", sede, "config", "set", k, v]);
  await ok(["--db", sede, "agent", "add", "AG01", "--name", "Mario"]);
  const file = join(dir, "AG01.enroll");
  await ok(["--db", sede, "agent", "enroll", "AG01", "--out", file], { SINCRO_PASSPHRASE: "frase di prova" });
  await ok(["--db", agent, "init", "--enroll", file], { SINCRO_PASSPHRASE: "frase di prova" });
  // The enrollment carried the server, not the office's key file (a path on the office's PC).
  const carried = await ok(["--db", agent, "config", "show"]);
  expect(carried).toContain(`sftp.host`);
  expect(carried).not.toContain("sftp.key");
  await ok(["--db", agent, "config", "set", "sftp.password", server.password]);
  await ok(["--db", sede, "product", "add", "P001", "--description", "Olio"]);
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the sftp transport on the command line", () => {
  it("refuses a server whose host key is not pinned, printing the fingerprint to pin; refuses a malformed one", async () => {
    const unpinned = await run(["--db", sede, "parking", "check"]);
    expect(unpinned.status).toBe(3);
    expect(unpinned.stdout).toContain(`the server's host key is not pinned`);
    expect(unpinned.stdout).toContain(`pin it with "sincro config set sftp.host-key ${server.hostKey}"`);

    const bad = await run(["--db", sede, "config", "set", "sftp.host-key", "ab:cd:ef"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/config sftp.host-key "ab:cd:ef" is not a host key fingerprint: expected SHA256: and 43 base64 characters/);
  });

  it("parking check (and ftp check) pass once the key is pinned; the stored password is never printed", async () => {
    await ok(["--db", sede, "config", "set", "sftp.host-key", server.hostKey]);
    await ok(["--db", agent, "config", "set", "sftp.host-key", server.hostKey]);
    const sedeCheck = await ok(["--db", sede, "parking", "check"]);
    expect(sedeCheck).toContain(`checking sftp://sincrosftp@127.0.0.1:${server.port}/~`);
    expect(sedeCheck).toContain("the parking area is ready for sincro");
    const agentCheck = await ok(["--db", agent, "ftp", "check"]);
    expect(agentCheck).toContain("the parking area is ready for sincro");
    const shown = await ok(["--db", agent, "config", "show"]);
    expect(shown).toContain("sftp.password");
    expect(shown).not.toContain(server.password);
  });

  it("a wrong SINCRO_SFTP_PASSWORD is a transport problem, exit 3, and it is not printed", async () => {
    const r = await run(["--db", agent, "sync"], { SINCRO_SFTP_PASSWORD: "wrong-Sftp-pw-123" });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/log in to sftp:\/\/sincrosftp@127\.0\.0\.1:\d+\/~ as "sincrosftp".*the server refused the password/);
    expect(r.stderr + r.stdout).not.toContain("wrong-Sftp-pw-123");
    expect(r.stderr + r.stdout).not.toContain(server.password);
  });

  it("syncs the sede and the agent, and audit --sftp reads the parking area", async () => {
    await ok(["--db", sede, "sync"]);
    await ok(["--db", agent, "sync"]);
    expect(JSON.parse(await ok(["--db", agent, "product", "list", "--json"]))).toEqual([expect.objectContaining({ code: "P001", description: "Olio" })]);
    const url = `sftp://${server.user}@${server.host}:${server.port}/~?host-key=${server.hostKey}`;
    const audit = await ok(["audit", "--sftp", url, "--json"], { SINCRO_SFTP_KEY: server.privateKeyFile });
    const report = JSON.parse(audit) as { ok: boolean; parking: { streams: Array<{ stream: string }> } };
    expect(report.ok).toBe(true);
    expect(report.parking.streams.map((s) => s.stream)).toEqual(["SEDE>AG01", "SEDE>*", "AG01>SEDE"]);
  });
});
