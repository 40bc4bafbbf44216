import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sealEnvelope, type EventEnvelope } from "../../src/events/envelope.js";
import { encodePayload } from "../../src/events/eventTypes.js";
import { IntegrityError, RefusedError } from "../../src/errors.js";
import { SincroNode } from "../../src/node/sincroNode.js";
import { monotonicFactory } from "ulid";
import { makeNode, run, seededSede, steppingClock } from "../support/nodes.js";
import { tempDir } from "../support/tempDir.js";

const ulid = monotonicFactory();

function sedeEvents(sede: SincroNode): EventEnvelope[] {
  return sede.log.page(0, 1000).map(({ pos: _p, ...e }) => e);
}

describe("the event log is append-only", () => {
  it("SQLite refuses UPDATE and DELETE of events, even by hand", () => {
    const dir = tempDir();
    const sede = seededSede(dir);
    sede.close();
    const raw = new Database(join(dir, "sede.db"));
    expect(() => raw.prepare(`UPDATE events SET data = '{}' WHERE seq = 1`).run()).toThrow(/append-only: UPDATE/);
    expect(() => raw.prepare(`DELETE FROM events`).run()).toThrow(/append-only: DELETE/);
    expect((raw.prepare(`SELECT count(*) AS n FROM events`).get() as { n: number }).n).toBe(9);
    raw.close();
  });

  it("each local event chains to the previous one of its origin", () => {
    const sede = seededSede(tempDir());
    const events = sedeEvents(sede);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    events.forEach((e, i) => expect(e.prev).toBe(i === 0 ? "" : events[i - 1]?.hash));
  });

  it("a refused command writes nothing", () => {
    const sede = seededSede(tempDir());
    const before = sede.log.count();
    expect(() => sede.execute({ kind: "AddProduct", code: "P001", description: "dup" })).toThrow(RefusedError);
    expect(sede.log.count()).toBe(before);
  });
});

