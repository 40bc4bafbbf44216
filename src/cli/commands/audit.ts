import { renameSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { auditLogFile, auditNodeDatabase, auditParkingArea, discoverStreams, type AuditOptions } from "../../audit/auditSources.js";
import type { AuditReport } from "../../audit/auditRun.js";
import { findingKind, findingSubject, findingText } from "../../audit/findings.js";
import { renderHtml } from "../../audit/htmlReport.js";
import { parseUntil } from "../../audit/untilPoint.js";
import { cannotWriteSay, RefusedError, UsageError, say } from "../../errors.js";
import type { TransportName } from "../../node/config.js";
import { TRANSPORT_KINDS } from "../../ship/transports/registry.js";
import { type Io, dbPath, jsonOption, printTable } from "../io.js";
import { SincroNode } from "../../node/sincroNode.js";
import { ParkingTrust } from "../../ship/parkingTrust.js";

// A parking area is named by its kind of transport: `--folder PATH`, `--ftp URL`, …
const AREA_FLAGS = TRANSPORT_KINDS.map((kind) => `--${kind.name}`);

interface AuditOpts extends Partial<Record<TransportName, string>> {
  log?: string;
  node?: string;
  agents?: string;
  until?: string;
  specialPrices?: string;
  html?: string;
  json?: boolean;
  skewHours?: string;
}

export function registerAudit(program: Command, io: Io): void {
  const audit = program
    .command("audit")
    .description(`verify every hash chain and sequence of a node (--db), a parking area (${AREA_FLAGS.join(", ")}) or an exported log (--log), and replay it`);
  for (const kind of TRANSPORT_KINDS) audit.option(`--${kind.name} <${kind.location.value}>`, `audit ${kind.location.describe}`);
  audit
    .option("--log <file>", "audit a log written by `sincro export log`")
    .option("--node <id>", "whose log --log is, for a file without a sincro-log header")
    .option("--agents <codes>", "the agents' folders of a parking area, comma-separated (default: listed from the server)")
    .option("--until <point>", "replay only up to an ISO date/time (HLC wall time) or ORIGIN:SEQ")
    .option("--special-prices <customer>", "print this customer's special prices as of --until, with the change that set each")
    .option("--html <file>", "also write a self-contained HTML report")
    .option("--skew-hours <n>", "clock-skew threshold in hours", "24")
    .addOption(jsonOption())
    .action(async function (this: Command) {
      const o = this.opts() as AuditOpts;
      const report = await runAudit(this, io, o);
      if (o.html !== undefined) writeHtml(o.html, report, io);
      // The machine fields: each finding's English detail, as it was.
      if (o.json) io.out(JSON.stringify({ ...report, findings: report.findings.map(({ say: _say, ...f }) => f) }));
      else printReport(io, report, o.html);
      if (!report.ok) process.exitCode = 1;
    });
}

/** The node database named by --db or SINCRO_DB, if one is named. */
function explicitDb(cmd: Command, io: Io): string | undefined {
  const opts = cmd.optsWithGlobals() as { db?: string };
  const named = opts.db ?? io.env.SINCRO_DB;
  return named === undefined || named === "" ? undefined : named;
}

async function runAudit(cmd: Command, io: Io, o: AuditOpts): Promise<AuditReport> {
  const areas = TRANSPORT_KINDS.filter((kind) => o[kind.name] !== undefined);
  if (areas.length + (o.log === undefined ? 0 : 1) > 1) {
    throw new UsageError(`audit: give one of ${AREA_FLAGS.join(", ")} or --log (or --db alone)`, { say: say("audit.usage.oneSource", { flags: AREA_FLAGS.join(", ") }) });
  }
  const skewHours = Number(o.skewHours ?? "24");
  if (!(skewHours > 0)) throw new UsageError(`audit --skew-hours ${o.skewHours}: expected a positive number of hours`, { say: say("audit.usage.skewHours", { value: String(o.skewHours) }) });
  const options: AuditOptions = { skewHours, ...(o.until !== undefined && { until: parseUntil(o.until) }), ...(o.specialPrices !== undefined && { specialPricesOf: o.specialPrices }) };
  const [area] = areas;
  if (area !== undefined) {
    if (o.until !== undefined || o.specialPrices !== undefined) throw new UsageError("audit: --until and --special-prices replay a log: use them with --db or --log", { say: say("audit.usage.untilArea") });
    const transport = area.location.open(o[area.name] as string, io.env, `audit --${area.name}`);
    const agents = o.agents?.split(",").map((s) => s.trim()).filter((s) => s !== "");
    // The keys of the node named by --db (or SINCRO_DB) open the signed, encrypted files: the sede's open every folder.
    const keysFrom = explicitDb(cmd, io);
    const node = keysFrom === undefined ? undefined : SincroNode.open(keysFrom);
    try {
      const trust = node && new ParkingTrust(node);
      return await auditParkingArea(transport, await discoverStreams(transport, agents), { ...options, ...(trust && { open: (path: string, bytes: Buffer) => trust.open(path, bytes) }) });
    } finally {
      node?.close();
      await transport.close();
    }
  }
  if (o.log !== undefined) return auditLogFile(o.log, { ...options, ...(o.node !== undefined && { node: o.node }) });
  return auditNodeDatabase(dbPath(cmd, io), options);
}

function writeHtml(file: string, report: AuditReport, io: Io): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, renderHtml(report, new Date(), io.t), "utf8");
    renameSync(tmp, file);
  } catch (cause) {
    throw new RefusedError("html", `audit --html ${file}: cannot write it (${(cause as Error).message})`, {
      cause,
      code: "CANNOT_WRITE",
      say: cannotWriteSay("audit --html", file, cause),
    });
  }
}

