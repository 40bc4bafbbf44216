import type { Command } from "commander";
import { SincroError, say } from "../../errors.js";
import { checkParkingArea } from "../../ship/transports/parkingCheck.js";
import { transportFromConfig } from "../../ship/transports/transportFromConfig.js";
import { FtpTransport, ftpOptionsFromConfig } from "../../ship/transports/ftpTransport.js";
import { type Io, jsonOption, spokenOr, withNode } from "../io.js";

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
        const { transport, pinning } = withNode(this, io, (node) => {
          // At the office, FTPS not yet pinned: the check learns the certificate the server
          // presents, shows it and pins it; enrollment then carries the pin to the agents.
          const pinning =
            node.role === "sede" && node.config("transport") === "ftp" && node.config("ftp.secure") !== "false" && node.config("ftp.tls-fingerprint") === undefined;
          return {
            transport: pinning ? new FtpTransport({ ...ftpOptionsFromConfig(node, io.env), allowSelfSigned: true }) : transportFromConfig(node, io.env),
            pinning,
          };
        });
        const report = await checkParkingArea(transport);
        const presented = transport instanceof FtpTransport ? transport.presented : undefined;
        const pinned = report.ok && pinning && presented !== undefined ? presented : undefined;
        if (pinned !== undefined) withNode(this, io, (node) => node.setConfig("ftp.tls-fingerprint", pinned));
        // The machine fields: each step's English name, as it was.
        const machine = { ...report, steps: report.steps.map(({ say: _say, ...s }) => s) };
        if ((this.opts() as { json?: boolean }).json) io.out(JSON.stringify({ ...machine, ...(pinned !== undefined && { pinned }) }));
        else {
          io.out(io.t.t("parking.checking", { target: report.target }));
          for (const s of report.steps) {
            const mark = io.t.t(s.status === "ok" ? "parking.ok" : s.status === "failed" ? "parking.failed" : "parking.skipped");
            io.out(`  ${mark} ${spokenOr(io.t, s.say, s.step)}${s.detail ? `: ${s.detail}` : ""}`);
          }
          io.out(io.t.t(report.ok ? "parking.ready" : "parking.notUsable"));
          if (pinned !== undefined) {
            io.out(io.t.t("parking.pinned", { fingerprint: pinned }));
          }
          if (transport.warning) io.out(io.t.t("sync.warning", { text: spokenOr(io.t, transport.warningSay, transport.warning) }));
        }
        if (!report.ok) throw new SincroError("CHECK_FAILED", `${group} check: some permissions are missing`, { exitCode: 3, say: say("parking.refused.missingPermissions", { group }) });
      });
  }
}
