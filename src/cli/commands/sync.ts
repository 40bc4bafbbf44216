import type { Command } from "commander";
import cliProgress from "cli-progress";
import { SincroNode } from "../../node/sincroNode.js";
import { sync, type SyncReport } from "../../ship/sync.js";
import { transportFromConfig } from "../../ship/transports/transportFromConfig.js";
import { dbPath, type Io, jsonOption } from "../io.js";
import { SincroError } from "../../errors.js";

export function registerSync(program: Command, io: Io): void {
  program
    .command("sync")
    .description("publish this node's changes to the parking area and apply what the other side parked")
    .addOption(jsonOption())
    .action(async function (this: Command) {
      const json = (this.opts() as { json?: boolean }).json === true;
      const node = SincroNode.open(dbPath(this, io));
      const transport = transportFromConfig(node, io.env);
      const bar = io.isTTY && !json ? new cliProgress.SingleBar({ format: "{phase} {file} [{bar}] {value}/{total} files", clearOnComplete: true }) : undefined;
      let files = 0;
      try {
        const report = await sync(node, transport, {
          // More connections to the same parking area, for a sede reading many agents (sync.connections).
          openTransport: () => transportFromConfig(node, io.env),
          progress: (p) => {
            files++;
            if (bar) {
              if (files === 1) bar.start(files, 0, p);
              bar.setTotal(Math.max(files, bar.getTotal()));
              bar.update(files, p);
            } else if (!json) io.out(`${p.phase === "upload" ? "upload  " : "download"} ${p.file} (${p.bytes} bytes)`);
          },
        });
        bar?.stop();
        if (transport.warning) report.warnings.unshift(transport.warning);
        if (json) io.out(JSON.stringify(report));
        else printReport(io, report);
        if (report.errors.length > 0) {
          throw new SincroError("SYNC_BLOCKED", `sync: ${report.errors.length} stream(s) stopped on a file that failed verification (see above)`);
        }
      } finally {
        bar?.stop();
        await transport.close();
        node.close();
      }
    });
}

function printReport(io: Io, r: SyncReport): void {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  io.out(`sync of ${r.node}`);
  io.out(`  sent:     ${r.sent.events} events in ${r.sent.segments} segments, ${r.sent.snapshots} snapshots, ${kb(r.sent.bytes)}`);
  io.out(
    `  received: ${r.received.events} events in ${r.received.segments} segments, ${r.received.snapshots} snapshots, ${kb(r.received.bytes)}` +
      (r.received.duplicates > 0 ? ` (${r.received.duplicates} already held)` : ""),
  );
  io.out(`  conflicts resolved: ${r.conflicts}; files pruned from the server: ${r.pruned}; requests to the server: ${r.commands}`);
  for (const w of r.warnings) io.out(`  warning: ${w}`);
  for (const e of r.errors) io.out(`  ERROR: ${e}`);
}
