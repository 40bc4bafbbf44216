import type { Command } from "commander";
import { SincroError } from "../../errors.js";
import { type Io, printTable } from "../io.js";

export function registerDemo(program: Command, io: Io): void {
  program
    .command("demo")
    .description("a sede and three agents syncing through an embedded FTP server on 127.0.0.1; changes nothing of yours")
    .action(async () => {
      const started = Date.now();
      const t = io.t;
      // Loaded here, not at start-up: the embedded FTP server (ftp-srv and its dependencies) is
      // the demo's alone, and loading it cost every other command about a fifth of a second.
      const { runDemo } = await import("../../demo/runDemo.js");
      const checks = await runDemo((line) => io.out(line), t);
      io.out("");
      const [rule, held, detail] = [t.t("demo.header.rule"), t.t("demo.header.held"), t.t("demo.header.detail")];
      printTable(io, checks.map((c) => ({ [rule]: c.rule, [held]: t.t(c.held ? "common.yes" : "common.no"), [detail]: c.detail })));
      io.out("");
      io.out(t.t("demo.summary", { held: checks.filter((c) => c.held).length, total: checks.length, seconds: t.number(Math.round((Date.now() - started) / 100) / 10) }));
      if (!checks.every((c) => c.held)) throw new SincroError("DEMO_FAILED", "demo: some rules did not hold (see the table)", { say: { key: "error.demoFailed", params: {} } });
    });
}
