import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built `sincro` binary (npm test builds it first). */
export const BIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the real command line in a child process. */
export function sincro(args: string[], env: Record<string, string> = {}, cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, SINCRO_DB: "", ...env },
    ...(cwd !== undefined && { cwd }),
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
