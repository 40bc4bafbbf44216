import { recoveryAwaited } from "../../ship/sedeRestore.js";
import type { Command } from "commander";
import { decodePayload } from "../../events/eventTypes.js";
import { conflictName, conflictsSeen } from "../../node/conflictsSeen.js";
import type { SincroNode } from "../../node/sincroNode.js";
import { clockSkewByOrigin, readerReceipt, recordedSince, streamStatus, unsentEvents, type EventGist } from "../../ship/streamStatus.js";
import { headSeen } from "../../ship/officeHead.js";
import { SEDE } from "../../events/nodeIds.js";
import { agentToSede, CATALOGUE, sedeToAgent } from "../../wire/streams.js";
import { type Io, jsonOption, spokenOr, withNode } from "../io.js";
import { clockSay, clockWarning } from "../../node/clockOffset.js";
import { restoreLines, tally, tallyText, type Tally } from "../words.js";
import { readBlocked } from "../../ship/blockedReason.js";
import type { Translator } from "../../i18n/translator.js";

/** The sede's view of one agent: when data last came from it, what it recorded today, what stops it. */
interface AgentStatus {
  agent: string;
  /** The same as `agent` (the name the first JSON of this field used). */
  code: string;
  name: string;
  lastHeard: string | null;
  today: Tally;
  blocked: string | null;
}

const countable = (events: EventGist[]) => events.map((e) => ({ type: e.type, data: e.type === "SnapshotApplied" ? decodePayload(e.data) : undefined }));

