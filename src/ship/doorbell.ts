import { randomBytes } from "node:crypto";
import type { SincroNode } from "../node/sincroNode.js";
import { sealBox } from "../wire/box.js";
import { AG_ROOT, agentToSede, parseFileName, streamFolder } from "../wire/streams.js";
import { say, TransportError } from "../errors.js";
import { isTempName } from "./transports/transport.js";
import { type SyncRun, warn } from "./syncRun.js";

/**
 * The doorbell (README, "The doorbell"): so that a quiet sede sync costs one listing whatever
 * the number of agents, an agent that wrote into its folder `SincroAg/<AG>/` (segments, acks,
 * resend requests) then rings: it writes a new small signed file `SincroBell/<AG>.<n>.<nonce>`
 * and deletes its previous one. The sede lists `SincroBell/` once and reads the folder of an
 * agent only when that agent's bell names differ from those it saw before it last read the
 * folder, or when it has not read it for `sync.full-listing-hours` (default 24), or when the
 * agent is new or retiring. A bell is only a hint: the sede never opens one, so a forged or
 * moved bell costs it one listing, and a deleted one delays what it announced until the next
 * full listing, never loses it. Each bell name has one writer, the agent it names; the sede
 * deletes the bells it heard once it took in the agent's folder (see {@link rememberBells}), so
 * the folder holds only rings not yet heard.
 */
export const BELL_FOLDER = "SincroBell";
export const BELL_FORMAT = "sincro-bell/1";
const DEFAULT_FULL_LISTING_HOURS = 24;
const HOUR_MS = 3_600_000;
const BELL_NAME = /^([A-Z0-9]{1,8})\.(\d{1,15})\.([0-9a-f]{8})$/;

/** `AG01.42.9f3a07c1`: the agent, its ring counter, 8 random hex digits (so no one can write the next name ahead). */
export function bellName(agent: string, n: number, nonce: string): string {
  return `${agent}.${n}.${nonce}`;
}

/** The bells of a listing of `SincroBell/`, per agent: its bell names, sorted and joined. Other names are ignored. Pure. */
export function bellsByAgent(names: readonly string[]): Map<string, string> {
  const byAgent = new Map<string, string[]>();
  for (const name of [...names].sort()) {
    const agent = BELL_NAME.exec(name)?.[1];
    if (agent !== undefined) byAgent.set(agent, [...(byAgent.get(agent) ?? []), name]);
  }
  return new Map([...byAgent].map(([agent, list]) => [agent, list.join(" ")]));
}

/** What the sede remembers of an agent: its bell names before it last read the agent's folder, and when. */
export interface Heard {
  names: string;
  read: string;
}

/**
 * The agents whose folders a sede sync reads: those it never read, those in `always` (retiring:
 * read one last time), those whose bells differ from what it heard before its last read, and
 * those it last read `fullListingMs` or more ago. In the order of `agents`. Pure.
 */
export function agentsToRead(input: {
  agents: readonly string[];
  bells: ReadonlyMap<string, string>;
  heard: ReadonlyMap<string, Heard>;
  nowMs: number;
  fullListingMs: number;
  always: ReadonlySet<string>;
}): string[] {
  const { bells, heard, nowMs, fullListingMs, always } = input;
  return input.agents.filter((agent) => {
    const h = heard.get(agent);
    if (!h || always.has(agent)) return true;
    if (h.names !== (bells.get(agent) ?? "")) return true;
    return !(nowMs - Date.parse(h.read) < fullListingMs);
  });
}

/** Sede: lists `SincroBell/` (one request) and returns the bells per agent. */
export async function listenToBells(run: SyncRun): Promise<Map<string, string>> {
  const t = run.transport;
  const names = t.listNames ? await t.listNames(BELL_FOLDER) : (await t.list(BELL_FOLDER)).map((f) => f.name);
  return bellsByAgent(names.filter((n) => !isTempName(n)));
}

/** Sede: the agents this sync reads (see {@link agentsToRead}), given the bells just listed. */
export function agentsToReadNow(run: SyncRun, bells: ReadonlyMap<string, string>): Set<string> {
  const { node } = run;
  const rows = node.db.prepare(`SELECT agent, names, read FROM bell_heard`).all() as Array<{ agent: string } & Heard>;
  const hours = Number(node.config("sync.full-listing-hours") ?? DEFAULT_FULL_LISTING_HOURS);
  return new Set(
    agentsToRead({
      agents: run.agents,
      bells,
      heard: new Map(rows.map((r) => [r.agent, { names: r.names, read: r.read }])),
      nowMs: run.now().getTime(),
      fullListingMs: (Number.isFinite(hours) ? hours : DEFAULT_FULL_LISTING_HOURS) * HOUR_MS,
      always: new Set(node.keyring.retiring()),
    }),
  );
}

