// The model of the convergence test: what each node must hold by the rules of DESIGN §3,
// simpler than the system — plain maps filled from what the commands did, no routing, no
// streams, no cursors. `checkSafety` runs after every step; `checkConverged` after the final
// fault-free rounds.
import { expect } from "vitest";
import { verifyChain } from "../../src/events/verifyChain.js";
import { Inbox } from "../../src/ship/inbox.js";
import { ATTACKER } from "./attacker.js";
import type { SincroNode } from "../../src/node/sincroNode.js";
import { AGENTS, CLOCK_TOLERANCE_MS, hlcWall, type NodeName, type World } from "./world.js";

export interface Line {
  product: string;
  qty: string;
  price: string;
  discounts: string[];
}

export interface CustomerFields {
  name: string;
  city: string | null;
}

export interface ModelCustomer {
  code: string;
  agent: string | null;
  createdBy: NodeName;
  created: CustomerFields;
  /** The last local edit on each node (edits stay local, DESIGN §3). */
  edits: Map<NodeName, CustomerFields>;
  /** Every version the sede had (an agent's snapshot carries the sede's view). */
  sedeVersions: CustomerFields[];
  /** Agents whose current PC got this customer from the sede although they created it (a reinstalled PC, a move back). */
  viaSede: Set<string>;
  /** Agents the sede moved it away from: each may hold it until its next sync brings the release. */
  formerAgents: Set<string>;
  /** Every agent it was ever moved away from (a change one of them sent too late is refused at the sede). */
  movedFrom: Set<string>;
  /** Moved at least once: a holder has the sede's version of it, unless it edited it since. */
  moved: boolean;
  /** The event that created it (a restored agent PC may lose a customer it created after its backup). */
  event?: string;
}

export interface ModelOrder {
  id: string;
  origin: NodeName;
  agent: string | null;
  type: string;
  number: number;
  /** Its current state at the node that placed it; an agent's changes reach the sede too. */
  lines: Line[];
  status: "placed" | "amended" | "cancelled";
  /** Every state it has had, in order: the sede holds one of them until it has received the last. */
  states: Array<{ status: "placed" | "amended" | "cancelled"; lines: Line[]; event?: string }>;
  /** Which PC of its agent placed it (a reinstalled PC does not hold the orders of the one it replaces). */
  pc: number;
}

export interface SpecialChange {
  customer: string;
  product: string;
  price: string | null;
  discounts: string[];
  hlc: string;
  origin: string;
  id: string;
  /** The true time it was recorded at, and whether the node's clock was measured right then (DESIGN §8). */
  trueAt?: number;
  rightClock?: boolean;
  /** Recorded on a PC whose own clock was a day or more off. */
  dayOff?: boolean;
}

export class Model {
  readonly products = new Map<string, { description: string; active: boolean }>();
  readonly lists = new Set<string>();
  readonly prices = new Map<string, string>();
  readonly customers = new Map<string, ModelCustomer>();
  readonly orders = new Map<string, ModelOrder>();
  readonly specials: SpecialChange[] = [];
  /** Agents the sede retired: no longer honest readers whose state must converge. */
  readonly retired = new Set<string>();
  /** Agents that recorded something since their last complete sync: not everything they did is parked. */
  readonly dirty = new Set<string>();
  /** The current PC of each agent (0: the first; each reinstall adds one). */
  readonly pcs = new Map<string, number>();
  /** The last backup of each agent's PC (`sincro backup`), with what the model knew then. */
  readonly backups = new Map<string, { backup: import("./world.js").Backup; pc: number; edits: Map<string, CustomerFields | undefined>; sedeRestores: number }>();
  /**
   * Events a restored agent PC may have lost for good: recorded after its backup and not
   * parked before the restore (never sealed or never uploaded; local customer updates never
   * leave the PC at all). Everything else it recorded must come back from the office.
   */
  readonly mayLose = new Set<string>();
  /** The same events as `origin#seq`: in a restored office's own log their numbers are a gap. */
  readonly lostSeqs = new Set<string>();
  /** Agents whose PC was ever restored from a backup: until their work is back, they hold earlier states of their orders. */
  readonly restored = new Set<string>();
  /** Restored agents that have not synced since: nothing may be entered before (README: sync first). */
  readonly restoredUnsynced = new Set<string>();
  /**
   * Enrollments, retirements, reinstalls and restores so far: a sede backup taken before one of
   * them is not restored (README, "The office PC restored from a backup", Limits: an agent
   * enrolled or retired after the backup must be enrolled or retired again by hand; an agent PC
   * and the office both put back to before what they had exchanged lose it on both sides).
   */
  epoch = 0;
  /** Sede restores so far: an agent's backup taken before the last one is not restored (see epoch). */
  sedeRestores = 0;
  /** The last backup of the sede's database, with the sede's customer edits then and the epoch. */
  sedeBackup: { backup: import("./world.js").Backup; edits: Map<string, CustomerFields | undefined>; epoch: number } | undefined;
  /** The sede was ever restored from a backup: until its work is back it may hold earlier states. */
  sedeRestored = false;
  /** The restored sede still takes back its work (from the server or an honest agent): nothing is entered at the sede meanwhile. */
  sedeRecovering = false;
  /** Fresh names, so that a leaked edit is recognisable. */
  private counter = 0;

