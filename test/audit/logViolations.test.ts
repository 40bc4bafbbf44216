import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditLogFile, auditNodeDatabase } from "../../src/audit/auditSources.js";
import type { AuditReport } from "../../src/audit/auditRun.js";
import { sealEnvelope, type EventEnvelope } from "../../src/events/envelope.js";
import { encodePayload } from "../../src/events/eventTypes.js";
import { SincroNode } from "../../src/node/sincroNode.js";
import { steppingClock } from "../support/nodes.js";
import { tempDir } from "../support/tempDir.js";
import { busyNetwork, exported, lineOf, readLines, writeLines } from "./logs.js";
import { said } from "./said.js";

const violations = (r: AuditReport) => r.findings.filter((f) => f.severity === "violation").map((f) => ({ kind: f.kind, origin: f.origin, seq: f.seq }));

describe("audit of an exported log, each kind of violation on a real log", () => {
  it("an intact sede log and an intact agent log hold; the agent's gaps in SEDE's seq are information", async () => {
    const dir = tempDir();
    const net = await busyNetwork(dir);
    const sede = said(await auditLogFile(exported(net.sede, dir)));
    expect(violations(sede)).toEqual([]);
    expect(sede.ok).toBe(true);
    expect(sede.events).toBe(net.sede.log.count());
    const ag = said(await auditLogFile(exported(net.agent("AG01"), dir)));
    expect(violations(ag)).toEqual([]);
    expect(ag.origins.find((o) => o.origin === "SEDE")?.complete).toBe(false);
    expect(ag.findings.some((f) => f.severity === "info" && f.kind === "not-held" && f.origin === "SEDE")).toBe(true);
  });

  it("altered: a byte changed in one event's data is named by origin and seq", async () => {
    const dir = tempDir();
    const net = await busyNetwork(dir);
    const file = exported(net.sede, dir);
    const lines = readLines(file);
    const i = lineOf(lines, "SEDE", 4);
    expect(lines[i]).toContain("Anna");
    lines[i] = (lines[i] as string).replace("Anna", "Anno");
    writeLines(file, lines);
    const r = said(await auditLogFile(file));
    expect(r.ok).toBe(false);
    expect(violations(r)).toEqual([{ kind: "altered", origin: "SEDE", seq: 4 }]);
    expect(r.findings.find((f) => f.kind === "altered")?.where).toBe(`line ${i + 1}`);
  });

  it("missing: a dropped line of the node's own log", async () => {
    const dir = tempDir();
    const net = await busyNetwork(dir);
    const file = exported(net.agent("AG01"), dir);
    const lines = readLines(file);
    lines.splice(lineOf(lines, "AG01", 2), 1);
    writeLines(file, lines);
    const r = said(await auditLogFile(file));
    expect(violations(r)).toEqual([{ kind: "missing", origin: "AG01", seq: 2 }]);
  });

  it("a dropped line of another origin's routed subset is information, not a violation", async () => {
    const dir = tempDir();
    const net = await busyNetwork(dir);
    const file = exported(net.agent("AG01"), dir);
    const lines = readLines(file);
    const sedeEvents = lines.slice(1).filter((l) => (JSON.parse(l) as EventEnvelope).origin === "SEDE");
    const last = JSON.parse(sedeEvents[sedeEvents.length - 2] as string) as EventEnvelope;
    lines.splice(lineOf(lines, "SEDE", last.seq), 1);
    writeLines(file, lines);
    const r = said(await auditLogFile(file));
    expect(violations(r)).toEqual([]);
    expect(r.findings.find((f) => f.kind === "not-held" && f.origin === "SEDE")?.detail).toContain(String(last.seq));
  });

  it("duplicated: a line repeated", async () => {
    const dir = tempDir();
    const net = await busyNetwork(dir);
    const file = exported(net.sede, dir);
    const lines = readLines(file);
    const i = lineOf(lines, "SEDE", 6);
    lines.splice(i + 3, 0, lines[i] as string);
    writeLines(file, lines);
    const r = said(await auditLogFile(file));
    expect(violations(r)).toEqual([{ kind: "duplicated", origin: "SEDE", seq: 6 }]);
  });

  it("inserted: a forged, well-chained event in the middle is told apart from the genuine one", async () => {
    const dir = tempDir();
    const net = await busyNetwork(dir);
    const file = exported(net.sede, dir);
    const lines = readLines(file);
    const i = lineOf(lines, "SEDE", 7);
    const before = JSON.parse(lines[i] as string) as EventEnvelope;
    const forged = sealEnvelope({
      id: "01JZZZZZZZZZZZZZZZZZZZZZZZ",
      origin: "SEDE",
      seq: 8,
      hlc: before.hlc.replace(/-(\d{5})-/, "-99999-"),
      at: before.at,
      type: "GenericPriceSet",
      v: 1,
      data: encodePayload({ list: "BASE", product: "P001", price: "0.01" }),
      prev: before.hash,
    });
    lines.splice(i + 1, 0, JSON.stringify(forged));
    writeLines(file, lines);
    const r = said(await auditLogFile(file));
    expect(violations(r)).toEqual([{ kind: "inserted", origin: "SEDE", seq: 8 }]);
    const f = r.findings.find((x) => x.kind === "inserted");
    expect(f?.where).toBe(`line ${i + 2}`);
    expect(f?.detail).toContain("this one was inserted");
  });

  it("out of order: two lines swapped", async () => {
    const dir = tempDir();
    const net = await busyNetwork(dir);
    const file = exported(net.sede, dir);
    const lines = readLines(file);
    const a = lineOf(lines, "SEDE", 5);
    const b = lineOf(lines, "SEDE", 6);
    [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
    writeLines(file, lines);
    const r = said(await auditLogFile(file));
    expect(violations(r)).toEqual([{ kind: "out-of-order", origin: "SEDE", seq: 5 }]);
  });

  it("a line that is not an envelope is malformed, and the rest is still checked", async () => {
    const dir = tempDir();
    const net = await busyNetwork(dir);
    const file = exported(net.sede, dir);
    const lines = readLines(file);
    lines[lineOf(lines, "SEDE", 3)] = '{"not":"an event"}';
    writeLines(file, lines);
    const r = said(await auditLogFile(file));
    expect(violations(r)).toEqual(
      expect.arrayContaining([
        { kind: "malformed", origin: undefined, seq: undefined },
        { kind: "missing", origin: "SEDE", seq: 3 },
      ]),
    );
  });

  it("replaying a node's log gives the node's own digests for every table, sede and agent", async () => {
    const dir = tempDir();
    const net = await busyNetwork(dir);
    for (const node of [net.sede, net.agent("AG01"), net.agent("AG02")]) {
      const r = said(auditNodeDatabase(node.db.name));
      expect(violations(r)).toEqual([]);
      const own = node.digests();
      expect(r.replay?.tables.map((t) => [t.table, t.sha256])).toEqual(own.map((d) => [d.table, d.sha256]));
      expect(r.replay?.differing).toEqual([]);
      expect(r.ok).toBe(true);
    }
    // The concurrent special-price edit is a most-recent-wins decision, seen from both sides.
    const r = said(auditNodeDatabase(net.sede.db.name));
    expect(r.decisions).toHaveLength(1);
    expect(r.decisions[0]?.winner.ref).toMatch(/^SEDE#/);
    expect(r.decisions[0]?.loser.ref).toMatch(/^AG01#/);
  });

  it("repeated-id: a received event carrying one of the node's own ids is stored, and the audit names both", () => {
    const dir = tempDir();
    const sede = SincroNode.init(join(dir, "sede.db"), { role: "sede", now: steppingClock().now });
    sede.execute({ kind: "AddProduct", code: "P1", description: "Olio" });
    const copied = (sede.log.get("SEDE", 2) as EventEnvelope).id;
    // An agent PC whose id source hands out the sede's id (as a forger copying it would).
    const agent = SincroNode.init(join(dir, "ag01.db"), { role: "agent", agent: "AG01", now: steppingClock().now, ulid: () => copied });
    agent.execute({ kind: "AddCustomer", name: "Bar Centrale" });
    sede.receive(agent.log.page(0, 10).map(({ pos: _p, ...e }) => e));
    const r = said(auditNodeDatabase(sede.db.name));
    expect(r.ok).toBe(false);
    const found = r.findings.filter((f) => f.kind === "repeated-id");
    expect(found).toEqual([
      expect.objectContaining({ severity: "violation", origin: "AG01", detail: `the id ${copied} is carried by 2 events: SEDE#2, AG01#1` }),
    ]);
    expect(said(auditNodeDatabase(agent.db.name)).findings.filter((f) => f.kind === "repeated-id")).toEqual([]);
  });

  it("a projection table that differs from the replay is named", async () => {
    const dir = tempDir();
    const net = await busyNetwork(dir);
    net.sede.db.prepare(`UPDATE prices SET price = '9.99' WHERE list = 'BASE' AND product = 'P001'`).run();
    const r = said(auditNodeDatabase(net.sede.db.name));
    expect(r.ok).toBe(false);
    expect(r.replay?.differing).toEqual(["prices"]);
    expect(violations(r)).toEqual([{ kind: "projection-differs", origin: undefined, seq: undefined }]);
  });
});
