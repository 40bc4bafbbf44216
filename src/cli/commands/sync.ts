import type { Command } from "commander";
import cliProgress from "cli-progress";
import { decodePayload } from "../../events/eventTypes.js";
import { SincroNode } from "../../node/sincroNode.js";
import { lastPosition, receivedSince, sentSince, uploadedFiles, type EventGist } from "../../ship/streamStatus.js";
import { sync, type SyncReport } from "../../ship/sync.js";
import { transportFromConfig } from "../../ship/transports/transportFromConfig.js";
import { dbPath, type Io, jsonOption, spokenOr } from "../io.js";
import { SincroError } from "../../errors.js";
import { tally, tallyText, tallyTotal } from "../words.js";

/** What a sync moved, in a person's words: counted by what the changes were about. */
interface SyncMoved {
  sent: EventGist[];
  snapshots: number;
  received: EventGist[];
}

export function registerSync(program: Command, io: Io): void {
  program
    .command("sync")
    .description("publish this node's changes to the parking area and apply what the other side parked")
    .addOption(jsonOption())
    .action(async function (this: Command) {
      const json = (this.opts() as { json?: boolean }).json === true;
      const node = SincroNode.open(dbPath(this, io));
      const transport = transportFromConfig(node, io.env);
      const t = io.t;
      const bar =
        io.isTTY && !json ? new cliProgress.SingleBar({ format: t.t("sync.bar", { phase: "{phase}", file: "{file}", bar: "{bar}", value: "{value}", total: "{total}" }), clearOnComplete: true }) : undefined;
      let files = 0;
      const uploadedBefore = uploadedFiles(node);
      const posBefore = lastPosition(node);
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
            } else if (!json) io.out(t.t(p.phase === "upload" ? "sync.upload" : "sync.download", { file: p.file, size: size(io, p.bytes) }));
          },
        });
        bar?.stop();
        if (transport.warning) {
          report.warnings.unshift(transport.warning);
          if (transport.warningSay) report.said.push({ text: transport.warning, say: transport.warningSay });
        }
        // The machine fields: warnings and errors in English, as they were.
        const { said: _said, ...machine } = report;
        if (json) io.out(JSON.stringify(machine));
        // What a restored office still waits for is one of the report's warnings (status says it too).
        else printReport(io, report, sentAndReceived(node, uploadedBefore, posBefore), node.role === "sede");
        if (report.errors.length > 0) {
          throw new SincroError("SYNC_BLOCKED", `sync: ${report.errors.length} stream(s) stopped on a file that failed verification (see above)`, {
            say: { key: "error.syncBlocked", params: { n: report.errors.length } },
          });
        }
      } finally {
        bar?.stop();
        await transport.close();
        node.close();
      }
    });
}

function size(io: Io, bytes: number): string {
  return `${io.t.number(Math.round((bytes / 1024) * 10) / 10)} KB`;
}

function printReport(io: Io, r: SyncReport, moved: SyncMoved, sede: boolean): void {
  const t = io.t;
  const withData = (events: EventGist[]) => events.map((e) => ({ type: e.type, data: e.type === "SnapshotApplied" ? decodePayload(e.data) : undefined }));
  io.out(t.t("sync.title", { node: r.node, time: t.time(Date.now()) }));
  const sent = tally(withData(moved.sent));
  const sentText = tallyText(t, sent);
  if (moved.snapshots > 0) io.out(`  ${t.t("sync.sentSnapshots", { n: moved.snapshots })}`);
  if (sentText === undefined && moved.snapshots === 0) io.out(`  ${t.t("sync.nothingSent")}`);
  else if (sentText !== undefined) io.out(`  ${t.t(sede ? "sync.sentToAgents" : "sync.sentToSede", { n: tallyTotal(sent), what: sentText })}`);
  if (sede) {
    const origins = [...new Set(moved.received.map((e) => e.origin))].sort();
    if (origins.length === 0) io.out(`  ${t.t("sync.nothingReceived")}`);
    for (const agent of origins) {
      const counts = tally(withData(moved.received.filter((e) => e.origin === agent)));
      io.out(`  ${t.t("sync.receivedFromAgent", { n: tallyTotal(counts), what: tallyText(t, counts) ?? "", agent })}`);
    }
  } else {
    const counts = tally(withData(moved.received));
    const text = tallyText(t, counts);
    const rows = counts.snapshotRow ?? 0;
    if (rows > 0) io.out(`  ${t.t("sync.receivedInitial", { n: rows })}`);
    if (text !== undefined) io.out(`  ${t.t("sync.receivedFromSede", { n: tallyTotal({ ...counts, snapshotRow: 0 }), what: text })}`);
    else if (rows === 0) io.out(`  ${t.t("sync.nothingReceived")}`);
  }
  if (r.conflicts > 0) io.out(`  ${t.t("sync.conflicts", { n: r.conflicts })}`);
  io.out(`  ${t.t("sync.transferred", { sent: size(io, r.sent.bytes), received: size(io, r.received.bytes), requests: r.commands })}`);
  // A warning or error the engine gave a catalogue message is said in the user's language; any other as it is.
  const said = new Map(r.said.map((s) => [s.text, s.say]));
  for (const w of r.warnings) io.out(`  ${t.t("sync.warning", { text: spokenOr(t, said.get(w), w) })}`);
  for (const e of r.errors) io.out(`  ${t.t("sync.error", { text: spokenOr(t, said.get(e), e) })}`);
}

function sentAndReceived(node: SincroNode, uploadedBefore: Set<string>, posBefore: number): SyncMoved {
  const { events, snapshots } = sentSince(node, uploadedBefore);
  return { sent: events, snapshots, received: receivedSince(node, posBefore) };
}