  /** The agents still in service, whose PCs must converge. */
  honest(): string[] {
    return AGENTS.filter((a) => !this.retired.has(a));
  }

  pcOf(agent: string): number {
    return this.pcs.get(agent) ?? 0;
  }

  fresh(prefix: string): string {
    return `${prefix} ${++this.counter}`;
  }

  /** Codes the sede renamed (`customer rename`), old → new: an agent may still hold the old one until its next sync. */
  readonly renamed = new Map<string, string>();

  /** The customer's code now, following renames. */
  resolve(code: string): string {
    let c = code;
    for (let next = this.renamed.get(c); next !== undefined; next = this.renamed.get(c)) c = next;
    return c;
  }

  ownerOf(code: string): string | null {
    return this.customers.get(this.resolve(code))?.agent ?? null;
  }

  /** Whether agent `a` may hold customer `code` now: its own, or moved away from it and not yet released there. */
  mayHold(a: string, code: string): boolean {
    const c = this.customers.get(this.resolve(code));
    return c !== undefined && (c.agent === a || c.formerAgents.has(a));
  }

  /** The orders `origin` placed that its current PC holds. */
  ordersOf(origin: NodeName): ModelOrder[] {
    return [...this.orders.values()].filter((o) => o.origin === origin && (origin === "SEDE" || o.pc === this.pcOf(origin)));
  }

  /**
   * After the final rounds: what a restored PC lost for good (the office never got it) leaves
   * the model — each lost event must be one it was allowed to lose. Orders fall back to their
   * last state that survived.
   */
  dropLost(world: World): string[] {
    const sede = world.node("SEDE");
    const held = sede.db.prepare(`SELECT 1 FROM events WHERE id = ?`);
    const lost = (id: string | undefined) => id !== undefined && this.mayLose.has(id) && held.get(id) === undefined;
    const dropped: string[] = [];
    for (const [id, o] of [...this.orders]) {
      if (lost(id)) {
        this.orders.delete(id);
        dropped.push(`order ${o.type}/${o.number}`);
        continue;
      }
      const kept = o.states.filter((st) => !lost(st.event));
      if (kept.length < o.states.length) {
        dropped.push(`${o.states.length - kept.length} change(s) of order ${o.type}/${o.number}`);
        o.states = kept;
        const last = kept[kept.length - 1] as (typeof kept)[number];
        o.status = last.status;
        o.lines = last.lines;
      }
    }
    for (const [code, c] of [...this.customers]) {
      if (lost(c.event)) {
        this.customers.delete(code);
        dropped.push(`customer ${code}`);
      }
    }
    for (let i = this.specials.length - 1; i >= 0; i--) {
      if (lost(this.specials[i]?.id)) {
        dropped.push(`special price ${this.specials[i]?.customer}|${this.specials[i]?.product}`);
        this.specials.splice(i, 1);
      }
    }
    return dropped;
  }

  /** The most recent change per key: highest HLC, then origin, then event id (DESIGN §3). */
  specialWinners(lost: ReadonlySet<string> = new Set()): Map<string, SpecialChange> {
    const out = new Map<string, SpecialChange>();
    for (const c of this.specials) {
      if (lost.has(c.hlc)) continue;
      const key = `${this.resolve(c.customer)}|${c.product}`;
      const held = out.get(key);
      const later = !held || [c.hlc, c.origin, c.id].join("\u0000") > [held.hlc, held.origin, held.id].join("\u0000");
      if (later) out.set(key, { ...c, customer: this.resolve(c.customer) });
    }
    return out;
  }
}

interface OrderRow {
  id: string;
  type: string;
  number: number;
  origin: string;
  agent: string | null;
  status: string;
}

function orderRows(node: SincroNode): OrderRow[] {
  return node.db.prepare(`SELECT id, type, number, origin, agent, status FROM orders ORDER BY id`).all() as OrderRow[];
}

