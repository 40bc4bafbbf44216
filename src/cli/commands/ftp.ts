import type { Command } from "commander";
import { SincroError } from "../../errors.js";
import { checkParkingArea } from "../../ship/transports/parkingCheck.js";
import { transportFromConfig } from "../../ship/transports/transportFromConfig.js";
import { type Io, jsonOption, withNode } from "../io.js";

// `parking check` checks whichever transport is configured; `ftp check` is its older name.
export function registerFtp(program: Command, io: Io): void {
  const parking = program.command("parking").description("the parking area of the configured transport");
  addCheck(parking, io, "parking check");
  const ftp = program.command("ftp").description("the parking area on the FTP server (same as parking)");
  addCheck(ftp, io, "ftp check");
}

function addCheck(parent: Command, io: Io, name: string): void {
  parent
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
      if (!report.ok) throw new SincroError("CHECK_FAILED", `${name}: some permissions are missing`, { exitCode: 3 });
    });
}
