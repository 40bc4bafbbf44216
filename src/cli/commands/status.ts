import type { Command } from "commander";
import type { SincroNode } from "../../node/sincroNode.js";
import { clockSkewByOrigin, streamStatus } from "../../ship/streamStatus.js";
import { headSeen } from "../../ship/officeHead.js";
import { type Io, jsonOption, printTable, withNode } from "../io.js";
import { clockWarning, describeOffset } from "../../node/clockOffset.js";

/** `2026-03-02 10:15` in this PC's time zone. */
function localTime(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

export function registerStatus(program: Command, io: Io): void {
  program
    .command("status")
    .description("streams (pending, unacknowledged, last sync), events per origin, projections, conflicts")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const report = withNode(this, io, (node) => ({
        node: node.id,
        role: node.role,
        streams: streamStatus(node),
        reinstalled: node.reinstalled(),
        clockSkew: clockSkewByOrigin(node),
        clock: clockStatus(node.clockOffset(), node.clockCorrectionMs()),
        events: node.log.origins(),
        tables: node.digests().map(({ table, rows }) => ({ table, rows })),
        conflicts: node.read.listConflicts(),
        quarantined: node.log.quarantined(),
        changedOrders: node.read.listOrders().filter((o) => o.changedAfterReceipt).map((o) => `${o.type}/${o.number}`),
        officeHead: node.role === "agent" ? (headSeen({ node }) ?? null) : undefined,
        agents: node.role === "sede" ? node.outbox.lastHeard(node.read.agents().map((a) => a.code)) : undefined,
      }));
      if ((this.opts() as { json?: boolean }).json) {
        io.out(JSON.stringify(report));
        return;
      }
      io.out(`node ${report.node} (${report.role})`);
      if (report.agents && report.agents.length > 0) {
        io.out(`last heard from: ${report.agents.map((a) => `${a.code} ${a.lastHeard === null ? "never" : localTime(a.lastHeard)}`).join(", ")}`);
      }
      if (report.role === "agent") {
        io.out(report.officeHead ? `last news from the office: ${report.officeHead.seenAt} (its signed head number ${report.officeHead.number}, written at ${report.officeHead.at})` : "no news from the office yet");
      }
      io.out("");
      io.out("streams:");
      printTable(
        io,
        report.streams.map((s) => ({
          stream: s.stream,
          dir: s.direction,
          pending: s.direction === "out" ? s.pending : "",
          unacked: s.direction === "out" ? s.unacked : "",
          applied: s.direction === "in" ? (s.segment !== null && s.segment >= 0 ? `segment ${s.segment}` : "nothing yet") : "",
          "last sync": s.lastSync ?? "never",
          blocked: s.blocked ?? "",
        })),
      );
      io.out("");
      if (report.reinstalled) {
        const r = report.reinstalled;
        io.out(
          `this PC replaced an earlier one with agent code ${report.node} (${r.at}): the office had received its events up to #${r.heldBySede}` +
            (r.stillOnServer > 0 ? `, ${r.stillOnServer} more segment(s) were still on the server` : "") +
            `; numbering continues after #${r.continuesAfter}`,
        );
        io.out("");
      }
      io.out(clockLine(report.clock));
      io.out("");
      for (const s of report.clockSkew) {
        io.out(
          `clock skew: ${s.events} event(s) from ${s.origin} were up to ${(s.maxAheadMs / 3_600_000).toFixed(1)} h ahead of this PC's clock (last seen ${s.lastSeen}); check the clock of ${s.origin}`,
        );
      }
      if (report.clockSkew.length > 0) io.out("");
      if (report.quarantined.length > 0) {
        io.out(`quarantined: ${report.quarantined.length} received event(s) kept in the log but not applied (the domain refuses them):`);
        for (const q of report.quarantined) io.out(`  ${q.origin}#${q.seq} ${q.type}: ${q.reason}`);
        io.out("");
      }
      io.out("events by origin:");
      printTable(io, report.events);
      io.out("");
      printTable(io, report.tables);
      io.out("");
      const changed = report.changedOrders;
      if (changed.length > 0) io.out(`orders changed by the agent after the office received them (fix them in the ERP too): ${changed.join(", ")}`);
      io.out(`conflicts: ${report.conflicts.length}`);
      for (const c of report.conflicts) io.out(`  ${c.kind} ${c.key}: ${c.detail}`);
    });
}

/** `status --json`'s `clock`: the last measured offset against the parking server, the correction applied, and the warning if over 2 minutes. */
function clockStatus(
  offset: ReturnType<SincroNode["clockOffset"]>,
  correctionMs: number,
): { offsetMs: number; uncertaintyMs: number; measuredAt: string; correctionMs: number; warning: string | null } | null {
  if (offset === undefined) return null;
  return { ...offset, correctionMs, warning: clockWarning(offset) ?? null };
}

function clockLine(clock: ReturnType<typeof clockStatus>): string {
  if (clock === null) return "clock: not measured yet (the next sync compares it with the parking server's)";
  if (clock.warning !== null) return `clock: WARNING ${clock.warning}`;
  return `clock: within ${describeOffset(Math.max(Math.abs(clock.offsetMs), clock.uncertaintyMs))} of the parking server's (measured ${clock.measuredAt})`;
}
