// Commands of the convergence model, one small class each (fast-check's model-based layout):
// `check` is the precondition on the model, `run` acts on the real nodes and the parking area,
// checks the outcome and updates the model, `toString` reads well in a counterexample.
//
// Targets that depend on what a node holds right now (which customers an agent has received, which
// special prices are set there) are chosen at run time among what the real node holds, by an
// index drawn by the generator; the choice made is printed by `toString` after the run.
import fc from "fast-check";
import { expect } from "vitest";
import { RefusedError, SincroError } from "../../src/errors.js";
import type { Command, LineInput } from "../../src/events/commands.js";
import type { EventEnvelope } from "../../src/events/envelope.js";
import type { SyncStep } from "../../src/ship/inbox.js";
import type { CutPlan } from "../support/faultyTransport.js";
import { ATTACKER, QUARANTINED, REFUSED, SIGNERS, Attacker, segmentBytes, type Quarantined, type Refused, type Signer, type Slot } from "./attacker.js";
import { forgedEvent } from "../attacks/attackSupport.js";
import { encodeFile } from "../../src/wire/segmentCodec.js";
import { segmentName, sedeToAgent, streamFolder, type StreamName } from "../../src/wire/streams.js";
import Database from "better-sqlite3";
import { recoverState } from "../../src/ship/sedeRestore.js";
import { checkSafety, type CustomerFields, type Line, type Model, type ModelOrder, type SpecialChange } from "./model.js";
import { AGENTS, AwaitingReturn, type Backup, CLOCK_TOLERANCE_MS, Crash, HOUR, isCut, isFork, NODES, type NodeName, type SyncFault, type SyncOutcome, type World } from "./world.js";

type Cmd = fc.AsyncCommand<Model, World, boolean>;

const PRODUCTS = ["P1", "P2", "P3", "P4"];
const LISTS = ["BASE", "HORECA"];
const STEPS: SyncStep[] = ["seal", "upload", "rename", "apply", "cursor-update", "ack-write", "prune"];

function data<T>(e: EventEnvelope): T {
  return (JSON.parse(e.data) as { json: T }).json;
}

function pick<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

abstract class Base implements Cmd {
  /** What the run resolved (the customer picked, "skipped" …), for the counterexample. */
  protected did = "";
  /**
   * Runs only on a node still in service (a retired agent's PC acts only through {@link
   * RetiredPcKeepsWorking}), and not on a PC just restored from a backup before it synced.
   */
  check(m: Readonly<Model>): boolean {
    return this.live(m) && !this.waitsForSync(m) && this.sedeFree(m);
  }
  /** Entered at the sede (or acting on what the sede holds). */
  protected atSede(): boolean {
    return (this as { node?: string }).node === "SEDE";
  }
  /**
   * Nothing is entered at a restored sede until it has taken back its work: it would act on the
   * older state of the backup (the README asks only for a sync first; the model waits longer).
   */
  protected sedeFree(m: Readonly<Model>): boolean {
    return !(m.sedeRecovering && this.atSede());
  }
  /** A restored agent PC syncs before anything is entered on it (README, "When things go wrong"). */
  protected waitsForSync(m: Readonly<Model>): boolean {
    const node = (this as { node?: string }).node;
    return node !== undefined && m.restoredUnsynced.has(node);
  }
  protected live(m: Readonly<Model>): boolean {
    const node = (this as { node?: string }).node;
    return node === undefined || !m.retired.has(node);
  }
  async run(m: Model, w: World): Promise<void> {
    w.counters.commands++;
    const before = new Map(AGENTS.map((a) => [a, w.recorded.get(a) ?? 0]));
    try {
      await this.act(m, w);
    } catch (err) {
      // A restored PC waiting for its own events refused the work (World.execute checked how).
      if (!(err instanceof AwaitingReturn)) throw err;
      this.did = `refused: ${(this as { node?: string }).node ?? "?"} waits before taking new work`;
    }
    // Recorded something: until its next complete sync, not all of it is parked.
    for (const a of AGENTS) if ((w.recorded.get(a) ?? 0) > (before.get(a) ?? 0)) m.dirty.add(a);
    if (m.sedeRecovering) m.sedeRecovering = sedeStillRecovering(w);
    checkSafety(m, w);
  }
  protected abstract act(m: Model, w: World): Promise<void> | void;
  abstract label(): string;
  toString(): string {
    return this.did === "" ? this.label() : `${this.label()} /*${this.did}*/`;
  }
}

// ---------------------------------------------------------------- sede: catalogue

export class SaveProduct extends Base {
  protected override atSede(): boolean {
    return true;
  }
  constructor(readonly code: string, readonly description: string) {
    super();
  }
  act(m: Model, w: World): void {
    const kind = m.products.has(this.code) ? "UpdateProduct" : "AddProduct";
    const events = w.execute("SEDE", { kind, code: this.code, description: this.description });
    if (events.length > 0) m.products.set(this.code, { description: this.description, active: true });
  }
  label(): string {
    return `SEDE.saveProduct(${this.code}, "${this.description}")`;
  }
}

export class DiscontinueProduct extends Base {
  protected override atSede(): boolean {
    return true;
  }
  constructor(readonly code: string) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return this.sedeFree(m) && m.products.get(this.code)?.active === true;
  }
  act(m: Model, w: World): void {
    w.execute("SEDE", { kind: "DiscontinueProduct", code: this.code });
    (m.products.get(this.code) as { active: boolean }).active = false;
  }
  label(): string {
    return `SEDE.discontinue(${this.code})`;
  }
}

export class SetGenericPrice extends Base {
  protected override atSede(): boolean {
    return true;
  }
  constructor(readonly list: string, readonly product: string, readonly price: string) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return this.sedeFree(m) && m.products.has(this.product);
  }
  act(m: Model, w: World): void {
    for (const e of w.execute("SEDE", { kind: "SetGenericPrice", list: this.list, product: this.product, price: this.price })) {
      if (e.type === "PriceListSaved") m.lists.add(this.list);
      if (e.type === "GenericPriceSet") m.prices.set(`${this.list}|${this.product}`, data<{ price: string }>(e).price);
    }
  }
  label(): string {
    return `SEDE.setPrice(${this.list}, ${this.product}, ${this.price})`;
  }
}

export class RemoveGenericPrice extends Base {
  protected override atSede(): boolean {
    return true;
  }
  constructor(readonly list: string, readonly product: string) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return this.sedeFree(m) && m.prices.has(`${this.list}|${this.product}`);
  }
  act(m: Model, w: World): void {
    w.execute("SEDE", { kind: "RemoveGenericPrice", list: this.list, product: this.product });
    m.prices.delete(`${this.list}|${this.product}`);
  }
  label(): string {
    return `SEDE.removePrice(${this.list}, ${this.product})`;
  }
}

// ---------------------------------------------------------------- customers (either side)

export class AddCustomer extends Base {
  /** `forAgent`: the sede creating a customer for an agent (null: the sede's own). */
  constructor(readonly node: NodeName, readonly forAgent: string | null, readonly withList: boolean) {
    super();
  }
  act(m: Model, w: World): void {
    const node = w.node(this.node);
    const name = m.fresh("Cliente");
    const city = m.fresh("Città");
    const command: Command = { kind: "AddCustomer", name, city };
    if (this.node === "SEDE" && this.forAgent !== null) command.agent = this.forAgent;
    if (this.withList && node.read.priceList("BASE")) command.list = "BASE";
    const [e] = w.execute(this.node, command);
    const d = data<{ code: string; agent: string | null }>(e as EventEnvelope);
    const created = { name, city };
    const earlier = m.customers.get(d.code);
    if (earlier) {
      // A restored PC numbers again after what the office holds: only a code it lost may come back.
      expect(earlier.event !== undefined && m.mayLose.has(earlier.event), `${this.node} created ${d.code} again, which it had not lost`).toBe(true);
      w.counters.add("code-reused-after-restore");
    }
    m.customers.set(d.code, { event: (e as EventEnvelope).id, code: d.code, agent: d.agent, createdBy: this.node, created, edits: new Map(), sedeVersions: [created], viaSede: new Set(), formerAgents: new Set(), movedFrom: new Set(), moved: false });
    this.did = d.code;
  }
  label(): string {
    return this.node === "SEDE" ? `SEDE.addCustomer(for ${this.forAgent ?? "none"}${this.withList ? ", BASE" : ""})` : `${this.node}.addCustomer(${this.withList ? "BASE" : ""})`;
  }
}

export class UpdateCustomer extends Base {
  constructor(readonly node: NodeName, readonly index: number) {
    super();
  }
  act(m: Model, w: World): void {
    const c = pick(w.node(this.node).read.listCustomers(), this.index);
    if (!c) return void (this.did = "no customer");
    const fields = { name: m.fresh(`Nome@${this.node}`), city: m.fresh(`Città@${this.node}`) };
    w.execute(this.node, { kind: "UpdateCustomer", code: c.code, ...fields });
    const mc = m.customers.get(m.resolve(c.code));
    expect(mc, `customer ${c.code}`).toBeDefined();
    mc?.edits.set(this.node, fields);
    if (this.node === "SEDE") mc?.sedeVersions.push(fields);
    this.did = c.code;
  }
  label(): string {
    return `${this.node}.updateCustomer(#${this.index})`;
  }
}