function orderLines(node: SincroNode, id: string): Line[] {
  return (node.db.prepare(`SELECT product, qty, price, discounts FROM order_lines WHERE order_id = ? ORDER BY line_no`).all(id) as Array<
    Omit<Line, "discounts"> & { discounts: string }
  >).map((l) => ({ ...l, discounts: JSON.parse(l.discounts) as string[] }));
}

interface SpecialRow {
  customer: string;
  product: string;
  price: string | null;
  discounts: string;
  removed: number;
  hlc: string;
  origin: string;
}

function specialRows(node: SincroNode): SpecialRow[] {
  return node.db
    .prepare(`SELECT customer, product, price, discounts, removed, hlc, origin FROM special_prices ORDER BY customer, product`)
    .all() as SpecialRow[];
}

/** Nothing the rules forbid is present anywhere; nothing local leaked. Runs after every step. */
export function checkSafety(model: Model, world: World): void {
  for (const a of model.honest() as NodeName[]) {
    const node = world.node(a);
    for (const c of node.read.listCustomers()) {
      expect(c.agent, `${a} holds customer ${c.code} of ${c.agent ?? "the sede"}`).toBe(a);
      expect(model.mayHold(a, c.code), `${a} holds customer ${c.code} the model does not give it (its agent: ${model.ownerOf(c.code)})`).toBe(true);
    }
    for (const o of orderRows(node)) {
      expect(o.origin, `${a} holds order ${o.type}/${o.number} of ${o.origin} (on-behalf or another agent's)`).toBe(a);
      const m = model.orders.get(o.id);
      expect(m, `${a} holds an order the model does not know: ${o.type}/${o.number}`).toBeDefined();
      const held = { status: o.status, lines: orderLines(node, o.id) };
      if (model.restored.has(a)) expect(m?.states.map(({ status, lines }) => ({ status, lines })), `order ${o.type}/${o.number} at restored ${a}: a state it never had`).toContainEqual(held);
      else expect(held).toEqual({ status: m?.status, lines: m?.lines });
    }
    for (const s of specialRows(node)) {
      expect(model.mayHold(a, s.customer), `${a} holds a special price of customer ${s.customer}, not its own`).toBe(true);
    }
  }
  const sede = world.node("SEDE");
  for (const o of orderRows(sede)) {
    const m = model.orders.get(o.id);
    expect(m, `the sede holds an order the model does not know: ${o.type}/${o.number} from ${o.origin}`).toBeDefined();
    if (!m) continue;
    // An agent's amendments and cancellations reach the sede, in order: until the last has
    // arrived, the sede holds one of the states the order has had.
    const held = { status: o.status, lines: orderLines(sede, o.id) };
    if (m.origin === "SEDE") expect(held, `order ${o.type}/${o.number} at the sede`).toEqual({ status: m.status, lines: m.lines });
    else expect(m.states.map(({ status, lines }) => ({ status, lines })), `order ${o.type}/${o.number} at the sede is in a state the agent's order never had`).toContainEqual(held);
  }
  for (const c of sede.read.listCustomers()) {
    const m = model.customers.get(c.code);
    // A restored sede taking its work back may still hold a customer under a code it renamed
    // since the backup, or with the agent it had then.
    if (model.sedeRecovering && !m && model.renamed.has(c.code)) continue;
    expect(m, `the sede holds customer ${c.code} the model does not know`).toBeDefined();
    if (model.sedeRecovering) expect(c.origin).toEqual(m?.createdBy);
    else expect([c.origin, c.agent]).toEqual([m?.createdBy, m?.agent]);
    const edit = m?.edits.get("SEDE");
    if (m && m.createdBy !== "SEDE" && !edit) expect({ name: c.name, city: c.city }, `an agent's edit of ${c.code} leaked to the sede`).toEqual(m.created);
  }
}

/**
 * DESIGN §8: "most recent" is most recent in real time, even on a PC whose clock is a day off,
 * once a sync has measured it. Of two changes of one special price, both recorded on a clock
 * measured right, the earlier not ahead of the true time (it had seen nothing from a clock not
 * yet corrected), the one truly later (by more than the tolerance twice) is the one that stays.
 */
