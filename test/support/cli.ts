import { spawn, spawnSync } from "node:child_process";
import { expect } from "vitest";
import { fileURLToPath } from "node:url";

/** The built `sincro` binary (npm test builds it first). */
export const BIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a command run by a test: English unless the test says otherwise (the
 * machine's own locale may be Italian), no node named unless the test names one.
 */
const BASE_ENV = { SINCRO_DB: "", LC_ALL: "", LC_MESSAGES: "", LANG: "en_US.UTF-8" };

/** Runs the real command line in a child process. */
export function sincro(args: string[], env: Record<string, string> = {}, cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...BASE_ENV, ...env },
    ...(cwd !== undefined && { cwd }),
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the real command line without blocking this process's event loop (needed when the
 * test process itself serves the FTP server the command talks to).
 */
export function sincroAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...BASE_ENV, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/** Runs the command line and expects it to succeed silently on stderr; returns stdout. */
export function sincroOk(args: string[]): string {
  const r = sincro(args);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

/** {@link sincroAsync} expecting success with nothing on stderr; returns stdout. */
export async function sincroAsyncOk(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await sincroAsync(args, env);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

/** How many events the node's log holds, read through `sincro log --json`. */
export function eventCount(db: string): number {
  return (JSON.parse(sincroOk(["--db", db, "log", "--json"])) as unknown[]).length;
}

/**
 * Sets up agent `code`'s PC at `agentDb` as the office would: `agent enroll` at the sede (the
 * agent must be registered there), then `init --enroll` with the same passphrase.
 */
export function enrollAgent(sedeDb: string, agentDb: string, code: string, env: Record<string, string> = {}): void {
  const file = `${agentDb}.enroll`;
  const withPass = { SINCRO_PASSPHRASE: "prova-passphrase-1", ...env };
  const out = sincro(["--db", sedeDb, "agent", "enroll", code, "--out", file], withPass);
  expect(out.stderr).toBe("");
  expect(out.status).toBe(0);
  const init = sincro(["--db", agentDb, "init", "--enroll", file], withPass);
  expect(init.stderr).toBe("");
  expect(init.status).toBe(0);
}

/** A sede and its agents set up through the real command line on an FTP server, as the README's quick start does. */
export interface CliOffice {
  server: { host: string; port: number; user: string };
  /** The FTP password the commands read from the environment (never stored by these tests). */
  password: string;
  sede: string;
  agents: ReadonlyArray<{ code: string; db: string; env?: Record<string, string> }>;
  /** The folder the enrollment files are written to. */
  dir: string;
}

/**
 * Sets up `office`: the sede's database and FTP settings, `ftp check` (which creates the
 * parking area), product P001 at 8.90 on list BASE, then each agent registered, enrolled and
 * installed from its enrollment file (under the agent's own environment, e.g. a faked clock).
 */
export async function setUpCliOffice(office: CliOffice): Promise<void> {
  const { server, sede, dir } = office;
  const ok = (args: string[], env: Record<string, string> = {}) => sincroAsyncOk(args, { SINCRO_FTP_PASSWORD: office.password, ...env });
  await ok(["--db", sede, "init", "--role", "sede"]);
  const settings = { transport: "ftp", "ftp.host": server.host, "ftp.port": String(server.port), "ftp.user": server.user, "ftp.dir": "/", "ftp.secure": "false" };
  for (const [k, v] of Object.entries(settings)) await ok(["--db", sede, "config", "set", k, v]);
  await ok(["--db", sede, "ftp", "check"]);
  await ok(["--db", sede, "product", "add", "P001", "--description", "Olio"]);
  await ok(["--db", sede, "price", "set", "--list", "BASE", "--product", "P001", "--price", "8.90"]);
  for (const { code, db, env = {} } of office.agents) {
    await ok(["--db", sede, "agent", "add", code, "--name", code]);
    const file = `${dir}/${code}.enroll`;
    await ok(["--db", sede, "agent", "enroll", code, "--out", file], { SINCRO_PASSPHRASE: "una frase" });
    await ok(["--db", db, "init", "--enroll", file], { SINCRO_PASSPHRASE: "una frase", ...env });
  }
}