/**
 * `sincro customer assign CODE --agent TO|none` at the sede (DESIGN §3, reassignment): the new
 * agent gets the customer and its special prices, the old one drops them at its next sync.
 */
export class Reassign extends Base {
  protected override atSede(): boolean {
    return true;
  }
  constructor(readonly index: number, readonly to: string | null) {
    super();
  }
  act(m: Model, w: World): void {
    const c = pick(w.node("SEDE").read.listCustomers(), this.index);
    if (!c) return void (this.did = "no customer");
    const mc = m.customers.get(c.code);
    expect(mc, `customer ${c.code}`).toBeDefined();
    if (!mc) return;
    const command: Command = { kind: "ReassignCustomer", code: c.code, agent: this.to, origin: c.origin };
    if (this.to !== null && m.retired.has(this.to)) {
      expect(() => w.execute("SEDE", command), `moving ${c.code} to retired ${this.to}`).toThrow(expect.objectContaining({ field: "agent" }));
      return void (this.did = `${c.code}: refused, ${this.to} is retired`);
    }
    const events = w.execute("SEDE", command);
    if (this.to === mc.agent) {
      expect(events).toEqual([]);
      return void (this.did = `${c.code}: already ${this.to ?? "the office's"}`);
    }
    const from = mc.agent;
    if (from !== null) {
      mc.formerAgents.add(from);
      mc.movedFrom.add(from);
    }
    if (this.to !== null) {
      mc.formerAgents.delete(this.to);
      mc.edits.delete(this.to as NodeName);
      if (mc.createdBy === this.to) mc.viaSede.add(this.to);
    }
    mc.agent = this.to;
    mc.moved = true;
    w.counters.add("reassigned");
    this.did = `${c.code}: ${from ?? "office"} → ${this.to ?? "office"}`;
  }
  label(): string {
    return `SEDE.assign(#${this.index}, ${this.to ?? "none"})`;
  }
}

/**
 * `sincro customer rename OLD NEW` at the sede: the customer's agent gets the new code at its
 * next sync; special prices follow; a change an agent sent under the old code too late is refused.
 */
export class Rename extends Base {
  protected override atSede(): boolean {
    return true;
  }
  constructor(readonly index: number) {
    super();
  }
  act(m: Model, w: World): void {
    const c = pick(w.node("SEDE").read.listCustomers(), this.index);
    if (!c) return void (this.did = "no customer");
    const newCode = `R${m.fresh("").trim()}`;
    const events = w.execute("SEDE", { kind: "RenameCustomer", code: c.code, newCode, origin: c.origin });
    expect(events.map((e) => e.type)).toEqual(["CustomerRenamed"]);
    const mc = m.customers.get(c.code);
    expect(mc, `customer ${c.code}`).toBeDefined();
    if (!mc) return;
    m.customers.delete(c.code);
    m.customers.set(newCode, { ...mc, code: newCode });
    m.renamed.set(c.code, newCode);
    w.counters.add("renamed");
    this.did = `${c.code} → ${newCode}`;
  }
  label(): string {
    return `SEDE.rename(#${this.index})`;
  }
}

// ---------------------------------------------------------------- special prices (either side)

/** When and on what clock a change was recorded (for the truly-later rule, DESIGN §8). */
function clockNote(w: World, node: NodeName, trueAt: number): Pick<SpecialChange, "trueAt" | "rightClock" | "dayOff"> {
  return { trueAt, rightClock: Math.abs(w.clockError(node)) <= CLOCK_TOLERANCE_MS, dayOff: Math.abs(w.offsets[node]) >= 20 * HOUR };
}

export class SetSpecialPrice extends Base {
  constructor(readonly node: NodeName, readonly index: number, readonly product: string, readonly price: string, readonly discounts: string[]) {
    super();
  }
  act(m: Model, w: World): void {
    const node = w.node(this.node);
    const c = pick(node.read.listCustomers(), this.index);
    if (!c || !node.read.product(this.product)) return void (this.did = "skipped: no customer or product here");
    const trueAt = w.trueNow();
    const events = w.execute(this.node, { kind: "SetSpecialPrice", customer: c.code, product: this.product, price: this.price, discounts: this.discounts });
    for (const e of events) {
      const d = data<{ price: string; discounts: string[] }>(e);
      m.specials.push({ customer: c.code, product: this.product, price: d.price, discounts: d.discounts, hlc: e.hlc, origin: e.origin, id: e.id, ...clockNote(w, this.node, trueAt) });
    }
    this.did = `${c.code}${events.length === 0 ? " unchanged" : ` ${events[0]?.hlc}`}`;
  }
  label(): string {
    return `${this.node}.setSpecial(#${this.index}, ${this.product}, ${this.price}${this.discounts.length ? ` -${this.discounts.join("-")}%` : ""})`;
  }
}

export class RemoveSpecialPrice extends Base {
  constructor(readonly node: NodeName, readonly index: number) {
    super();
  }
  act(m: Model, w: World): void {
    const row = pick(w.node(this.node).read.listSpecialPrices(), this.index);
    if (!row) return void (this.did = "no special price");
    const trueAt = w.trueNow();
    for (const e of w.execute(this.node, { kind: "RemoveSpecialPrice", customer: row.customer, product: row.product })) {
      m.specials.push({ customer: row.customer, product: row.product, price: null, discounts: [], hlc: e.hlc, origin: e.origin, id: e.id, ...clockNote(w, this.node, trueAt) });
    }
    this.did = `${row.customer}/${row.product}`;
  }
  label(): string {
    return `${this.node}.removeSpecial(#${this.index})`;
  }
}

// ---------------------------------------------------------------- orders

interface LineSpec {
  product: number;
  qty: string;
  price: string;
}

function lineInputs(w: World, node: NodeName, specs: LineSpec[], explicit: boolean): LineInput[] {
  const active = w.node(node).read.listProducts().filter((p) => p.active);
  const lines: LineInput[] = [];
  for (const s of specs) {
    const p = pick(active, s.product);
    if (p) lines.push(explicit ? { product: p.code, qty: s.qty, price: s.price } : { product: p.code, qty: s.qty });
  }
  return lines;
}

/** Executes an order command; where no price is found, gives the prices explicitly. */
function withPrices(w: World, node: NodeName, make: (lines: LineInput[]) => Command, specs: LineSpec[], explicit: boolean): EventEnvelope[] {
  const lines = lineInputs(w, node, specs, explicit);
  if (lines.length === 0) return [];
  try {
    return w.execute(node, make(lines));
  } catch (err) {
    if (!(err instanceof RefusedError && err.code === "NO_PRICE")) throw err;
    return w.execute(node, make(lineInputs(w, node, specs, true)));
  }
}

export class PlaceOrder extends Base {
  constructor(readonly node: NodeName, readonly index: number, readonly agentIndex: number, readonly lines: LineSpec[], readonly explicit: boolean) {
    super();
  }
  act(m: Model, w: World): void {
    const c = pick(w.node(this.node).read.listCustomers(), this.index);
    if (!c) return void (this.did = "no customer");
    const agent = this.node === "SEDE" ? (c.agent ?? (AGENTS[this.agentIndex % AGENTS.length] as string)) : undefined;
    const make = (lines: LineInput[]): Command =>
      agent === undefined ? { kind: "PlaceOrder", customer: c.code, lines } : { kind: "PlaceOrder", customer: c.code, lines, agent };
    const [e] = withPrices(w, this.node, make, this.lines, this.explicit);
    if (!e) return void (this.did = "no active product");
    const d = data<{ type: string; number: number; agent: string | null; lines: Line[] }>(e);
    m.orders.set(e.id, { id: e.id, origin: this.node, agent: d.agent, type: d.type, number: d.number, lines: d.lines, status: "placed", states: [{ status: "placed", lines: d.lines, event: e.id }], pc: m.pcOf(this.node) });
    this.did = `${d.type}/${d.number} for ${c.code}`;
  }
  label(): string {
    return `${this.node}.placeOrder(#${this.index}${this.node === "SEDE" ? `, on behalf #${this.agentIndex}` : ""}, ${this.lines.length} lines${this.explicit ? ", @price" : ""})`;
  }
}

/** The orders `node` placed and holds open now (a restored PC may hold fewer, or earlier states, until its work is back). */
function openOrders(m: Model, w: World, node: NodeName): ModelOrder[] {
  const held = w.node(node).db.prepare(`SELECT status FROM orders WHERE id = ?`);
  return m.ordersOf(node).filter((o) => o.status !== "cancelled" && (held.get(o.id) as { status: string } | undefined)?.status !== undefined && (held.get(o.id) as { status: string }).status !== "cancelled");
}

