import type { Command } from "commander";
import { SincroError } from "../../errors.js";
import { checkParkingArea } from "../../ship/transports/parkingCheck.js";
import { transportFromConfig } from "../../ship/transports/transportFromConfig.js";
import { type Io, jsonOption, withNode } from "../io.js";

/** `sincro parking check`, and its older name `sincro ftp check`: the configured transport's parking area. */
export function registerFtp(program: Command, io: Io): void {
  for (const [group, describe] of [
    ["parking", "the parking area of the configured transport (ftp, sftp or folder)"],
    ["ftp", "the parking area (the older name of `parking`, for any transport)"],
  ] as const) {
    program
      .command(group)
      .description(describe)
      .command("check")
      .description("create SincroAg and SincroSede, and test list, upload, read, rename and delete there")
      .addOption(jsonOption())
      .action(async function (this: Command) {
        const transport = withNode(this, io, (node) => transportFromConfig(node, io.env));
        const report = await checkParkingArea(transport);
        if ((this.opts() as { json?: boolean }).json) io.out(JSON.stringify(report));
        else {
          io.out(`checking ${report.target}`);
          for (const s of report.steps) io.out(`  ${s.status === "ok" ? "ok     " : s.status === "failed" ? "FAILED " : "skipped"} ${s.step}${s.detail ? `: ${s.detail}` : ""}`);
          io.out(report.ok ? "the parking area is ready for sincro" : "the parking area is NOT usable as it is (see above)");
        }
        if (!report.ok) throw new SincroError("CHECK_FAILED", `${group} check: some permissions are missing`, { exitCode: 3 });
      });
  }
}