function checkTrulyLaterWins(model: Model, world: World, winners: Map<string, SpecialChange>, lost: ReadonlySet<string>): void {
  for (const c of model.specials) {
    if (lost.has(c.hlc) || c.trueAt === undefined || c.rightClock !== true) continue;
    const w = winners.get(`${model.resolve(c.customer)}|${c.product}`);
    if (!w || w.id === c.id || w.trueAt === undefined || w.rightClock !== true) continue;
    if (c.trueAt > w.trueAt + 2 * CLOCK_TOLERANCE_MS && hlcWall(w.hlc) <= w.trueAt + CLOCK_TOLERANCE_MS) {
      throw new Error(
        `special price ${w.customer}|${w.product}: ${c.origin}'s change at ${new Date(c.trueAt).toISOString()} (hlc ${c.hlc}) lost to ${w.origin}'s earlier one at ${new Date(w.trueAt).toISOString()} (hlc ${w.hlc})`,
      );
    }
  }
  for (const w of winners.values()) {
    const at = w.trueAt;
    if (at === undefined) continue;
    const beaten = model.specials.filter((c) => c.id !== w.id && model.resolve(c.customer) === w.customer && c.product === w.product && c.trueAt !== undefined && c.trueAt < at);
    if (beaten.some((c) => c.dayOff === true || w.dayOff === true)) world.counters.add("special-truly-later-won-with-a-clock-a-day-off");
  }
}