export class AmendOrder extends Base {
  constructor(readonly node: NodeName, readonly index: number, readonly lines: LineSpec[], readonly explicit: boolean) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return this.live(m) && !this.waitsForSync(m) && m.ordersOf(this.node).some((o) => o.status !== "cancelled");
  }
  act(m: Model, w: World): void {
    const o = pick(openOrders(m, w, this.node), this.index);
    if (!o) return;
    let e: EventEnvelope | undefined;
    try {
      [e] = withPrices(w, this.node, (lines) => ({ kind: "AmendOrder", type: o.type, number: o.number, lines }), this.lines, this.explicit);
    } catch (err) {
      if (!(err instanceof RefusedError && err.code === "CUSTOMER_MOVED")) throw err;
      // Refused only for a customer the office moved away from this agent, once its PC knows.
      const { customer } = w.node(this.node).db.prepare(`SELECT customer FROM orders WHERE id = ?`).get(o.id) as { customer: string };
      expect(m.customers.get(m.resolve(customer))?.agent, `${this.node} was refused to amend ${o.type}/${o.number}: ${err.message}`).not.toBe(this.node);
      expect(w.node(this.node).read.listCustomers().map((c) => c.code)).not.toContain(m.resolve(customer));
      w.counters.add("amend-refused:customer-moved");
      return void (this.did = `refused: ${customer} moved away`);
    }
    if (!e) return void (this.did = "no active product");
    o.lines = data<{ lines: Line[] }>(e).lines;
    o.status = "amended";
    o.states.push({ status: o.status, lines: o.lines, event: e.id });
    this.did = `${o.type}/${o.number}`;
  }
  label(): string {
    return `${this.node}.amendOrder(#${this.index}, ${this.lines.length} lines)`;
  }
}

export class CancelOrder extends Base {
  constructor(readonly node: NodeName, readonly index: number) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return this.live(m) && !this.waitsForSync(m) && m.ordersOf(this.node).some((o) => o.status !== "cancelled");
  }
  act(m: Model, w: World): void {
    const o = pick(openOrders(m, w, this.node), this.index);
    if (!o) return;
    const [e] = w.execute(this.node, { kind: "CancelOrder", type: o.type, number: o.number, reason: "test" });
    o.status = "cancelled";
    o.states.push({ status: o.status, lines: o.lines, event: e?.id });
    this.did = `${o.type}/${o.number}`;
  }
  label(): string {
    return `${this.node}.cancelOrder(#${this.index})`;
  }
}

// ---------------------------------------------------------------- sync, and faults during a sync

/**
 * Whether a line of a sync report is the attacker's doing: it names a file the attacker wrote or
 * deleted (still as it left it when the sync started), or concerns AG04's own stream or requests.
 */
export function byAttacker(line: string, planted: ReadonlySet<string>): boolean {
  if (line.startsWith(`${ATTACKER}>SEDE`) || line.includes(`quarantined ${ATTACKER}#`) || line.includes(`as ${ATTACKER} found it`)) return true;
  for (const p of planted) if (line.includes(p)) return true;
  // A reader waiting for a segment no one wrote, because the attacker put a later one in that folder.
  const gap = /: (Sincro\w+\/[^/]+)\/\d{10}\.seg is missing while \d+ later segment/.exec(line);
  if (gap) for (const p of planted) if (p.startsWith(`${gap[1]}/`)) return true;
  // A reader missing a segment the office's head names, because the attacker deleted the
  // snapshot that had replaced it in that folder (seed 951000043).
  const named = /: (SincroSede\/[^/]+)\/\d{10}\.seg is missing: the office's head says/.exec(line);
  if (named) for (const p of planted) if (p.startsWith(`${named[1]}/`) && p.endsWith(".snap")) return true;
  return false;
}

/**
 * An agent's first sync found nothing to start from because the attacker deleted what the office
 * parked for it: allowed until the sede's next sync (which the agent's ring makes read its
 * folder) uploads it again.
 */
export function attackerLeftNothingToStartFrom(w: World, node: NodeName, out: SyncOutcome): boolean {
  const err = out.error;
  return err instanceof SincroError && err.code === "NOT_PUBLISHED" && [...out.planted].some((p) => p.startsWith(`SincroSede/${node}/`) && !w.existsServer(p));
}

/** Judges a sync's outcome: only what the armed fault, a damaged file or the attacker explains is allowed. */
function judge(w: World, node: NodeName, fault: SyncFault | undefined, out: SyncOutcome): string {
  const shortRead = w.canShortRead && fault?.kind === "cut" && fault.plan.direction === "download" && fault.plan.mode === "short" && out.fired;
  const damaged = w.damaged.size > 0;
  if (fault && out.fired) {
    const mode = fault.kind === "cut" && fault.plan.direction === "download" ? `:${w.canShortRead ? fault.plan.mode : "reset"}` : "";
    w.counters.add(fault.kind === "crash" ? `crash:${fault.step}` : `cut:${fault.plan.direction}${mode}`);
  }
  if (out.error !== undefined) {
    const err = out.error;
    if (err instanceof Crash) return `crashed at ${fault?.kind === "crash" ? fault.step : "?"}, reopened`;
    if (isCut(err) && fault?.kind === "cut" && out.fired) return "connection dropped";
    // Before its first complete sync, an agent whose parked files the attacker deleted finds
    // nothing to start from, until the sede's next sync uploads them again.
    if (attackerLeftNothingToStartFrom(w, node, out)) {
      w.counters.add("attack-refusals");
      return "nothing to start from: the attacker deleted it";
    }
    if (isFork(err) && (damaged || shortRead)) {
      w.counters.add(damaged ? "fork-refusal:damaged-file" : "fork-refusal:short-read");
      return "refused as a fork (damaged or cut file)";
    }
    throw new Error(`sync ${node} failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  const errors = out.report?.errors ?? [];
  const unexplained = errors.filter((e) => !byAttacker(e, out.planted));
  if (errors.length > 0 && unexplained.length === 0) {
    w.counters.add("attack-refusals", errors.length);
    return `refused the attacker's files: ${errors.length}`;
  }
  if (errors.length > 0) {
    if (!damaged && !shortRead) throw new Error(`sync ${node} reported errors with no damaged file nor attack: ${unexplained.join("; ")}`);
    w.counters.add("stream-blocked-reports", errors.length);
    return `blocked: ${errors.length}`;
  }
  return out.fired ? "fault fired, sync completed" : fault ? "fault not reached" : "ok";
}

/** After a sync of `node`: a complete one parked everything; one that got past the restore check lets a restored PC be used. */
function synced(m: Model, node: NodeName, out: SyncOutcome): void {
  if (out.report) m.dirty.delete(node);
  if (out.report || out.error instanceof Crash) m.restoredUnsynced.delete(node);
}

export class Sync extends Base {
  constructor(readonly node: NodeName, readonly snapshotEvery: number | undefined) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return this.live(m);
  }
  async act(m: Model, w: World): Promise<void> {
    const opts = this.snapshotEvery === undefined ? {} : { snapshotEvery: this.snapshotEvery };
    const out = await w.sync(this.node, opts);
    this.did = judge(w, this.node, undefined, out);
    synced(m, this.node, out);
  }
  label(): string {
    return `sync(${this.node}${this.snapshotEvery === undefined ? "" : `, snapshotEvery=${this.snapshotEvery}`})`;
  }
}

export class CrashingSync extends Base {
  constructor(readonly node: NodeName, readonly step: SyncStep, readonly nth: number, readonly snapshotEvery: number | undefined) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return this.live(m);
  }
  async act(m: Model, w: World): Promise<void> {
    const fault: SyncFault = { kind: "crash", step: this.step, nth: this.nth };
    const opts = this.snapshotEvery === undefined ? { fault } : { fault, snapshotEvery: this.snapshotEvery };
    const out = await w.sync(this.node, opts);
    this.did = judge(w, this.node, fault, out);
    synced(m, this.node, out);
  }
  label(): string {
    return `sync(${this.node}, crash at ${this.step} #${this.nth}${this.snapshotEvery === undefined ? "" : `, snapshotEvery=${this.snapshotEvery}`})`;
  }
}

export class CutSync extends Base {
  constructor(readonly node: NodeName, readonly plan: CutPlan) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return this.live(m);
  }
  async act(m: Model, w: World): Promise<void> {
    const fault: SyncFault = { kind: "cut", plan: this.plan };
    const out = await w.sync(this.node, { fault });
    this.did = judge(w, this.node, fault, out);
    synced(m, this.node, out);
  }
  label(): string {
    const p = this.plan;
    return `sync(${this.node}, cut ${p.direction} #${p.skip + 1} after ${p.afterBytes} B${p.direction === "download" ? ` (${p.mode})` : ""})`;
  }
}

// ---------------------------------------------------------------- faults on the server and clocks

export class Redeliver extends Base {
  constructor(readonly index: number) {
    super();
  }
  act(_m: Model, w: World): void {
    const gone = [...w.archive.keys()].filter((f) => !w.existsServer(f)).sort();
    const f = pick(gone, this.index);
    if (!f) return void (this.did = "nothing pruned yet");
    w.writeServer(f, w.archive.get(f) as Buffer);
    w.counters.add("redelivered");
    this.did = f;
  }
  label(): string {
    return `redeliverPruned(#${this.index})`;
  }
}

