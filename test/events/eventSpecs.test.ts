import { describe, expect, it } from "vitest";
import { EVENT_SPECS, EVENT_TYPES, SCHEMA_VERSION, isEventType, type Role } from "../../src/events/eventSpecs.js";
import type { EventType } from "../../src/events/eventTypes.js";
import { SincroNode } from "../../src/node/sincroNode.js";
import { steppingClock } from "../support/nodes.js";

// "Recorded by" of DESIGN §2, written out by hand.
const RECORDED_BY: Record<EventType, Role[]> = {
  AgentRegistered: ["sede"],
  OrderTypeDefined: ["sede", "agent"],
  ProductSaved: ["sede"],
  ProductDiscontinued: ["sede"],
  PriceListSaved: ["sede"],
  GenericPriceSet: ["sede"],
  GenericPriceRemoved: ["sede"],
  CustomerCreated: ["sede", "agent"],
  CustomerUpdated: ["sede", "agent"],
  SpecialPriceSet: ["sede", "agent"],
  SpecialPriceRemoved: ["sede", "agent"],
  OrderPlaced: ["sede", "agent"],
  OrderAmended: ["sede", "agent"],
  OrderCancelled: ["sede", "agent"],
  CustomerReassigned: ["sede"],
  CustomerRenamed: ["sede"],
  // Not in DESIGN §2: the engine records it when an agent loads a snapshot.
  SnapshotApplied: ["agent"],
};

describe("event specs", () => {
  it.each(EVENT_TYPES)("%s is recorded by the roles DESIGN §2 names", (type) => {
    expect([...EVENT_SPECS[type].recordedBy]).toEqual(RECORDED_BY[type]);
  });

  it("every type is at schema version 1, and only these types are known", () => {
    expect(Object.keys(RECORDED_BY).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) expect(SCHEMA_VERSION[type]).toBe(1);
    expect(isEventType("ProductSaved")).toBe(true);
    expect(isEventType("ProductDeleted")).toBe(false);
    expect(isEventType("toString")).toBe(false);
  });

  it("what a sede and an agent record in a day of work is what their roles may record", () => {
    const now = steppingClock().now;
    const sede = SincroNode.init(":memory:", { role: "sede", now });
    const agent = SincroNode.init(":memory:", { role: "agent", agent: "AG01", now });
    for (const c of [
      { kind: "RegisterAgent", code: "AG01", name: "Mario" },
      { kind: "AddProduct", code: "P1", description: "Olio" },
      { kind: "UpdateProduct", code: "P1", description: "Olio EVO" },
      { kind: "SetGenericPrice", list: "BASE", product: "P1", price: "8.90" },
      { kind: "RemoveGenericPrice", list: "BASE", product: "P1" },
      { kind: "DiscontinueProduct", code: "P1" },
      { kind: "AddProduct", code: "P2", description: "Pasta" },
    ] as const) {
      sede.execute(c);
    }
    for (const node of [sede, agent]) {
      if (node === agent) agent.receive(sede.log.page(0, 1000).map(({ pos: _p, ...e }) => e), { chain: "full" });
      const customer = node.execute({ kind: "AddCustomer", name: "Bar", ...(node === sede ? { agent: "AG01" } : {}) }).decision.assigned as string;
      node.execute({ kind: "UpdateCustomer", code: customer, city: "Roma" });
      node.execute({ kind: "SetSpecialPrice", customer, product: "P2", price: "1.10", discounts: [] });
      node.execute({ kind: "RemoveSpecialPrice", customer, product: "P2" });
      const order = node.execute({ kind: "PlaceOrder", customer, lines: [{ product: "P2", qty: "1", price: "1.20" }] }).decision.assigned as string;
      const [type, number] = order.split("/") as [string, string];
      node.execute({ kind: "AmendOrder", type, number: Number(number), lines: [{ product: "P2", qty: "2", price: "1.20" }] });
      node.execute({ kind: "CancelOrder", type, number: Number(number) });
      if (node === sede) {
        node.execute({ kind: "ReassignCustomer", code: customer, agent: null });
        node.execute({ kind: "RenameCustomer", code: customer, newCode: "R1" });
      }
    }
    const recorded = (node: SincroNode) => new Set(node.log.page(0, 1000).filter((e) => e.origin === node.id).map((e) => e.type as EventType));
    const atSede = recorded(sede);
    const atAgent = recorded(agent);
    for (const type of atSede) expect(EVENT_SPECS[type].recordedBy, `${type} at the sede`).toContain("sede");
    for (const type of atAgent) expect(EVENT_SPECS[type].recordedBy, `${type} at an agent`).toContain("agent");
    // The day covers every type the deciders record (SnapshotApplied is the sync's).
    expect([...new Set([...atSede, ...atAgent])].sort()).toEqual(EVENT_TYPES.filter((t) => t !== "SnapshotApplied").sort());
    sede.close();
    agent.close();
  });
});
