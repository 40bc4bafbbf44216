// Commands of the convergence model, one small class each (fast-check's model-based layout):
// `check` is the precondition on the model, `run` acts on the real nodes and the parking area,
// checks the outcome and updates the model, `toString` reads well in a counterexample.
//
// Targets that depend on what a node holds right now (which customers an agent has received, which
// special prices are set there) are chosen at run time among what the real node holds, by an
// index drawn by the generator; the choice made is printed by `toString` after the run.
import fc from "fast-check";
import { expect } from "vitest";
import { RefusedError } from "../../src/errors.js";
import type { Command, LineInput } from "../../src/events/commands.js";
import type { EventEnvelope } from "../../src/events/envelope.js";
import type { SyncStep } from "../../src/ship/inbox.js";
import type { CutPlan } from "../support/faultyTransport.js";
import { checkSafety, type Line, type Model } from "./model.js";
import { AGENTS, Crash, HOUR, isCut, isFork, NODES, type NodeName, type SyncFault, type World } from "./world.js";

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
  check(_m: Readonly<Model>): boolean {
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    w.counters.commands++;
    await this.act(m, w);
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
  constructor(readonly code: string) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.products.get(this.code)?.active === true;
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
  constructor(readonly list: string, readonly product: string, readonly price: string) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.products.has(this.product);
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
  constructor(readonly list: string, readonly product: string) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.prices.has(`${this.list}|${this.product}`);
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
    m.customers.set(d.code, { code: d.code, agent: d.agent, createdBy: this.node, created, edits: new Map(), sedeVersions: [created] });
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
    const mc = m.customers.get(c.code);
    expect(mc, `customer ${c.code}`).toBeDefined();
    mc?.edits.set(this.node, fields);
    if (this.node === "SEDE") mc?.sedeVersions.push(fields);
    this.did = c.code;
  }
  label(): string {
    return `${this.node}.updateCustomer(#${this.index})`;
  }
}

// ---------------------------------------------------------------- special prices (either side)