export class LeaveTemp extends Base {
  constructor(readonly index: number) {
    super();
  }
  act(_m: Model, w: World): void {
    const folders = [...new Set(w.serverFiles().map((f) => f.slice(0, f.lastIndexOf("/"))))].sort();
    const folder = pick(folders, this.index);
    if (!folder) return void (this.did = "no folder");
    const f = `${folder}/${String(this.index + 1).padStart(10, "0")}.seg.${(1000 + this.index).toString(16)}.tmp`;
    w.writeServer(f, Buffer.from("half an upload"));
    w.counters.add("temp-left");
    this.did = f;
  }
  label(): string {
    return `leaveTempFile(#${this.index})`;
  }
}

export class Damage extends Base {
  constructor(readonly index: number, readonly mode: "truncate" | "bitflip", readonly at: number) {
    super();
  }
  act(_m: Model, w: World): void {
    // Honest files only: the attacker's own are its business (and must stay recognisable as its).
    const files = w.serverFiles().filter((f) => /\.(seg|snap)$/.test(f) && !w.damaged.has(f) && !w.attacker.planted.has(f));
    const f = pick(files, this.index);
    if (!f) return void (this.did = "no file");
    const good = w.readServer(f);
    const pos = this.at % good.length;
    const bad = this.mode === "truncate" ? good.subarray(0, pos) : Buffer.from(good);
    if (this.mode === "bitflip") bad[pos] = (bad[pos] as number) ^ (1 << this.at % 8);
    w.damaged.set(f, good);
    w.damagedTo.set(f, bad);
    w.writeServer(f, bad);
    w.counters.add(`damaged:${this.mode}`);
    this.did = `${f} @${pos}`;
  }
  label(): string {
    return `damage(#${this.index}, ${this.mode} @${this.at})`;
  }
}

export class Repair extends Base {
  override check(m: Readonly<Model>): boolean {
    return m !== undefined;
  }
  act(_m: Model, w: World): void {
    const n = w.repairAll();
    if (n > 0) w.counters.add("repaired", n);
    this.did = `${n} restored`;
  }
  label(): string {
    return "repairServerFiles()";
  }
}

export class LoseAck extends Base {
  constructor(readonly index: number) {
    super();
  }
  act(_m: Model, w: World): void {
    const f = pick(w.serverFiles().filter((x) => x.endsWith(".ack")), this.index);
    if (!f) return void (this.did = "no ack");
    w.deleteServer(f);
    w.counters.add("ack-lost");
    this.did = f;
  }
  label(): string {
    return `loseAck(#${this.index})`;
  }
}

export class ClockJump extends Base {
  constructor(readonly node: NodeName, readonly hours: number) {
    super();
  }
  act(_m: Model, w: World): void {
    // Jumps add up, but no clock ends more than 84 h behind (the others are at most 72 h ahead):
    // two honest clocks stay less than 7 days apart, past which the receiver quarantines an
    // event as from the future (README, "Hostile content"), which the model does not expect.
    const to = Math.max(w.offsets[this.node] + this.hours * HOUR, -84 * HOUR);
    this.did = `offset ${(to / HOUR).toFixed(1)} h`;
    w.offsets[this.node] = to;
    w.counters.add(this.hours < 0 ? "clock-jump-back" : "clock-jump-forward");
  }
  label(): string {
    return `clockJump(${this.node}, ${this.hours} h)`;
  }
}

/**
 * A PC's clock set a day fast or slow, or set right again (DESIGN §8): its next sync measures
 * it against the parking server's and corrects the node's time; the PC is warned.
 */
export class DayOff extends Base {
  constructor(readonly node: NodeName, readonly days: -1 | 0 | 1) {
    super();
  }
  act(_m: Model, w: World): void {
    w.offsets[this.node] = this.days * 24 * HOUR;
    w.counters.add(this.days === 0 ? "clock-set-right" : this.days > 0 ? "clock-day-fast" : "clock-day-slow");
    if (this.days !== 0) w.counters.add("clock-day-off");
  }
  label(): string {
    return `clockDayOff(${this.node}, ${this.days === 0 ? "set right" : this.days > 0 ? "+1 day" : "-1 day"})`;
  }
}

export class TimePasses extends Base {
  constructor(readonly hours: number) {
    super();
  }
  act(_m: Model, w: World): void {
    w.advance(this.hours * HOUR);
  }
  label(): string {
    return `timePasses(${this.hours} h)`;
  }
}

// ---------------------------------------------------------------- the malicious writer

/** A forged segment or snapshot in a folder the attacker does not write (or, as an outsider, in AG04's). */
export interface ForgePlan {
  kind: "forge";
  /** `catalogue`: SincroSede/_ALL; `sede`: SincroSede/<victim>; `agent`: SincroAg/<victim>. */
  folder: "catalogue" | "sede" | "agent";
  victim: string;
  file: "seg" | "snap";
  signer: Signer;
  slot: Slot;
  index: number;
}

export type AttackPlan =
  | ForgePlan
  /** An ack claiming segment 999: 0 the sede's of the victim's stream, 1 the victim's of the catalogue, 2 the victim's of its own SEDE> stream. */
  | { kind: "ack"; victim: string; which: 0 | 1 | 2; signer: Signer }
  /** A resend request: 0 the victim's for a catalogue file, 1 the victim's for a file of SEDE>victim, 2 the sede's for a file of the victim's stream. */
  | { kind: "resend"; victim: string; which: 0 | 1 | 2; signer: Signer; index: number }
  /** An earlier honest version of a file put back (an old ack, head, request, or a pruned segment or snapshot). */
  | { kind: "replay"; index: number; version: number }
  /** An honest file deleted. */
  | { kind: "delete"; index: number }
  /** A validly signed segment of AG04's own stream, with an event the domain refuses (quarantined). */
  | { kind: "own-quarantined"; what: Quarantined }
  /** A validly signed segment of AG04's own stream, with an event AG04 may not send (refused). */
  | { kind: "own-refused"; what: Refused };

const ALL = "SincroSede/_ALL";
const name10 = (n: number, suffix: string) => `${String(n).padStart(10, "0")}.${suffix}`;

function folderOf(plan: ForgePlan): string {
  return plan.folder === "catalogue" ? ALL : plan.folder === "sede" ? `SincroSede/${plan.victim}` : `SincroAg/${plan.victim}`;
}

/** The content a forger would put in a file of `folder`: a price of 0.01, a customer, an order in the victim's name. */
function forgedContent(folder: string, victim: string, file: "seg" | "snap", number: number): Buffer {
  const agentFolder = folder.startsWith("SincroAg/");
  const stream = folder === ALL ? "SEDE>*" : agentFolder ? `${victim}>SEDE` : `SEDE>${victim}`;
  const producer = agentFolder ? victim : "SEDE";
  if (file === "snap") {
    return encodeFile(
      { format: "sincro-snapshot/1", stream, segment: number, offset: number, segmentSha256: "0".repeat(64), count: 3, producer, created: "2026-03-02T09:00:00.000Z" },
      [["P", "P1", "Olio", "PZ", "4", 1], ["L", "BASE", "BASE"], ["R", "BASE", "P1", "0.01"]],
    ).bytes;
  }
  const hlc = `${Date.UTC(2026, 2, 2, 10)}-00000-${producer}`;
  const event =
    folder === ALL
      ? forgedEvent({ origin: "SEDE", seq: 9000 + number, prev: "", hlc, type: "GenericPriceSet", data: { list: "BASE", product: "P1", price: "0.01" } })
      : agentFolder
        ? forgedEvent({
            origin: victim,
            seq: 9000 + number,
            prev: "",
            hlc,
            type: "OrderPlaced",
            data: { type: victim, number: 900 + number, year: 2026, date: "2026-03-02", customer: "000001", agent: victim, lines: [{ product: "P1", qty: "100", price: "0.01", discounts: [] }] },
          })
        : forgedEvent({ origin: "SEDE", seq: 9000 + number, prev: "", hlc, type: "CustomerCreated", data: { code: "009999", name: "Finto", agent: victim, list: null, vatNumber: null, city: null } });
  return segmentBytes(stream, number, 1, "", producer, [event]).bytes;
}

