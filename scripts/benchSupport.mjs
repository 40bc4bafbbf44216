// Shared by the benchmarks: each phase runs in a child process so its peak RSS is its own.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Peak resident set size of this process so far (VmHWM), in MB. */
export function peakRssMb() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Runs `fn` (which returns a count) and returns the count and the seconds it took. */
export function timed(fn) {
  const t0 = process.hrtime.bigint();
  const n = fn();
  return { n, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** Runs `script phase dir` in a child process and returns the JSON it printed. */
export function runPhase(script, phase, dir, execArgv = []) {
  const r = spawnSync(process.execPath, [...execArgv, script, phase, dir], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`phase ${phase} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}