/** The text report: the engine's terms (origins, seq, streams, projections) in the user's language's sentences. */
function printReport(io: Io, r: AuditReport, html: string | undefined): void {
  const t = io.t;
  const name = `${r.source.path}${r.source.node ? ` (${r.source.node})` : ""}`;
  io.out(t.t("audit.text.title", { name, events: r.events, n: r.origins.length }));
  printTable(
    io,
    r.origins.map((o) => ({ origin: o.origin, events: o.events, seq: `${o.first}…${o.last}`, checked: t.t(o.complete ? "audit.text.complete" : "audit.html.subset") })),
  );
  if (r.parking) {
    io.out("");
    printTable(io, r.parking.streams.map((s) => ({ stream: s.stream, folder: s.folder, segments: s.segments, snapshots: s.snapshots, events: s.events })));
  }
  for (const severity of ["violation", "warning", "info"] as const) {
    const list = r.findings.filter((f) => f.severity === severity);
    if (list.length === 0) continue;
    io.out("");
    io.out(t.t(severity === "violation" ? "audit.text.violations" : severity === "warning" ? "audit.text.warnings" : "audit.text.info", { n: list.length }));
    for (const f of list) io.out(`  ${findingKind(f, t)}  ${findingSubject(f)}${f.where ? `  [${f.where}]` : ""}  ${findingText(f, t)}`);
  }
  if (r.replay) {
    io.out("");
    io.out(r.replay.until ? t.t("audit.text.replayedUntil", { events: r.replay.events, until: r.replay.until }) : t.t("audit.text.replayed", { events: r.replay.events }));
    printTable(
      io,
      r.replay.tables.map((t) => ({
        table: t.table,
        rows: t.rows,
        replay: t.sha256.slice(0, 16),
        ...(t.same !== undefined && { node: t.nodeSha256?.slice(0, 16), same: io.t.t(t.same ? "common.yes" : "common.no") }),
      })),
    );
    if (r.replay.differing.length > 0) io.out(t.t("audit.text.differs", { tables: r.replay.differing.join(", ") }));
  }
  if (r.specialPrices) {
    io.out("");
    io.out(t.t("audit.text.prices", { customer: r.specialPrices.customer, asOf: r.specialPrices.asOf }));
    printTable(
      io,
      r.specialPrices.rows.map((p) => ({ product: p.product, price: p.removed ? t.t("audit.html.removedParen") : p.price, discounts: p.discounts, "set by": p.setBy, hlc: p.hlc })),
    );
  }
  if (r.decisions.length > 0) {
    io.out("");
    io.out(t.t("audit.text.decisions", { n: r.decisions.length }));
    for (const d of r.decisions) io.out(`  ${t.t("audit.text.decision", { key: d.key, winner: d.winner.ref, loser: d.loser.ref })}`);
  }
  if (html !== undefined) io.out(t.t("audit.text.written", { file: html }));
  io.out("");
  io.out(r.ok ? t.t("audit.text.ok") : t.t("audit.text.failed", { n: r.findings.filter((f) => f.severity === "violation").length }));
}