export class Attack extends Base {
  constructor(readonly plan: AttackPlan) {
    super();
  }
  act(_m: Model, w: World): void {
    const a = w.attacker;
    const p = this.plan;
    const honestFiles = () => w.serverFiles().filter((f) => !f.endsWith(".tmp") && !a.planted.has(f));
    if (p.kind === "forge") {
      const folder = folderOf(p);
      const file = p.folder === "agent" ? "seg" : p.file;
      const present = w.serverFiles().filter((f) => f.startsWith(`${folder}/`) && /\/\d{10}\.(seg|snap)$/.test(f));
      const numbers = present.map((f) => Number(f.slice(folder.length + 1, folder.length + 11)));
      const over = pick(present.filter((f) => f.endsWith(`.${file}`)), p.index);
      const path =
        p.slot === "over" && over ? over : `${folder}/${name10(p.slot === "far" ? 9999999999 : Math.max(0, ...numbers) + 1, file)}`;
      const number = Number(path.slice(folder.length + 1, folder.length + 11));
      a.plant(path, a.seal(path, forgedContent(folder, p.victim, file, number), p.signer));
      this.did = path;
    } else if (p.kind === "ack") {
      const [path, stream, reader] =
        p.which === 0
          ? [`SincroSede/${p.victim}/${p.victim}.ack`, `${p.victim}>SEDE`, "SEDE"]
          : p.which === 1
            ? [`SincroAg/${p.victim}/_ALL.ack`, "SEDE>*", p.victim]
            : [`SincroAg/${p.victim}/${p.victim}.ack`, `SEDE>${p.victim}`, p.victim];
      a.plant(path, a.seal(path, Attacker.ack(stream, reader), p.signer));
      this.did = path;
    } else if (p.kind === "resend") {
      const [path, stream, reader, producerFolder] =
        p.which === 0
          ? [`SincroAg/${p.victim}/_ALL.resend`, "SEDE>*", p.victim, ALL]
          : p.which === 1
            ? [`SincroAg/${p.victim}/${p.victim}.resend`, `SEDE>${p.victim}`, p.victim, `SincroSede/${p.victim}`]
            : [`SincroSede/${p.victim}/${p.victim}.resend`, `${p.victim}>SEDE`, "SEDE", `SincroAg/${p.victim}`];
      const files = w.serverFiles().filter((f) => f.startsWith(`${producerFolder}/`) && /\d{10}\.(seg|snap)$/.test(f));
      const asked = pick(files, p.index)?.slice(producerFolder.length + 1) ?? name10(p.index + 1, "seg");
      a.plant(path, a.seal(path, Attacker.resend(stream, reader, asked), p.signer));
      this.did = `${path} asks for ${asked}`;
    } else if (p.kind === "replay") {
      const candidates = [...w.history.entries()]
        .filter(([f, versions]) => !w.existsServer(f) || versions.some((v) => !v.equals(w.readServer(f))))
        .sort(([x], [y]) => (x < y ? -1 : 1));
      const chosen = pick(candidates, p.index);
      if (!chosen) return void (this.did = "nothing to replay");
      const [f, versions] = chosen;
      const old = pick(versions.filter((v) => !w.existsServer(f) || !v.equals(w.readServer(f))), p.version) as Buffer;
      a.plant(f, old);
      w.counters.add("attack:replay");
      this.did = `${f} (version ${versions.indexOf(old) + 1} of ${versions.length})`;
      return;
    } else if (p.kind === "delete") {
      const f = pick(honestFiles(), p.index);
      if (!f) return void (this.did = "no file");
      a.remove(f);
      this.did = f;
    } else if (p.kind === "own-quarantined") {
      this.did = a.ownQuarantined(p.what);
    } else {
      this.did = a.ownRefused(p.what);
    }
    w.counters.add(`attack:${p.kind}`);
  }
  label(): string {
    const p = this.plan;
    const fields = Object.entries(p)
      .filter(([k]) => k !== "kind")
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(", ");
    return `attack.${p.kind}(${fields})`;
  }
}

// ---------------------------------------------------------------- enrollment lifecycle

/** The agent's PC syncs once more before it is handed back (everything it recorded is then parked). */
async function lastSync(m: Model, w: World, agent: NodeName): Promise<string> {
  const out = await w.sync(agent);
  const did = judge(w, agent, undefined, out);
  synced(m, agent, out);
  return did;
}

/**
 * `sincro agent retire CODE` at the sede, then the sede syncs: what the agent had parked arrives,
 * from then on its uploads are refused. Without a last sync, only an agent with nothing unparked
 * (the model knows what it parked only after a complete sync).
 */
export class Retire extends Base {
  protected override atSede(): boolean {
    return true;
  }
  /** `customersTo`: `agent retire --customers-to` (null: none, to the office; undefined: left with it). */
  constructor(readonly agent: NodeName, readonly withLastSync: boolean, readonly customersTo?: string | null) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return this.sedeFree(m) && !m.retired.has(this.agent) && m.honest().length > 1 && (this.withLastSync || !m.dirty.has(this.agent));
  }
  async act(m: Model, w: World): Promise<void> {
    const steps: string[] = [];
    if (this.withLastSync) steps.push(`last sync: ${await lastSync(m, w, this.agent)}`);
    // Whatever a sync could not park stays on the PC: the model cannot say what arrives, so it does not retire then.
    if (m.dirty.has(this.agent)) return void (this.did = `${steps.join("; ")}; not retired (its last sync did not complete)`);
    const to = this.customersTo;
    const takerRetired = to !== undefined && to !== null && (m.retired.has(to) || to === this.agent);
    if (takerRetired) {
      expect(() => w.node("SEDE").retire(this.agent, to), `retire ${this.agent} --customers-to ${to}`).toThrow(expect.objectContaining({ field: "customers-to" }));
      return void (this.did = `${steps.join("; ")}; refused: --customers-to ${to}`);
    }
    const { customers } = w.node("SEDE").retire(this.agent, to);
    // The sede reports those it holds; what the agent parked last arrives with the next sync and stays with it.
    for (const code of customers) expect(m.ownerOf(code), `customer ${code} reported as ${this.agent}'s`).toBe(this.agent);
    if (to !== undefined) {
      for (const code of customers) {
        const mc = m.customers.get(code) as NonNullable<ReturnType<typeof m.customers.get>>;
        mc.formerAgents.add(this.agent);
        mc.movedFrom.add(this.agent);
        if (to !== null) {
          mc.formerAgents.delete(to);
          mc.edits.delete(to as NodeName);
          if (mc.createdBy === to) mc.viaSede.add(to);
        }
        mc.agent = to;
        mc.moved = true;
      }
      if (customers.length > 0) w.counters.add("retired-with-customers-moved");
    }
    m.retired.add(this.agent);
    m.epoch++;
    steps.push(`sede sync: ${judge(w, "SEDE", undefined, await w.sync("SEDE"))}`);
    // Retired for good, or (its last upload could not be read: damaged or forged) still retiring:
    // the office reads that file again at each sync, and nothing new past it.
    expect(w.node("SEDE").keyring.isRetiring(this.agent), `${this.agent} retired after the sede's sync`).toBe(true);
    w.counters.add(w.node("SEDE").keyring.isRetired(this.agent) ? "retired" : "retired:waits-for-last-upload");
    this.did = steps.join("; ");
  }
  label(): string {
    const to = this.customersTo === undefined ? "" : `, customers to ${this.customersTo ?? "none"}`;
    return `SEDE.retire(${this.agent}${this.withLastSync ? ", after its last sync" : ""}${to})`;
  }
}

/** A retired agent's PC goes on: records an order and a customer and uploads them. None of it may reach the sede. */
export class RetiredPcKeepsWorking extends Base {
  constructor(readonly agent: NodeName, readonly lines: LineSpec[]) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.retired.has(this.agent);
  }
  async act(_m: Model, w: World): Promise<void> {
    const node = w.node(this.agent);
    node.execute({ kind: "AddCustomer", name: "Cliente fantasma" });
    const c = pick(node.read.listCustomers(), 0);
    const lines = lineInputs(w, this.agent, this.lines, true);
    if (c && lines.length > 0) node.execute({ kind: "PlaceOrder", customer: c.code, lines });
    const out = await w.sync(this.agent);
    // Its sync may well report that the office's files are no longer for it, or, before its first
    // sync, that there is nothing for it (the office emptied its folders); only a crash would be wrong.
    const nothingForIt = out.error instanceof SincroError && out.error.code === "NOT_PUBLISHED";
    if (out.error !== undefined && !nothingForIt) throw new Error(`the retired ${this.agent}'s sync threw: ${String(out.error)}`);
    w.counters.add("retired-pc-uploads");
    this.did = `sent ${out.report?.sent.events ?? 0} events`;
  }
  label(): string {
    return `${this.agent}.keepsWorkingAfterRetirement(${this.lines.length} lines)`;
  }
}

/**
 * A reinstalled agent PC, by the README's procedure: (optionally the old PC's last sync,) the
 * office enrolls the code again and syncs, then the new PC, a new database, syncs before anything
 * is entered on it. The old PC is gone. Without a last sync, only an agent with nothing unparked.
 */
export class Reenroll extends Base {
  protected override atSede(): boolean {
    return true;
  }
  constructor(readonly agent: NodeName, readonly withLastSync: boolean) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return this.sedeFree(m) && !m.retired.has(this.agent) && (this.withLastSync || !m.dirty.has(this.agent));
  }
  async act(m: Model, w: World): Promise<void> {
    const steps: string[] = [];
    if (this.withLastSync) steps.push(`last sync: ${await lastSync(m, w, this.agent)}`);
    if (m.dirty.has(this.agent)) return void (this.did = `${steps.join("; ")}; not reinstalled (its last sync did not complete)`);
    w.replacePc(this.agent);
    m.epoch++;
    m.pcs.set(this.agent, m.pcOf(this.agent) + 1);
    m.restoredUnsynced.delete(this.agent);
    // The new PC holds what the sede sends it: none of the old PC's orders or local edits, and the
    // customers the old PC created as the sede has them.
    for (const c of m.customers.values()) {
      c.edits.delete(this.agent);
      if (c.createdBy === this.agent) c.viaSede.add(this.agent);
    }
    steps.push(`sede sync: ${judge(w, "SEDE", undefined, await w.sync("SEDE"))}`);
    steps.push(`new PC's first sync: ${judge(w, this.agent, undefined, await w.sync(this.agent))}`);
    w.counters.add("reinstalled");
    this.did = steps.join("; ");
  }
  label(): string {
    return `reinstallPc(${this.agent}${this.withLastSync ? ", after its last sync" : ""})`;
  }
}