/** Every node holds exactly what the model says, after the final fault-free rounds. */
export function checkConverged(model: Model, world: World): void {
  const sede = world.node("SEDE");

  // Catalogue: the sede's is the model's; every agent's equals the sede's.
  expect(sede.read.listProducts().map((p) => [p.code, p.description, p.active])).toEqual(
    [...model.products].sort(([a], [b]) => (a < b ? -1 : 1)).map(([code, p]) => [code, p.description, p.active]),
  );
  expect(sede.read.listPrices().map((p) => `${p.list}|${p.product}=${p.price}`)).toEqual(
    [...model.prices].map(([k, v]) => `${k}=${v}`).sort(),
  );
  const lists = (n: SincroNode) => n.db.prepare(`SELECT code, description FROM price_lists ORDER BY code`).all();
  const honest = model.honest() as NodeName[];
  for (const a of honest) {
    const node = world.node(a);
    expect(node.read.listProducts(), `${a} products`).toEqual(sede.read.listProducts());
    expect(node.read.listPrices(), `${a} prices`).toEqual(sede.read.listPrices());
    expect(lists(node), `${a} price lists`).toEqual(lists(sede));
  }

  // Customers: all at the sede, exactly its own at each agent, each once.
  const key = (c: { code: string; origin: string; agent: string | null }) => `${c.code}/${c.origin}/${c.agent ?? "-"}`;
  const all = [...model.customers.values()].map((c) => key({ code: c.code, origin: c.createdBy, agent: c.agent })).sort();
  expect(sede.read.listCustomers().map(key).sort(), "customers at the sede").toEqual(all);
  for (const a of honest) {
    const node = world.node(a);
    const own = [...model.customers.values()].filter((c) => c.agent === a).map((c) => key({ code: c.code, origin: c.createdBy, agent: c.agent }));
    expect(node.read.listCustomers().map(key).sort(), `customers at ${a}`).toEqual(own.sort());
    for (const c of node.read.listCustomers()) {
      const m = model.customers.get(c.code) as ModelCustomer;
      const fields = { name: c.name, city: c.city };
      const edit = m.edits.get(a);
      // A moved customer arrives as the sede has it; an edit made before that arrived is overwritten.
      if (m.moved) expect([...m.sedeVersions, ...(edit ? [edit] : [])], `${c.code} at ${a}: moved, neither the sede's version nor its own edit`).toContainEqual(fields);
      else if (edit) expect(fields, `${c.code} at ${a} (its own edit)`).toEqual(edit);
      else if (m.createdBy === a && !m.viaSede.has(a)) expect(fields).toEqual(m.created);
      else expect(m.sedeVersions, `${c.code} at ${a}: a version the sede never had`).toContainEqual(fields);
    }
  }
  for (const c of sede.read.listCustomers()) {
    const m = model.customers.get(c.code) as ModelCustomer;
    expect({ name: c.name, city: c.city }, `${c.code} at the sede`).toEqual(m.edits.get("SEDE") ?? m.created);
  }

  // Orders: every agent order at the sede exactly once, in its last state; each agent only its own.
  const sedeOrders = orderRows(sede);
  expect(sedeOrders.map((o) => o.id).sort(), "orders at the sede").toEqual([...model.orders.keys()].sort());
  for (const a of honest) {
    const node = world.node(a);
    expect(orderRows(node).map((o) => o.id).sort(), `orders at ${a}`).toEqual(model.ordersOf(a).map((o) => o.id).sort());
  }
  for (const o of sedeOrders) {
    const m = model.orders.get(o.id) as ModelOrder;
    expect([o.type, o.number, o.origin, o.agent]).toEqual([m.type, m.number, m.origin, m.agent]);
    // Settled: the agent's last change has reached the sede.
    expect({ status: o.status, lines: orderLines(sede, o.id) }, `order ${o.type}/${o.number} at the sede, settled`).toEqual({ status: m.status, lines: m.lines });
  }
  expect(sede.read.listConflicts().filter((c) => c.kind !== "special-price"), "conflicts other than special prices").toEqual([]);

  // A change an agent made to a customer the sede had already moved away from it is refused at
  // the sede when it arrives (reported as quarantined), and dropped at the agent with the customer.
  const lateFromFormer = sede.log
    .quarantined()
    .filter((q) => q.origin !== ATTACKER && (q.type === "SpecialPriceSet" || q.type === "SpecialPriceRemoved"))
    .filter((q) => {
      const change = model.specials.find((s) => s.hlc === q.hlc);
      if (change === undefined) return false;
      // Named a code the sede had renamed by the time it arrived: unknown there.
      if (model.renamed.has(change.customer)) return true;
      return model.customers.get(model.resolve(change.customer))?.movedFrom.has(q.origin) === true;
    });
  const lost = new Set(lateFromFormer.map((q) => q.hlc));
  // Special prices: the most recent change by HLC, identical on the sede and the customer's agent.
  const winners = model.specialWinners(lost);
  const want = (filter: (customer: string) => boolean) =>
    [...winners.values()]
      .filter((w) => filter(w.customer))
      .map((w) => ({
        customer: w.customer,
        product: w.product,
        price: w.price,
        discounts: JSON.stringify(w.price === null ? [] : w.discounts),
        removed: w.price === null ? 1 : 0,
        hlc: w.hlc,
        origin: w.origin,
      }))
      .sort((x, y) => (`${x.customer}|${x.product}` < `${y.customer}|${y.product}` ? -1 : 1));
  expect(specialRows(sede), "special prices at the sede").toEqual(want(() => true));
  checkTrulyLaterWins(model, world, winners, lost);
  for (const a of honest) {
    expect(specialRows(world.node(a)), `special prices at ${a}`).toEqual(want((c) => model.ownerOf(c) === a));
  }

  // Hostile input: only the attacker's events are quarantined, and no honest stream is left
  // stopped (the sede's reading of AG04's folder may be: it is the attacker's).
  expect(sede.log.quarantined().filter((q) => q.origin !== ATTACKER && !lost.has(q.hlc)), "quarantined at the sede, not the attacker's").toEqual([]);
  for (const a of honest) {
    expect(world.node(a).log.quarantined(), `quarantined at ${a}`).toEqual([]);
    expect(new Inbox(world.node(a)).cursors().filter((c) => c.blocked !== null), `streams stopped at ${a}`).toEqual([]);
  }
  const honestStreams = new Set(honest.map((a) => `${a}>SEDE`));
  expect(new Inbox(sede).cursors().filter((c) => c.blocked !== null && honestStreams.has(c.stream)), "honest streams stopped at the sede").toEqual([]);

  for (const a of honest) expect(world.node(a).awaitingReturn(), `${a} still waits for its events from the office`).toBe(false);
  for (const a of honest) expect(world.node(a).heldOn(), `${a} still waits on files of its folder`).toEqual([]);

  // Logs and projections.
  for (const [name, node] of world.nodes) {
    // In the order the node replays its log: a restored office's own events taken back stream
    // by stream stand in number order there (replayOrderStatement), and so must chain.
    const own = [...node.log.replayOrder(node.id)].filter((e) => e.origin === node.id);
    // A reinstalled PC continues the chain after what the sede held of the PC it replaced: its
    // own chain starts there (the sede refuses a seq it holds with another event).
    const reinstalled = world.formerPcs.some((pc) => pc.id === node.id);
    const startsLater = (v: { kind: string; seq: number }) => reinstalled && v.kind === "missing" && v.seq === own[0]?.seq;
    // A restored office's own log has a gap where its local events recorded after the backup
    // were (they never left it): allowed only where every missing number is one of those.
    const lostGap = (v: { kind: string; origin: string; detail: string }) => {
      const m = /^seq (\d+)(?:…(\d+))? missing before it$/.exec(v.detail);
      if (v.kind !== "missing" || !m) return false;
      for (let seq = Number(m[1]); seq <= Number(m[2] ?? m[1]); seq++) if (!model.lostSeqs.has(`${v.origin}#${seq}`)) return false;
      return true;
    };
    expect(verifyChain(own).filter((v) => !startsLater(v) && !lostGap(v)), `hash chain of ${name}`).toEqual([]);
    const { before, after } = node.rebuild();
    expect(after, `rebuild of ${name}`).toEqual(before);
  }
}
