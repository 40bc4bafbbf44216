import type { Command } from "commander";
import { runDemo } from "../../demo/runDemo.js";
import { SincroError } from "../../errors.js";
import { type Io, printTable } from "../io.js";

export function registerDemo(program: Command, io: Io): void {
  program
    .command("demo")
    .description("a sede and three agents syncing through an embedded FTP server on 127.0.0.1; changes nothing of yours")
    .action(async () => {
      const started = Date.now();
      const checks = await runDemo((line) => io.out(line));
      io.out("");
      printTable(io, checks.map((c) => ({ rule: c.rule, "held on every node": c.held ? "yes" : "NO", detail: c.detail })));
      io.out("");
      io.out(`${checks.filter((c) => c.held).length} of ${checks.length} rules held (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      if (!checks.every((c) => c.held)) throw new SincroError("DEMO_FAILED", "demo: some rules did not hold (see the table)");
    });
}