// ---------------------------------------------------------------- backups

/**
 * `sincro backup --out FILE` on an agent's PC: now, or while it syncs, at a named step of that
 * sync (the copy then holds what the sync had committed so far).
 */
export class BackupAgent extends Base {
  constructor(readonly agent: NodeName, readonly step: SyncStep | undefined, readonly nth: number) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return !m.retired.has(this.agent);
  }
  async act(m: Model, w: World): Promise<void> {
    const edits = new Map<string, CustomerFields | undefined>([...m.customers].map(([code, c]) => [code, c.edits.get(this.agent)]));
    const remember = (backup: Backup) => m.backups.set(this.agent, { backup, pc: m.pcOf(this.agent), edits, sedeRestores: m.sedeRestores });
    if (this.step === undefined) {
      remember(w.backup(this.agent));
      w.counters.add("backup");
      return void (this.did = "now");
    }
    let seen = 0;
    let taken = false;
    const out = await w.sync(this.agent, {
      onStep: (step) => {
        if (step !== this.step || taken || ++seen < this.nth) return;
        taken = true;
        remember(w.backup(this.agent, true));
      },
    });
    synced(m, this.agent, out);
    const judged = judge(w, this.agent, undefined, out);
    if (!taken) remember(w.backup(this.agent));
    w.counters.add(taken ? `backup:during-${this.step}` : "backup");
    this.did = `${taken ? `taken at ${this.step}` : "step not reached, taken after"}; sync: ${judged}`;
  }
  label(): string {
    return `${this.agent}.backup(${this.step === undefined ? "now" : `during sync, at ${this.step} #${this.nth}`})`;
  }
}

/**
 * The agent's database replaced by its last backup (README, "When things go wrong"), then the
 * PC syncs before anything is entered on it. What it recorded after the backup and had parked
 * comes back from the office; what it had not parked (and its local customer updates since) is
 * lost, and only that (Model.mayLose). A sede variant needs only its own restore step here and
 * its own account of what may be lost (branch sederestore).
 */
export class RestoreAgent extends Base {
  /** The agent restored: the one of those with a backup of their current PC that `index` picks. */
  private agent: NodeName = "AG01";
  /** `officeFirst`: the office syncs between the PC's failure and the restore (it then holds all the PC had parked). */
  /** `pcSyncedLast`: the PC synced (sent its work) just before it failed. */
  constructor(readonly index: number, readonly officeFirst = false, readonly pcSyncedLast = false) {
    super();
  }
  private restorable(m: Readonly<Model>): NodeName[] {
    // A backup taken before the sede was last restored is not put back (Model.epoch).
    return AGENTS.filter((a) => !m.retired.has(a) && m.backups.get(a)?.pc === m.pcOf(a) && m.backups.get(a)?.sedeRestores === m.sedeRestores);
  }
  override check(m: Readonly<Model>): boolean {
    return this.restorable(m).length > 0;
  }
  async act(m: Model, w: World): Promise<void> {
    this.agent = pick(this.restorable(m), this.index) ?? "AG01";
    const saved = m.backups.get(this.agent);
    if (!saved) return;
    const steps: string[] = [];
    if (this.pcSyncedLast) {
      const out = await w.sync(this.agent);
      synced(m, this.agent, out);
      steps.push(`its last sync: ${judge(w, this.agent, undefined, out)}`);
    }
    const old = w.node(this.agent);
    const stream = `${this.agent}>SEDE`;
    // Parked: in a segment this PC had uploaded (whether or not the office read it yet).
    const uploaded = (old.db.prepare(`SELECT max(last) AS last FROM outbox_files WHERE stream = ? AND kind = 'segment' AND uploaded IS NOT NULL`).get(stream) as { last: number | null }).last ?? 0;
    const parked = new Set(
      (old.db.prepare(`SELECT e.id FROM stream_entries s JOIN events e ON e.pos = s.pos WHERE s.stream = ? AND s.offset <= ?`).all(stream, uploaded) as Array<{ id: string }>).map((r) => r.id),
    );
    // A parked segment the attacker deleted or replaced before the office read it: this PC's sealed copy, which would have put it back, is gone with the restore.
    // (One damaged on the server is not lost: the copy waits on it until it is repaired, folder
    // seed 951000160, run 8469.)
    const attacked = [...w.attacker.stillPlanted()].some((p) => p.startsWith(`SincroAg/${this.agent}/`));
    let mayLose = 0;
    const after = old.log.ownedAfter(old.id, saved.backup.head);
    for (const e of after) {
      if (parked.has(e.id) && !attacked) continue;
      m.mayLose.add(e.id);
      // Lost before an event that comes back: a gap in the PC's chain (the engine records it as lost).
      m.lostSeqs.add(`${e.origin}#${e.seq}`);
      mayLose++;
    }
    if (this.officeFirst) steps.push(`office sync: ${judge(w, "SEDE", undefined, await w.sync("SEDE"))}`);
    w.restore(this.agent, saved.backup);
    m.epoch++;
    // Its local customer updates are those of the backup again: none on a customer it did not
    // have then (seed 951000030: an edit of a customer the office added after the backup).
    const edits = new Map([...saved.edits].map(([code, edit]) => [m.resolve(code), edit]));
    for (const [code, c] of m.customers) {
      const edit = edits.get(code);
      if (edit === undefined) c.edits.delete(this.agent);
      else c.edits.set(this.agent, edit);
    }
    m.restored.add(this.agent);
    m.restoredUnsynced.add(this.agent);
    m.dirty.add(this.agent);
    w.counters.add("restored-agent");
    const out = await w.sync(this.agent);
    synced(m, this.agent, out);
    const waits = w.node(this.agent).awaitingReturn();
    if (waits) w.counters.add("restored-agent-awaits-return");
    this.did = `${this.agent}: ${steps.map((x) => `${x}; `).join("")}${after.length === 0 ? "nothing after the backup" : `after backup #${saved.backup.head}, may lose ${mayLose}`}; first sync: ${judge(w, this.agent, undefined, out)}${waits ? ", awaits its events" : ""}`;
  }
  label(): string {
    return `restoreBackup(#${this.index}${this.pcSyncedLast ? ", the PC synced before failing" : ""}${this.officeFirst ? ", after an office sync" : ""})`;
  }
}

/**
 * Whether the restored sede still takes back its work from what an honest node or the server
 * holds. Only the attacker's agent code may keep it waiting for good (no honest PC answers for
 * AG04, and its acks may have let the office prune the SEDE>AG04 segments nobody kept).
 */
export function sedeStillRecovering(w: World): boolean {
  const state = recoverState(w.node("SEDE"));
  if (state === undefined) return false;
  return state.agents.some((a) => a !== ATTACKER) || Object.keys(state.streams).some((s) => s !== sedeToAgent(ATTACKER));
}

