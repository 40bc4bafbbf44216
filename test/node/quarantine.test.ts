import { describe, expect, it } from "vitest";
import { monotonicFactory } from "ulid";
import { sealEnvelope, type EventEnvelope } from "../../src/events/envelope.js";
import type { SincroNode } from "../../src/node/sincroNode.js";
import { makeNode, seededSede, steppingClock } from "../support/nodes.js";
import { tempDir } from "../support/tempDir.js";

const ulid = monotonicFactory();
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

/** Events as agent AG01 would sign and send them: each chained to the one before. */
function agentEvents(...items: Array<{ type: string; json: unknown; hlc?: string }>): EventEnvelope[] {
  const out: EventEnvelope[] = [];
  let prev = "";
  items.forEach((item, i) => {
    const e = sealEnvelope({
      id: ulid(T0 + i),
      origin: "AG01",
      seq: i + 1,
      hlc: item.hlc ?? `${T0 + i}-00000-AG01`,
      at: new Date(T0 + i).toISOString(),
      type: item.type,
      v: 1,
      data: JSON.stringify({ json: item.json }),
      prev,
    });
    prev = e.hash;
    out.push(e);
  });
  return out;
}

const customer = (code: string, name: string) => ({ code, name, agent: "AG01", list: "BASE", vatNumber: null, city: null });

function customerCodes(node: SincroNode): string[] {
  return node.read.listCustomers().map((c) => c.code);
}

describe("received events the domain refuses are quarantined", () => {
  it("a payload missing a field, a code like a path and a poisoned clock are kept, not applied, and block nothing after them", () => {
    const sede = seededSede(tempDir(), steppingClock(T0 + 60_000).now);
    const before = sede.log.count();
    const events = agentEvents(
      { type: "CustomerCreated", json: { code: "AG01000001", name: "Bar Uno", agent: "AG01", list: "BASE", vatNumber: null } }, // no city
      { type: "CustomerCreated", json: customer("x/../y z", "Percorso") },
      { type: "CustomerCreated", json: customer("AG01000002", "Futuro"), hlc: "9999999999999-00000-AG01" },
      { type: "CustomerCreated", json: customer("AG01000003", "Bar Tre") },
    );
    const r = sede.receive(events, { source: "test segment" });
    expect(r.applied).toBe(1);
    expect(r.quarantined.map((q) => [q.seq, q.reason])).toEqual([
      [1, "its payload is not valid: field city is not text"],
      [2, "its payload is not valid: field code is not a customer code (letters and digits)"],
      [3, expect.stringMatching(/^its clock reading 9999999999999-00000-AG01 is \d+ days ahead of this PC's clock \(more than 7\)$/)],
    ]);
    // All four are in the log (the chain goes on), one is projected.
    expect(sede.log.count()).toBe(before + 4);
    expect(customerCodes(sede)).toContain("AG01000003");
    expect(customerCodes(sede)).not.toContain("AG01000002");
    expect(customerCodes(sede)).not.toContain("x/../y z");
    expect(sede.log.quarantined().map((q) => `${q.origin}#${q.seq}`)).toEqual(["AG01#1", "AG01#2", "AG01#3"]);
    // The poisoned clock reading is not the sede's clock: its next event is dated now.
    const next = sede.execute({ kind: "AddProduct", code: "P009", description: "Sale" }).events[0] as EventEnvelope;
    expect(next.hlc.startsWith("9999")).toBe(false);
    expect(Number(next.hlc.slice(0, 13))).toBeLessThan(T0 + 86_400_000);
    // Rebuild reproduces the projections: quarantined events stay out.
    const rebuilt = sede.rebuild();
    expect(rebuilt.after).toEqual(rebuilt.before);
  });

  it("every node decides the same: a second sede receiving the same events quarantines the same ones", () => {
    const events = agentEvents(
      { type: "CustomerCreated", json: customer("AG01000001", "Bar Uno") },
      { type: "OrderPlaced", json: { type: "AG01", number: 1, year: 2026, date: "2026-03-02", customer: "AG01000001", agent: "AG01", lines: [{ product: "P001", qty: "-3", price: "8.90", discounts: [] }] } },
      { type: "CustomerCreated", json: customer("AG01000002", "Bar Due") },
    );
    const decisions = [tempDir(), tempDir()].map((dir) => {
      const sede = seededSede(dir, steppingClock(T0 + 60_000).now);
      return sede.receive(events).quarantined.map((q) => `${q.seq}: ${q.reason}`);
    });
    expect(decisions[0]).toEqual(["2: its payload is not valid: field lines item 1 field qty is not a quantity"]);
    expect(decisions[1]).toEqual(decisions[0]);
  });

  it("an agent quarantines the same way, and status reports it", () => {
    const dir = tempDir();
    const agent = makeNode(dir, "agent", { role: "agent", agent: "AG02" }, steppingClock(T0 + 60_000).now);
    const r = agent.receive(agentEvents({ type: "ProductSaved", json: { code: "P1", description: "x", unit: "PZ" } }));
    expect(r.quarantined).toEqual([{ origin: "AG01", seq: 1, type: "ProductSaved", reason: "its payload is not valid: field vat is not a VAT rate" }]);
    expect(agent.read.listProducts()).toEqual([]);
  });
});