describe("own event ids", () => {
  it("strictly increase with seq even when the clock goes back or the id source runs low", () => {
    const dir = tempDir();
    const clock = steppingClock(Date.UTC(2026, 2, 2, 9));
    let low = false;
    const sede = SincroNode.init(join(dir, "sede.db"), {
      role: "sede",
      now: clock.now,
      // A second process would draw ids of its own; this one, once switched, only small ones.
      ulid: (t) => (low ? "00000000000000000000000000" : ulid(t)),
    });
    run(sede, { kind: "AddProduct", code: "P1", description: "a" });
    clock.set(Date.UTC(2026, 2, 1)); // a day back
    run(sede, { kind: "AddProduct", code: "P2", description: "b" });
    low = true;
    run(sede, { kind: "AddProduct", code: "P3", description: "c" }, { kind: "AddProduct", code: "P4", description: "d" });
    const ids = sedeEvents(sede).map((e) => e.id);
    expect(ids).toHaveLength(5);
    for (let i = 1; i < ids.length; i++) expect((ids[i] as string) > (ids[i - 1] as string)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("receiving events", () => {
  it("applies another node's events once; a repeat is a duplicate, not a second copy", () => {
    const dir = tempDir();
    const sede = seededSede(dir);
    const replica = makeNode(dir, "agent", { role: "agent", agent: "AG09" });
    const events = sedeEvents(sede);
    expect(replica.receive(events, { chain: "full" })).toMatchObject({ applied: events.length, duplicates: 0 });
    expect(replica.receive(events, { chain: "full" })).toMatchObject({ applied: 0, duplicates: events.length });
    expect(replica.read.listProducts().map((p) => p.code)).toEqual(["P001", "P002"]);
  });

  it("refuses an event that differs from the one held under its number (fork)", () => {
    const dir = tempDir();
    const sede = seededSede(dir);
    const replica = makeNode(dir, "agent", { role: "agent", agent: "AG09" });
    const events = sedeEvents(sede);
    replica.receive(events);
    const { hash: _h, ...third } = events[2] as EventEnvelope;
    const forked = sealEnvelope({ ...third, data: encodePayload({ code: "X", description: "x", unit: "PZ", vat: "22" }) });
    expect(() => replica.receive([forked])).toThrow(/differs from the one already received.*two PCs/);
  });

  it("refuses an altered event and keeps nothing of its batch", () => {
    const dir = tempDir();
    const sede = seededSede(dir);
    const replica = makeNode(dir, "agent", { role: "agent", agent: "AG09" });
    const events = sedeEvents(sede);
    const victim = events.findIndex((e) => e.data.includes("8.90"));
    expect(victim).toBe(6);
    const tampered = events.map((e, i) => (i === victim ? { ...e, data: e.data.replace("8.90", "0.01") } : e));
    const before = replica.log.count();
    expect(() => replica.receive(tampered)).toThrow(/SEDE#7 refused: hash does not match/);
    expect(replica.log.count()).toBe(before);
  });

  it("refuses a gap in a full log but accepts a routed subset", () => {
    const dir = tempDir();
    const sede = seededSede(dir);
    const events = sedeEvents(sede);
    const a = makeNode(dir, "a", { role: "agent", agent: "AG08" });
    expect(() => a.receive([events[0] as EventEnvelope, events[2] as EventEnvelope], { chain: "full" })).toThrow(IntegrityError);
    const b = makeNode(dir, "b", { role: "agent", agent: "AG09" });
    expect(b.receive([events[3] as EventEnvelope, events[5] as EventEnvelope]).applied).toBe(2);
  });

  it("refuses a received event that reuses the id of another received event, naming both, and keeps nothing of its batch", () => {
    const dir = tempDir();
    const sede = seededSede(dir);
    const replica = makeNode(dir, "agent", { role: "agent", agent: "AG09" });
    const events = sedeEvents(sede);
    replica.receive(events.slice(0, 3));
    const before = replica.log.count();
    // A well-chained next event that carries the id of SEDE#2: only the id index can tell.
    const { hash: _h, ...fourth } = events[3] as EventEnvelope;
    const copied = sealEnvelope({ ...fourth, id: (events[1] as EventEnvelope).id });
    expect(() => replica.receive([copied], { source: "segment 7" })).toThrow(
      `receive segment 7: event SEDE#4 reuses the id ${(events[1] as EventEnvelope).id} of another event`,
    );
    expect(replica.log.count()).toBe(before);
  });

  it("refuses an event that claims to come from the receiving node", () => {
    const dir = tempDir();
    const sede = seededSede(dir);
    const other = makeNode(dir, "other", { role: "sede" });
    expect(() => other.receive(sedeEvents(sede).slice(0, 1))).toThrow(/claims to come from this node/);
  });

  it("reports events from a clock far ahead but applies them", () => {
    const dir = tempDir();
    const ahead = steppingClock(Date.UTC(2026, 2, 10));
    const sede = seededSede(dir, ahead.now);
    const replica = makeNode(dir, "agent", { role: "agent", agent: "AG09" }, steppingClock(Date.UTC(2026, 2, 5)).now);
    const r = replica.receive(sedeEvents(sede));
    expect(r.applied).toBe(9);
    expect(r.skewed.length).toBe(9);
    expect(r.skewed[0]?.aheadMs).toBeGreaterThan(4 * 24 * 3_600_000);
    // The next local event sorts after everything received, whatever the local wall clock says.
    const { events } = replica.execute({ kind: "AddCustomer", name: "Bar" });
    expect((events[0] as EventEnvelope).hlc > (sedeEvents(sede).at(-1) as EventEnvelope).hlc.replace("SEDE", "AG09")).toBe(true);
  });
});

describe("opening a database", () => {
  it("refuses a file that is not SQLite, and one that is SQLite but not a node, writing nothing", () => {
    const dir = tempDir();
    const text = join(dir, "notes.txt");
    writeFileSync(text, "hello");
    expect(() => SincroNode.open(text)).toThrow(/not a sincro node database/);
    const foreign = join(dir, "other.db");
    const raw = new Database(foreign);
    raw.exec("CREATE TABLE t (x)");
    raw.close();
    expect(() => SincroNode.open(foreign)).toThrow(/not a sincro node database/);
    const check = new Database(foreign);
    expect(check.pragma("journal_mode", { simple: true })).toBe("delete");
    check.close();
  });
  it("refuses a missing file with the command that creates one", () => {
    expect(() => SincroNode.open(join(tempDir(), "none.db"))).toThrow(/sincro init --role sede\|agent/);
  });
  it("refuses init over an existing file", () => {
    const dir = tempDir();
    seededSede(dir).close();
    expect(() => SincroNode.init(join(dir, "sede.db"), { role: "sede" })).toThrow(/already exists/);
  });
});