/** A sync warning that the sede's restore still waits, for the attacker's agent code only (see sedeStillRecovering). */
export function waitsOnlyForAttacker(line: string): boolean {
  const m = /^restore of the office database still waits for (?:the agents ([^()]+) \(their next sync\))?(?: and )?(?:the office's own segments of (.+))?$/.exec(line);
  if (!m) return false;
  const agents = m[1]?.split(", ") ?? [];
  const streams = m[2]?.split(", ") ?? [];
  return agents.every((a) => a === ATTACKER) && streams.every((x) => x === sedeToAgent(ATTACKER));
}

/** The office's segments uploaded after the copy at `copyFile` that are gone from the server and that no agent PC keeps. */
function expiredUnheld(w: World, copyFile: string): string[] {
  const copy = new Database(copyFile, { readonly: true });
  const copied = new Map((copy.prepare(`SELECT stream, max(number) AS n FROM outbox_files WHERE kind = 'segment' GROUP BY stream`).all() as Array<{ stream: string; n: number }>).map((r) => [r.stream, r.n]));
  copy.close();
  const rows = w.node("SEDE").db.prepare(`SELECT stream, number FROM outbox_files WHERE kind = 'segment' AND uploaded IS NOT NULL`).all() as Array<{ stream: string; number: number }>;
  const gone: string[] = [];
  for (const { stream, number } of rows) {
    if (number <= (copied.get(stream) ?? 0) || w.existsServer(`${streamFolder(stream as StreamName)}/${segmentName(number)}`)) continue;
    const held = AGENTS.some((a) => w.nodes.has(a) && w.node(a).db.prepare(`SELECT 1 FROM office_files WHERE stream = ? AND number = ?`).get(stream, number) !== undefined);
    if (!held) gone.push(`${streamFolder(stream as StreamName)}/${segmentName(number)}`);
  }
  return gone;
}

/**
 * `sincro backup --out FILE` at the office: now, or while the sede syncs, at a named step of that
 * sync (the copy then holds what the sync had committed so far). Not while a restored sede still
 * takes its work back.
 */
export class BackupSede extends Base {
  constructor(readonly step: SyncStep | undefined, readonly nth: number) {
    super();
  }
  protected override atSede(): boolean {
    return true;
  }
  override check(m: Readonly<Model>): boolean {
    return this.sedeFree(m) && !m.restoredUnsynced.has("SEDE");
  }
  async act(m: Model, w: World): Promise<void> {
    const edits = new Map<string, CustomerFields | undefined>([...m.customers].map(([code, c]) => [code, c.edits.get("SEDE")]));
    const remember = (backup: Backup) => (m.sedeBackup = { backup, edits, epoch: m.epoch });
    if (this.step === undefined) {
      remember(w.backup("SEDE"));
      w.counters.add("backup-sede");
      return void (this.did = "now");
    }
    let seen = 0;
    let taken = false;
    const out = await w.sync("SEDE", {
      onStep: (step) => {
        if (step !== this.step || taken || ++seen < this.nth) return;
        taken = true;
        remember(w.backup("SEDE", true));
      },
    });
    synced(m, "SEDE", out);
    const judged = judge(w, "SEDE", undefined, out);
    if (!taken) remember(w.backup("SEDE"));
    w.counters.add(taken ? `backup-sede:during-${this.step}` : "backup-sede");
    this.did = `${taken ? `taken at ${this.step}` : "step not reached, taken after"}; sync: ${judged}`;
  }
  label(): string {
    return `SEDE.backup(${this.step === undefined ? "now" : `during sync, at ${this.step} #${this.nth}`})`;
  }
}

/**
 * The office's database replaced by its last backup (README, "The office PC restored from a
 * backup"), then the sede syncs at once. Everything it had published comes back (from the server
 * or the copies agents keep), and every agent's event it had received (the agents upload them
 * again); what it may lose for good is what never left it: its events after the backup that stay
 * local (ROUTES "local": its customer edits, its orders, an office customer's special prices,
 * creation and renaming) — Model.mayLose, dropped by Model.dropLost after the final rounds.
 *
 * Not restored (the step does nothing): when the sede recorded after the backup a change to
 * publish that it has not uploaded yet (the model would have to take back catalogue changes and
 * moves), or when the attacker removed or replaced one of the office's files (the restored copy
 * cannot put it back). Never generated when an agent was enrolled, retired or reinstalled, or a
 * PC restored, since that backup (Model.epoch: README's limits of a restore).
 */
export class RestoreSede extends Base {
  constructor(readonly syncedLast: boolean) {
    super();
  }
  protected override atSede(): boolean {
    return true;
  }
  override check(m: Readonly<Model>): boolean {
    return this.sedeFree(m) && !m.restoredUnsynced.has("SEDE") && m.sedeBackup !== undefined && m.sedeBackup.epoch === m.epoch;
  }
  async act(m: Model, w: World): Promise<void> {
    const saved = m.sedeBackup;
    if (!saved) return;
    const steps: string[] = [];
    if (this.syncedLast) {
      const out = await w.sync("SEDE");
      synced(m, "SEDE", out);
      steps.push(`its last sync: ${judge(w, "SEDE", undefined, out)}`);
    }
    const sede = w.node("SEDE");
    const uploaded = new Map(
      (sede.db.prepare(`SELECT stream, max(last) AS last FROM outbox_files WHERE kind = 'segment' AND uploaded IS NOT NULL GROUP BY stream`).all() as Array<{ stream: string; last: number }>).map((r) => [r.stream, r.last]),
    );
    const entries = sede.db.prepare(`SELECT s.stream, s.offset FROM stream_entries s JOIN events e ON e.pos = s.pos WHERE e.id = ?`);
    const after = sede.log.ownedAfter(sede.id, saved.backup.head);
    const local: EventEnvelope[] = [];
    let unpublished = 0;
    for (const e of after) {
      const rows = entries.all(e.id) as Array<{ stream: string; offset: number }>;
      if (rows.length === 0) local.push(e);
      else if (rows.some((r) => r.offset > (uploaded.get(r.stream) ?? 0))) unpublished++;
    }
    if (unpublished > 0) w.counters.add("restore-sede-skipped:unpublished");
    if (unpublished > 0) return void (this.did = `${steps.map((x) => `${x}; `).join("")}not restored: ${unpublished} change(s) to publish not uploaded yet`);
    if ([...w.attacker.stillPlanted()].some((p) => p.startsWith("SincroSede/"))) return void (this.did = `${steps.map((x) => `${x}; `).join("")}not restored: the attacker replaced an office file`);
    // The README's limit: office files published after the copy that are gone from the server
    // and that no agent holds (its reader caught up from a snapshot) cannot come back, and the
    // restored office waits for them for good (folder seed 951000100, run 1418). Not restored then.
    const gone = expiredUnheld(w, saved.backup.file);
    if (gone.length > 0) {
      w.counters.add("restore-sede-skipped:expired-unheld");
      return void (this.did = `${steps.map((x) => `${x}; `).join("")}not restored: ${gone.join(", ")} expired unread and held by no agent`);
    }
    // A rename of an office customer stays at the sede: lost, it is undone (latest first), unless
    // the customer was then handed to an agent: that move is published, comes back, and names
    // the earlier codes, so the restored office renames it again.
    // Each customer handed over in a published move: where in `after` it last was (under any of its codes).
    const handedAt = new Map<string, number>();
    after.forEach((e, i) => {
      if (e.type === "CustomerReassigned" && !local.includes(e)) handedAt.set(data<{ customer: string }>(e).customer, i);
    });
    for (const e of [...local].reverse()) {
      // A retired agent's customer given to the office goes nowhere (no agent's stream): lost, it
      // is the retired agent's again (folder seed 951000090, run 982).
      if (e.type === "CustomerReassigned") {
        // (From an agent in service, its release is published and comes back: seed 11 below.)
        const d = data<{ customer: string; from: string | null }>(e);
        // Unless a later move of that customer was published: it comes back and stands (a
        // retired agent's customer given to AG02: the release stays here, the handover is
        // published; folder seed 951000171, run 2072).
        if ((handedAt.get(d.customer) ?? -1) > after.indexOf(e)) continue;
        const c = m.customers.get(d.customer);
        if (c && d.from !== null && m.retired.has(d.from as NodeName)) c.agent = d.from;
        continue;
      }
      if (e.type !== "CustomerRenamed") continue;
      const d = data<{ code: string; newCode: string }>(e);
      const at = handedAt.get(d.newCode);
      if (at !== undefined) {
        handedAt.set(d.code, at);
        continue;
      }
      const c = m.customers.get(d.newCode);
      if (!c) continue;
      m.customers.delete(d.newCode);
      m.customers.set(d.code, { ...c, code: d.code });
      m.renamed.delete(d.code);
    }
    for (const e of local) {
      m.lostSeqs.add(`${e.origin}#${e.seq}`);
      // An office customer created after the backup and then handed to an agent lives on: the
      // move is published, comes back, and carries the customer's record (seed 951000010).
      if (e.type === "CustomerCreated" && handedAt.has(data<{ code: string }>(e).code)) continue;
      // So do its special prices as they stood then: the handover carries them, each with the id
      // and HLC of its last change (folder seed 951000140, run 1397).
      if (e.type === "SpecialPriceSet" || e.type === "SpecialPriceRemoved") {
        const at = handedAt.get(data<{ customer: string }>(e).customer);
        if (at !== undefined && after.indexOf(e) < at) continue;
      }
      m.mayLose.add(e.id);
    }
    if (local.length > 0) w.counters.add("restored-sede-may-lose-local", local.length);
    w.restore("SEDE", saved.backup);
    // Its customer edits are those of the backup again (they never leave the sede).
    const edits = new Map([...saved.edits].map(([code, edit]) => [m.resolve(code), edit]));
    // A move to an agent after the backup is published and comes back: it carries the customer
    // as the sede had it then, its lost edits included (convergence seed 11).
    for (const e of after) {
      if (e.type !== "CustomerReassigned" || local.includes(e)) continue;
      const d = data<{ customer: string; handover: { record: CustomerFields } | null }>(e);
      if (d.handover !== null && m.customers.has(d.customer)) edits.set(d.customer, { name: d.handover.record.name, city: d.handover.record.city });
    }
    for (const [code, c] of m.customers) {
      const edit = edits.get(code);
      if (edit === undefined) c.edits.delete("SEDE");
      else c.edits.set("SEDE", edit);
    }
    m.epoch++;
    m.sedeRestores++;
    m.sedeRestored = true;
    m.sedeRecovering = true;
    m.restoredUnsynced.add("SEDE");
    w.counters.add("restored-sede");
    const out = await w.sync("SEDE");
    synced(m, "SEDE", out);
    this.did = `${steps.map((x) => `${x}; `).join("")}${after.length === 0 ? "nothing after the backup" : `after backup #${saved.backup.head}, may lose ${local.length}`}; first sync: ${judge(w, "SEDE", undefined, out)}`;
  }
  label(): string {
    return `SEDE.restoreBackup(${this.syncedLast ? "the sede synced before failing" : ""})`;
  }
}

// ---------------------------------------------------------------- generators

const agent = fc.constantFrom(...AGENTS);
const anyNode = fc.constantFrom(...NODES);
const product = fc.constantFrom(...PRODUCTS);
const list = fc.constantFrom(...LISTS);
const money = fc.constantFrom("1.00", "2.50", "7.90", "8.10", "10.25", "0.0001");
const discounts = fc.constantFrom<string[]>([], ["5"], ["10", "2.5"]);
const index = fc.nat(30);
const snapshotEvery = fc.constantFrom<number | undefined>(undefined, undefined, 1, 3);
const lineSpecs = fc.array(fc.record({ product: fc.nat(7), qty: fc.constantFrom("1", "2.5", "12"), price: money }), { minLength: 1, maxLength: 3 });

const victim = fc.constantFrom<string>(...AGENTS, ATTACKER);
const signer = fc.constantFrom(...SIGNERS);
const attackPlan: fc.Arbitrary<AttackPlan> = fc.oneof(
  fc.record({
    kind: fc.constant("forge" as const),
    folder: fc.constantFrom("catalogue" as const, "sede" as const, "agent" as const),
    victim,
    file: fc.constantFrom("seg" as const, "snap" as const),
    signer,
    slot: fc.constantFrom<Slot>("next", "next", "over", "far"),
    index,
  }),
  fc.record({ kind: fc.constant("ack" as const), victim, which: fc.constantFrom<0 | 1 | 2>(0, 1, 2), signer }),
  fc.record({ kind: fc.constant("resend" as const), victim, which: fc.constantFrom<0 | 1 | 2>(0, 1, 2), signer, index }),
  fc.record({ kind: fc.constant("replay" as const), index, version: fc.nat(5) }),
  fc.record({ kind: fc.constant("delete" as const), index }),
  fc.record({ kind: fc.constant("own-quarantined" as const), what: fc.constantFrom(...QUARANTINED) }),
  fc.record({ kind: fc.constant("own-refused" as const), what: fc.constantFrom(...REFUSED) }),
);

export function commandArbitraries(): Array<fc.Arbitrary<Cmd>> {
  return [
    // Local changes on the sede.
    fc.tuple(product, fc.constantFrom("Olio", "Pasta", "Vino", "Caffè")).map(([c, d]) => new SaveProduct(c, d)),
    product.map((c) => new DiscontinueProduct(c)),
    fc.tuple(list, product, money).map(([l, p, x]) => new SetGenericPrice(l, p, x)),
    fc.tuple(list, product).map(([l, p]) => new RemoveGenericPrice(l, p)),
    fc.tuple(fc.option(agent, { nil: null }), fc.boolean()).map(([a, l]) => new AddCustomer("SEDE", a, l)),
    index.map((i) => new UpdateCustomer("SEDE", i)),
    fc.tuple(index, fc.option(agent, { nil: null })).map(([i, a]) => new Reassign(i, a)),
    index.map((i) => new Rename(i)),
    fc.tuple(anyNode, index, product, money, discounts).map(([n, i, p, x, d]) => new SetSpecialPrice(n, i, p, x, d)),
    fc.tuple(anyNode, index, product, money, discounts).map(([n, i, p, x, d]) => new SetSpecialPrice(n, i, p, x, d)),
    fc.tuple(anyNode, index).map(([n, i]) => new RemoveSpecialPrice(n, i)),
    fc.tuple(index, fc.nat(2), lineSpecs, fc.boolean()).map(([i, a, l, e]) => new PlaceOrder("SEDE", i, a, l, e)),
    // Local changes on an agent.
    fc.tuple(agent, fc.boolean()).map(([a, l]) => new AddCustomer(a, null, l)),
    fc.tuple(agent, index).map(([a, i]) => new UpdateCustomer(a, i)),
    fc.tuple(agent, index, lineSpecs, fc.boolean()).map(([a, i, l, e]) => new PlaceOrder(a, i, 0, l, e)),
    fc.tuple(agent, index, lineSpecs, fc.boolean()).map(([a, i, l, e]) => new PlaceOrder(a, i, 0, l, e)),
    fc.tuple(agent, index, lineSpecs, fc.boolean()).map(([a, i, l, e]) => new AmendOrder(a, i, l, e)),
    fc.tuple(agent, index).map(([a, i]) => new CancelOrder(a, i)),
    // Syncs, plain and with a fault.
    fc.tuple(anyNode, snapshotEvery).map(([n, s]) => new Sync(n, s)),
    fc.tuple(anyNode, snapshotEvery).map(([n, s]) => new Sync(n, s)),
    fc.tuple(anyNode, snapshotEvery).map(([n, s]) => new Sync(n, s)),
    fc.tuple(anyNode, fc.constantFrom(...STEPS), fc.integer({ min: 1, max: 2 }), snapshotEvery).map(([n, s, k, e]) => new CrashingSync(n, s, k, e)),
    fc.tuple(anyNode, fc.constantFrom(...STEPS), fc.integer({ min: 1, max: 2 }), snapshotEvery).map(([n, s, k, e]) => new CrashingSync(n, s, k, e)),
    fc.tuple(anyNode, fc.nat(2), fc.integer({ min: 1, max: 400 })).map(([n, k, b]) => new CutSync(n, { direction: "upload", skip: k, afterBytes: b })),
    fc
      .tuple(anyNode, fc.nat(3), fc.integer({ min: 1, max: 400 }), fc.constantFrom<"error" | "short">("error", "short"))
      .map(([n, k, b, mode]) => new CutSync(n, { direction: "download", skip: k, afterBytes: b, mode })),
    // Faults on the server and on the clocks.
    index.map((i) => new Redeliver(i)),
    index.map((i) => new LeaveTemp(i)),
    fc.tuple(index, fc.constantFrom<"truncate" | "bitflip">("truncate", "bitflip"), fc.nat(5000)).map(([i, m, a]) => new Damage(i, m, a)),
    fc.constant(null).map(() => new Repair()),
    index.map((i) => new LoseAck(i)),
    fc.tuple(anyNode, fc.integer({ min: -72, max: -1 })).map(([n, h]) => new ClockJump(n, h)),
    fc.integer({ min: 1, max: 24 * 20 }).map((h) => new TimePasses(h)),
    fc.tuple(anyNode, fc.constantFrom<-1 | 0 | 1>(-1, 0, 1)).map(([n, d]) => new DayOff(n, d)),
    fc.tuple(agent, fc.constantFrom<-1 | 1>(-1, 1)).map(([n, d]) => new DayOff(n, d)),
    // The malicious writer: the password, random keys, and enrolled AG04's own key.
    attackPlan.map((p) => new Attack(p)),
    attackPlan.map((p) => new Attack(p)),
    // Enrollment lifecycle.
    fc.tuple(agent, fc.boolean(), fc.constantFrom<string | null | undefined>(undefined, null, ...AGENTS)).map(([a, l, to]) => new Retire(a, l, to)),
    fc.tuple(agent, lineSpecs).map(([a, l]) => new RetiredPcKeepsWorking(a, l)),
    fc.tuple(agent, fc.boolean()).map(([a, l]) => new Reenroll(a, l)),
    // Backups of an agent's PC, now or during a sync at any step, and restoring the last one.
    fc.tuple(agent, fc.constantFrom<SyncStep | undefined>(undefined, undefined, ...STEPS), fc.integer({ min: 1, max: 2 })).map(([a, s, k]) => new BackupAgent(a, s, k)),
    fc.tuple(agent, fc.constantFrom<SyncStep | undefined>(undefined, undefined, ...STEPS), fc.integer({ min: 1, max: 2 })).map(([a, s, k]) => new BackupAgent(a, s, k)),
    fc.tuple(index, fc.boolean(), fc.boolean()).map(([i, o, l]) => new RestoreAgent(i, o, l)),
    fc.tuple(index, fc.boolean(), fc.boolean()).map(([i, o, l]) => new RestoreAgent(i, o, l)),
    fc.tuple(index, fc.boolean(), fc.boolean()).map(([i, o, l]) => new RestoreAgent(i, o, l)),
    // Backups of the sede, now or during a sync at any step, and restoring the last one.
    fc.tuple(fc.constantFrom<SyncStep | undefined>(undefined, undefined, ...STEPS), fc.integer({ min: 1, max: 2 })).map(([s, k]) => new BackupSede(s, k)),
    fc.tuple(fc.constantFrom<SyncStep | undefined>(undefined, undefined, ...STEPS), fc.integer({ min: 1, max: 2 })).map(([s, k]) => new BackupSede(s, k)),
    fc.boolean().map((l) => new RestoreSede(l)),
    fc.boolean().map((l) => new RestoreSede(l)),
    fc.boolean().map((l) => new RestoreSede(l)),
  ];
}