/**
 * Sede, at the end of a sync: for each agent whose folder it read and fully took in (nothing
 * listed there beyond what it applied, its stream not stopped), remembers the bells it saw
 * before reading, then deletes them (on the sync's connections at once) and remembers that none
 * is left. So the bell folder holds only the bells not yet heard, and a quiet sync lists a
 * nearly empty folder (an SFTP server sends ~100 names per reply: 300 bells cost 3 replies more).
 * A ring that came while the sede read has another name and stays. An agent with something left
 * over is read again at the next sync. A bell the server does not let the sede delete stays,
 * remembered as seen, with a warning.
 */
export async function rememberBells(run: SyncRun, bells: ReadonlyMap<string, string>): Promise<void> {
  const save = run.node.db.prepare(
    `INSERT INTO bell_heard (agent, names, read) VALUES (?, ?, ?) ON CONFLICT (agent) DO UPDATE SET names = excluded.names, read = excluded.read`,
  );
  const at = run.now().toISOString();
  const heard = run.agents.filter((agent) => run.reads(agent) && tookAllIn(run, agent));
  run.node.batch(() => {
    for (const agent of heard) save.run(agent, bells.get(agent) ?? "", at);
  });
  const ringing = heard.filter((agent) => (bells.get(agent) ?? "") !== "");
  const cleared: string[] = [];
  let refused: string | undefined;
  await run.connections.each(ringing, async (transport, agent) => {
    if (refused !== undefined) return;
    try {
      for (const name of (bells.get(agent) as string).split(" ")) await transport.delete(`${BELL_FOLDER}/${name}`);
      cleared.push(agent);
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      refused = err.message;
    }
  });
  run.node.batch(() => {
    for (const agent of cleared) save.run(agent, "", at);
  });
  if (refused !== undefined) {
    warn(run.report, `${BELL_FOLDER}: could not delete the bells already heard (${refused}); a quiet sync lists them again each time`, say("warn.bellsKept", { folder: BELL_FOLDER }));
  }
}

function tookAllIn(run: SyncRun, agent: string): boolean {
  const stream = agentToSede(agent);
  const listed = run.listed(streamFolder(stream));
  if (!listed) return false;
  const cursor = run.inbox.cursor(stream);
  if (cursor?.blocked) return false;
  const at = cursor?.segment ?? -1;
  return !listed.some((f) => {
    const parsed = parseFileName(f.name);
    return parsed !== undefined && parsed.number > at;
  });
}

/**
 * Agent: called before each write of this sync; a write into the agent's own folder makes a
 * ring owed, recorded before the write, so a sync cut after it still rings next time.
 */
/** Agent: the office should look at this agent's folder (e.g. its first sync found nothing to start from). */
export function oweBell(node: SincroNode): void {
  if (node.role !== "agent") return;
  node.db.prepare(`INSERT INTO bell_rung (one, names, owed) VALUES (1, '[]', 1) ON CONFLICT (one) DO UPDATE SET owed = 1`).run();
}

export function oweBellFor(node: SincroNode, path: string): void {
  if (node.role !== "agent" || !path.startsWith(`${AG_ROOT}/${node.id}/`)) return;
  node.db.prepare(`INSERT INTO bell_rung (one, names, owed) VALUES (1, '[]', 1) ON CONFLICT (one) DO UPDATE SET owed = 1`).run();
}

/**
 * Agent, at the end of a sync: rings if it owes a ring. The new name is recorded before it is
 * written and the earlier ones are deleted after, so a cut ring leaves no bell behind for good.
 */
export async function ringBell(run: SyncRun): Promise<void> {
  const { node } = run;
  const row = node.db.prepare(`SELECT names, owed FROM bell_rung WHERE one = 1`).get() as { names: string; owed: number } | undefined;
  const keys = node.keyring.own();
  if (!row || row.owed === 0 || !keys) return;
  const earlier = JSON.parse(row.names) as string[];
  const n = Math.max(0, ...earlier.map((name) => Number(BELL_NAME.exec(name)?.[2] ?? 0))) + 1;
  const name = bellName(node.id, n, randomBytes(4).toString("hex"));
  const setNames = node.db.prepare(`UPDATE bell_rung SET names = ?, owed = ? WHERE one = 1`);
  setNames.run(JSON.stringify([...earlier, name]), 1);
  const path = `${BELL_FOLDER}/${name}`;
  const plain = Buffer.from(`${JSON.stringify({ format: BELL_FORMAT, agent: node.id, n, at: run.now().toISOString() })}\n`, "utf8");
  // Signed, not encrypted: it says no more than its name; the sede never needs to open it.
  await run.transport.write(path, sealBox(path, plain, node.id, keys, []));
  for (const old of earlier) await run.transport.delete(`${BELL_FOLDER}/${old}`);
  setNames.run(JSON.stringify([name]), 0);
}
