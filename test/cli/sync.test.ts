import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedFtpServer, type EmbeddedFtpServer } from "../../src/ship/transports/embeddedFtpServer.js";
import { sincroAsync } from "../support/cli.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

// The real binary, configured through `config set`, syncing through a real FTP server.
let server: EmbeddedFtpServer;
const dir = mkdtempSync(join(tmpdir(), "sincro-cli-sync-"));
const sede = join(dir, "sede.db");
const agent = join(dir, "agent.db");

async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await sincroAsync(args, { SINCRO_FTP_PASSWORD: server.password, ...env });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  server = await startEmbeddedFtpServer();
  await ok(["--db", sede, "init", "--role", "sede"]);
  for (const [k, v] of Object.entries({ transport: "ftp", "ftp.host": server.host, "ftp.port": String(server.port), "ftp.user": server.user, "ftp.dir": "/", "ftp.secure": "false" })) {
    await ok(["--db", sede, "config", "set", k, v]);
  }
  await ok(["--db", sede, "agent", "add", "AG01", "--name", "Mario"]);
  // The agent's PC gets the parking area's settings, password included, from its enrollment file.
  const file = join(dir, "AG01.enroll");
  await ok(["--db", sede, "agent", "enroll", "AG01", "--out", file], { SINCRO_PASSPHRASE: "una frase" });
  await ok(["--db", agent, "init", "--enroll", file], { SINCRO_PASSPHRASE: "una frase", SINCRO_FTP_PASSWORD: "" });
  await ok(["--db", sede, "product", "add", "P001", "--description", "Olio"]);
  await ok(["--db", sede, "price", "set", "--list", "BASE", "--product", "P001", "--price", "8.90"]);
});

afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("sync, status and ftp check on the command line", () => {
  it("ftp check reports every step and never prints the password", async () => {
    const out = await ok(["--db", sede, "ftp", "check"]);
    expect(out).toContain("the parking area is ready for sincro");
    expect(out).toMatch(/ok +delete the file from SincroSede/);
    expect(out).not.toContain(server.password);
  });

  it("an agent's first sync before the office's says what to do, exit 1", async () => {
    const r = await sincroAsync(["--db", agent, "sync"], { SINCRO_FTP_PASSWORD: server.password });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the office has not published data for agent AG01 yet: run a sync at the office first");
  });

  it("a wrong password is a transport problem, exit 3, and the password is not printed", async () => {
    const r = await sincroAsync(["--db", sede, "sync"], { SINCRO_FTP_PASSWORD: "wrong-password" });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/530|login/i);
    expect(r.stderr).not.toContain("wrong-password");
  });

  it("sync prints what it sent and received; status --json reports each stream", async () => {
    const first = await ok(["--db", sede, "sync"]);
    expect(first).toContain("  sent a full copy of the data for PCs that start from it (2 files)\n  nothing new received\n");
    const boot = await ok(["--db", agent, "sync"]);
    expect(boot).toContain("  nothing new to send\n  received the office's full data (4 rows)\n");
    const customer = (await ok(["--db", agent, "customer", "add", "--name", "Pub", "--list", "BASE"])).trim();
    expect(customer).toBe("AG01000001");
    expect((await ok(["--db", agent, "order", "add", "--customer", customer, "--line", "P001:2"])).trim()).toBe("AG01/1");
    const status = JSON.parse(await ok(["--db", agent, "status", "--json"])) as { streams: Array<{ stream: string; direction: string; pending: number }> };
    expect(status.streams.find((s) => s.stream === "AG01>SEDE")).toMatchObject({ direction: "out", pending: 2 });
    const send = await ok(["--db", agent, "sync"]);
    expect(send).toContain("  sent 1 order and 1 customer to the office\n");
    const receive = await ok(["--db", sede, "sync"]);
    expect(receive).toContain("  received 1 order and 1 customer from agent AG01\n");
    const orders = JSON.parse(await ok(["--db", sede, "order", "list", "--json"])) as Array<{ type: string; number: number; origin: string }>;
    expect(orders.map((o) => `${o.type}/${o.number}@${o.origin}`)).toEqual(["AG01/1@AG01"]);
    const after = JSON.parse(await ok(["--db", agent, "status", "--json"])) as { streams: Array<{ stream: string; pending: number }> };
    expect(after.streams.find((s) => s.stream === "AG01>SEDE")?.pending).toBe(0);
  });
});