export class SetSpecialPrice extends Base {
  constructor(readonly node: NodeName, readonly index: number, readonly product: string, readonly price: string, readonly discounts: string[]) {
    super();
  }
  act(m: Model, w: World): void {
    const node = w.node(this.node);
    const c = pick(node.read.listCustomers(), this.index);
    if (!c || !node.read.product(this.product)) return void (this.did = "skipped: no customer or product here");
    const events = w.execute(this.node, { kind: "SetSpecialPrice", customer: c.code, product: this.product, price: this.price, discounts: this.discounts });
    for (const e of events) {
      const d = data<{ price: string; discounts: string[] }>(e);
      m.specials.push({ customer: c.code, product: this.product, price: d.price, discounts: d.discounts, hlc: e.hlc, origin: e.origin, id: e.id });
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
    for (const e of w.execute(this.node, { kind: "RemoveSpecialPrice", customer: row.customer, product: row.product })) {
      m.specials.push({ customer: row.customer, product: row.product, price: null, discounts: [], hlc: e.hlc, origin: e.origin, id: e.id });
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
    m.orders.set(e.id, { id: e.id, origin: this.node, agent: d.agent, type: d.type, number: d.number, lines: d.lines, status: "placed", states: [{ status: "placed", lines: d.lines }] });
    this.did = `${d.type}/${d.number} for ${c.code}`;
  }
  label(): string {
    return `${this.node}.placeOrder(#${this.index}${this.node === "SEDE" ? `, on behalf #${this.agentIndex}` : ""}, ${this.lines.length} lines${this.explicit ? ", @price" : ""})`;
  }
}

export class AmendOrder extends Base {
  constructor(readonly node: NodeName, readonly index: number, readonly lines: LineSpec[], readonly explicit: boolean) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.ordersOf(this.node).some((o) => o.status !== "cancelled");
  }
  act(m: Model, w: World): void {
    const o = pick(m.ordersOf(this.node).filter((x) => x.status !== "cancelled"), this.index);
    if (!o) return;
    const [e] = withPrices(w, this.node, (lines) => ({ kind: "AmendOrder", type: o.type, number: o.number, lines }), this.lines, this.explicit);
    if (!e) return void (this.did = "no active product");
    o.lines = data<{ lines: Line[] }>(e).lines;
    o.status = "amended";
    o.states.push({ status: o.status, lines: o.lines });
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
    return m.ordersOf(this.node).some((o) => o.status !== "cancelled");
  }
  act(m: Model, w: World): void {
    const o = pick(m.ordersOf(this.node).filter((x) => x.status !== "cancelled"), this.index);
    if (!o) return;
    w.execute(this.node, { kind: "CancelOrder", type: o.type, number: o.number, reason: "test" });
    o.status = "cancelled";
    o.states.push({ status: o.status, lines: o.lines });
    this.did = `${o.type}/${o.number}`;
  }
  label(): string {
    return `${this.node}.cancelOrder(#${this.index})`;
  }
}

// ---------------------------------------------------------------- sync, and faults during a sync

/** Judges a sync's outcome: only what the armed fault or a damaged file explains is allowed. */
function judge(w: World, node: NodeName, fault: SyncFault | undefined, out: Awaited<ReturnType<World["sync"]>>): string {
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
    if (isFork(err) && (damaged || shortRead)) {
      w.counters.add(damaged ? "fork-refusal:damaged-file" : "fork-refusal:short-read");
      return "refused as a fork (damaged or cut file)";
    }
    throw new Error(`sync ${node} failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  const errors = out.report?.errors ?? [];
  if (errors.length > 0) {
    if (!damaged && !shortRead) throw new Error(`sync ${node} reported errors with no damaged file: ${errors.join("; ")}`);
    w.counters.add("stream-blocked-reports", errors.length);
    return `blocked: ${errors.length}`;
  }
  return out.fired ? "fault fired, sync completed" : fault ? "fault not reached" : "ok";
}

export class Sync extends Base {
  constructor(readonly node: NodeName, readonly snapshotEvery: number | undefined) {
    super();
  }
  async act(_m: Model, w: World): Promise<void> {
    const opts = this.snapshotEvery === undefined ? {} : { snapshotEvery: this.snapshotEvery };
    this.did = judge(w, this.node, undefined, await w.sync(this.node, opts));
  }
  label(): string {
    return `sync(${this.node}${this.snapshotEvery === undefined ? "" : `, snapshotEvery=${this.snapshotEvery}`})`;
  }
}

export class CrashingSync extends Base {
  constructor(readonly node: NodeName, readonly step: SyncStep, readonly nth: number, readonly snapshotEvery: number | undefined) {
    super();
  }
  async act(_m: Model, w: World): Promise<void> {
    const fault: SyncFault = { kind: "crash", step: this.step, nth: this.nth };
    const opts = this.snapshotEvery === undefined ? { fault } : { fault, snapshotEvery: this.snapshotEvery };
    this.did = judge(w, this.node, fault, await w.sync(this.node, opts));
  }
  label(): string {
    return `sync(${this.node}, crash at ${this.step} #${this.nth}${this.snapshotEvery === undefined ? "" : `, snapshotEvery=${this.snapshotEvery}`})`;
  }
}

export class CutSync extends Base {
  constructor(readonly node: NodeName, readonly plan: CutPlan) {
    super();
  }
  async act(_m: Model, w: World): Promise<void> {
    const fault: SyncFault = { kind: "cut", plan: this.plan };
    this.did = judge(w, this.node, fault, await w.sync(this.node, { fault }));
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
    const files = w.serverFiles().filter((f) => /\.(seg|snap)$/.test(f) && !w.damaged.has(f));
    const f = pick(files, this.index);
    if (!f) return void (this.did = "no file");
    const good = w.readServer(f);
    const pos = this.at % good.length;
    const bad = this.mode === "truncate" ? good.subarray(0, pos) : Buffer.from(good);
    if (this.mode === "bitflip") bad[pos] = (bad[pos] as number) ^ (1 << this.at % 8);
    w.damaged.set(f, good);
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
    w.offsets[this.node] += this.hours * HOUR;
    w.counters.add(this.hours < 0 ? "clock-jump-back" : "clock-jump-forward");
  }
  label(): string {
    return `clockJump(${this.node}, ${this.hours} h)`;
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

export function commandArbitraries(): Array<fc.Arbitrary<Cmd>> {
  return [
    // Local changes on the sede.
    fc.tuple(product, fc.constantFrom("Olio", "Pasta", "Vino", "Caffè")).map(([c, d]) => new SaveProduct(c, d)),
    product.map((c) => new DiscontinueProduct(c)),
    fc.tuple(list, product, money).map(([l, p, x]) => new SetGenericPrice(l, p, x)),
    fc.tuple(list, product).map(([l, p]) => new RemoveGenericPrice(l, p)),
    fc.tuple(fc.option(agent, { nil: null }), fc.boolean()).map(([a, l]) => new AddCustomer("SEDE", a, l)),
    index.map((i) => new UpdateCustomer("SEDE", i)),
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
  ];
}