/** Local midnight today, as the ISO time events' `at` is compared with. */
function startOfToday(nowMs: number): string {
  const d = new Date(nowMs);
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

function gather(node: SincroNode) {
  const streams = streamStatus(node);
  const seen = conflictsSeen(node.db);
  const conflicts = node.read.listConflicts();
  const newConflicts = conflicts.filter((c) => !seen.has(conflictName(c))).length;
  const base = {
    node: node.id,
    role: node.role,
    streams,
    reinstalled: node.reinstalled(),
    restore: node.role === "sede" ? (recoveryAwaited(node) ?? null) : null,
    clockSkew: clockSkewByOrigin(node),
    clock: clockStatus(node.clockOffset(), node.clockCorrectionMs()),
    events: node.log.origins(),
    tables: node.digests().map(({ table, rows }) => ({ table, rows })),
    conflicts,
    newConflicts,
    quarantined: node.log.quarantined(),
    changedOrders: node.read.listOrders().filter((o) => o.changedAfterReceipt).map((o) => `${o.type}/${o.number}`),
  };
  if (node.role === "agent") {
    const out = agentToSede(node.id);
    const receipt = readerReceipt(node, out, SEDE);
    const lastOrder = receipt?.lastOrder ? (decodePayload(receipt.lastOrder) as { type: string; number: number }) : undefined;
    return {
      ...base,
      officeHead: headSeen({ node }) ?? null,
      officeReceived: receipt ? { at: receipt.at, upToOrder: lastOrder ? `${lastOrder.type}/${lastOrder.number}` : null } : null,
      heldOn: node.heldOn(),
      waiting: tally(countable(unsentEvents(node, out))),
    };
  }
  const since = startOfToday(node.nowMs());
  const heard = new Map(node.outbox.lastHeard(node.read.agents().map((a) => a.code)).map((h) => [h.code, h.lastHeard]));
  const agents: AgentStatus[] = node.read.agents().map((a) => {
    const s = streams.find((x) => x.stream === agentToSede(a.code));
    return { agent: a.code, code: a.code, name: a.name, lastHeard: heard.get(a.code) ?? null, today: tally(countable(recordedSince(node, a.code, since))), blocked: s?.blocked ?? null };
  });
  const produced = [CATALOGUE, ...node.read.agents().map((a) => sedeToAgent(a.code))];
  const waiting = new Map<string, EventGist>();
  for (const stream of produced) for (const e of unsentEvents(node, stream)) waiting.set(`${e.origin} ${e.type} ${e.data}`, e);
  return { ...base, agents, waiting: tally(countable([...waiting.values()])) };
}

export function registerStatus(program: Command, io: Io): void {
  program
    .command("status")
    .description("an agent: what the office has received and what waits to be sent; the office: each agent's news, today's arrivals, what is stopped, new conflicts")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const report = withNode(this, io, gather);
      if ((this.opts() as { json?: boolean }).json) {
        io.out(JSON.stringify(report));
        return;
      }
      const t = io.t;
      const at = (iso: string) => ({ date: t.dateOf(iso), time: t.time(iso) });
      if ("officeReceived" in report) {
        io.out(t.t("status.agent.title", { node: report.node }));
        const r = report.officeReceived;
        if (r === null) io.out(t.t("status.agent.officeHasNothing"));
        else if (r.upToOrder !== null) io.out(t.t("status.agent.officeHasUpTo", { order: r.upToOrder, ...at(r.at) }));
        else io.out(t.t("status.agent.officeHasNoOrder", at(r.at)));
        const waiting = tallyText(t, report.waiting);
        io.out(waiting === undefined ? t.t("status.agent.nothingWaiting") : t.t("status.agent.waiting", { what: waiting }));
        const head = report.officeHead;
        if (head) {
          const office = at(head.at);
          io.out(t.t("status.agent.officeNews", { ...at(head.seenAt), officeDate: office.date, officeTime: office.time }));
        } else io.out(t.t("status.agent.noOfficeNews"));
        for (const s of report.streams) if (s.direction === "in" && s.blocked) io.out(officeBlocked(t, s.blocked));
        if (report.heldOn.length > 0) io.out(t.t("status.agent.heldOn", { files: report.heldOn.join(", ") }));
      } else {
        io.out(t.t("status.sede.title", { node: report.node }));
        if (report.agents.length === 0) io.out(t.t("status.sede.noAgents"));
        for (const a of report.agents) {
          const today = tallyText(t, a.today) ?? t.t("status.sede.nothingToday");
          io.out(a.lastHeard === null ? t.t("status.sede.agentNeverHeard", { agent: a.agent, name: a.name, today }) : t.t("status.sede.agentHeard", { agent: a.agent, name: a.name, today, ...at(a.lastHeard) }));
          if (a.blocked) io.out(agentBlocked(t, a.agent, a.blocked));
        }
        const waiting = tallyText(t, report.waiting);
        if (waiting !== undefined) io.out(t.t("status.sede.waiting", { what: waiting }));
      }
      if (report.reinstalled) {
        const r = report.reinstalled;
        io.out(t.t("status.reinstalled", { node: report.node, ...at(r.at), held: String(r.heldBySede), next: String(r.continuesAfter) }));
      }
      for (const line of restoreLines(t, report.restore ?? undefined)) io.out(line);
      if (report.clock?.warning) io.out(t.t("sync.warning", { text: spokenOr(t, clockSay(report.clock), report.clock.warning) }));
      for (const s of report.clockSkew) {
        io.out(t.t("status.clockSkew", { who: s.origin, hours: t.number(Math.round(s.maxAheadMs / 360_000) / 10), ...at(s.lastSeen) }));
      }
      if (report.quarantined.length > 0) io.out(t.t("status.quarantined", { n: report.quarantined.length }));
      if (report.changedOrders.length > 0) io.out(t.t("status.changedOrders", { orders: report.changedOrders.join(", ") }));
      io.out(report.newConflicts > 0 ? t.t("status.newConflicts", { n: report.newConflicts }) : t.t("status.noNewConflicts"));
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

/** Why receiving from the office is stopped, in one sentence of the user's language (the stored reason is English). */
export function officeBlocked(t: Translator, stored: string): string {
  const r = readBlocked(stored);
  switch (r.kind) {
    case "missing":
      return t.t("status.agent.blocked.missing", { file: r.file });
    case "missingHead":
      return t.t("status.agent.blocked.missingHead", { file: r.file, date: t.dateOf(r.at), time: t.time(r.at) });
    case "failed":
      return t.t("status.agent.blocked.failed", { file: r.file, why: r.why });
    case "other":
      return t.t("status.agent.blocked", { reason: r.text });
  }
}

/** Why the office's receiving from `agent` is stopped, in one sentence of the user's language. */
export function agentBlocked(t: Translator, agent: string, stored: string): string {
  const r = readBlocked(stored);
  switch (r.kind) {
    case "missing":
      return t.t("status.sede.agentBlocked.missing", { agent, file: r.file });
    case "failed":
      return t.t("status.sede.agentBlocked.failed", { agent, file: r.file, why: r.why });
    case "missingHead": // only the office's own streams have a head
    case "other":
      return t.t("status.sede.agentBlocked", { agent, reason: stored });
  }
}
