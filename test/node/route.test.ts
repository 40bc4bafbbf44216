import { describe, expect, it } from "vitest";
import { EVENT_TYPES } from "../../src/events/eventSpecs.js";
import type { DecodedEvent, EventPayloads, EventType } from "../../src/events/eventTypes.js";
import { BACKFILL_TYPES, SNAPSHOT_STALE_TYPES } from "../../src/node/outbox.js";
import { routeEvent } from "../../src/node/route.js";

// The routing table of DESIGN §2, written out by hand: for each event type, the streams it is
// shipped on when recorded at the sede and at agent AG01, for a customer of agent AG01 and for
// a customer of no agent. "—" marks a role that never records the type (its decider refuses
// it); such an event would be shipped nowhere.
const CAT = "SEDE>*";
const TO_AG01 = "SEDE>AG01";
const FROM_AG01 = "AG01>SEDE";
type Streams = string[] | "—";
type Row = [sedeWithAgent: Streams, sedeNoAgent: Streams, agentWithAgent: Streams, agentNoAgent: Streams];

const DESIGN_ROUTES: Record<EventType, Row> = {
  AgentRegistered: [[], [], "—", "—"],
  OrderTypeDefined: [[], [], [], []],
  ProductSaved: [[CAT], [CAT], "—", "—"],
  ProductDiscontinued: [[CAT], [CAT], "—", "—"],
  PriceListSaved: [[CAT], [CAT], "—", "—"],
  GenericPriceSet: [[CAT], [CAT], "—", "—"],
  GenericPriceRemoved: [[CAT], [CAT], "—", "—"],
  // sede for an agent → that agent; sede, no agent → local; agent → sede.
  CustomerCreated: [[TO_AG01], [], [FROM_AG01], [FROM_AG01]],
  // Edits stay local on each side (§3).
  CustomerUpdated: [[], [], [], []],
  // sede → the customer's agent (local if it has none); agent → sede.
  SpecialPriceSet: [[TO_AG01], [], [FROM_AG01], [FROM_AG01]],
  SpecialPriceRemoved: [[TO_AG01], [], [FROM_AG01], [FROM_AG01]],
  // An agent's orders go to the sede; the sede's (even on behalf of an agent) stay there (§3).
  OrderPlaced: [[], [], [FROM_AG01], [FROM_AG01]],
  // An agent's amendments and cancellations go to the sede (DESIGN §2, "beyond the procedure");
  // the sede's stay there.
  OrderAmended: [[], [], [FROM_AG01], [FROM_AG01]],
  OrderCancelled: [[], [], [FROM_AG01], [FROM_AG01]],
  // The handover goes to the new agent (here `agent`); the release, to the old one (below).
  CustomerReassigned: [[TO_AG01], [], "—", "—"],
  // To the customer's agent, who holds it under the old code.
  CustomerRenamed: [[TO_AG01], [], "—", "—"],
  // Not in DESIGN §2: recorded when an agent loads a snapshot, and never shipped.
  SnapshotApplied: ["—", "—", [], []],
};

/** A payload of `type` naming customer C1 and, where the payload says so, `agent`. */
function payload(type: EventType, agent: string | null): EventPayloads[EventType] {
  const lines = [{ product: "P1", qty: "1", price: "1.00", discounts: [] }];
  const payloads: EventPayloads = {
    AgentRegistered: { code: "AG01", name: "Mario", orderType: "AG01", customerPrefix: "AG01" },
    OrderTypeDefined: { code: "AG01", description: "Orders", agent },
    ProductSaved: { code: "P1", description: "Olio", unit: "PZ", vat: "22" },
    ProductDiscontinued: { code: "P1" },
    PriceListSaved: { code: "BASE", description: "Base" },
    GenericPriceSet: { list: "BASE", product: "P1", price: "1.00" },
    GenericPriceRemoved: { list: "BASE", product: "P1" },
    CustomerCreated: { code: "C1", name: "Bar", agent, list: null, vatNumber: null, city: null },
    CustomerUpdated: { code: "C1", name: "Bar", agent, list: null, vatNumber: null, city: "Roma", createdBy: "SEDE" },
    SpecialPriceSet: { customer: "C1", product: "P1", price: "1.00", discounts: [], supersedes: null },
    SpecialPriceRemoved: { customer: "C1", product: "P1", supersedes: null },
    OrderPlaced: { type: "SEDE", number: 1, year: 2026, date: "2026-03-02", customer: "C1", agent, lines },
    OrderAmended: { order: "01ORDER", type: "SEDE", number: 1, lines },
    OrderCancelled: { order: "01ORDER", type: "SEDE", number: 1, reason: "" },
    CustomerReassigned: {
      customer: "C1",
      createdBy: "SEDE",
      from: null,
      to: agent,
      handover: { record: { code: "C1", name: "Bar", agent, list: null, vatNumber: null, city: null }, specialPrices: [], heard: 0 },
    },
    CustomerRenamed: { code: "C1", createdBy: "SEDE", newCode: "C2", agent, specialPrices: [] },
    SnapshotApplied: { stream: "SEDE>AG01", segment: 1, sha256: "ab", rows: 1 },
  };
  return payloads[type];
}

function event(type: EventType, origin: string, agent: string | null): DecodedEvent {
  return { type, data: payload(type, agent), id: "01EVENT", origin, seq: 1, hlc: `0001772442000000-00000-${origin}`, at: "" } as DecodedEvent;
}

const cases = EVENT_TYPES.flatMap((type) => {
  const [sedeWith, sedeWithout, agentWith, agentWithout] = DESIGN_ROUTES[type];
  return [
    { type, node: "SEDE", customerAgent: "AG01", expected: sedeWith },
    { type, node: "SEDE", customerAgent: null, expected: sedeWithout },
    { type, node: "AG01", customerAgent: "AG01", expected: agentWith },
    { type, node: "AG01", customerAgent: null, expected: agentWithout },
  ];
});

describe("routing (DESIGN §2)", () => {
  it("has a row for every event type", () => {
    expect(Object.keys(DESIGN_ROUTES).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(cases)("$type recorded at $node, customer of agent $customerAgent → $expected", ({ type, node, customerAgent, expected }) => {
    const lookup = { customerAgent: (code: string) => (code === "C1" ? customerAgent : null), retired: () => false };
    expect(routeEvent(event(type, node, customerAgent), node, lookup)).toEqual(expected === "—" ? [] : expected);
  });

  it("a move ships the release to the old agent only and the handover to the new one only; nothing to a retired agent", () => {
    const moved = { customer: "C1", createdBy: "AG01", from: "AG01", to: "AG02" };
    const handover = { record: { code: "C1", name: "Bar", agent: "AG02", list: null, vatNumber: null, city: null }, specialPrices: [] };
    const at = (data: object) => ({ type: "CustomerReassigned", data, id: "01EVENT", origin: "SEDE", seq: 1, hlc: "0001772442000000-00000-SEDE", at: "" }) as DecodedEvent;
    const live = { customerAgent: () => null, retired: () => false };
    expect(routeEvent(at({ ...moved, handover: null }), "SEDE", live)).toEqual(["SEDE>AG01"]);
    expect(routeEvent(at({ ...moved, handover }), "SEDE", live)).toEqual(["SEDE>AG02"]);
    expect(routeEvent(at({ ...moved, handover: null }), "SEDE", { ...live, retired: (a: string) => a === "AG01" })).toEqual([]);
  });

  it.each(EVENT_TYPES)("%s received from another node is never routed again", (type) => {
    const lookup = { customerAgent: () => "AG01", retired: () => false };
    expect(routeEvent(event(type, "AG01", "AG01"), "SEDE", lookup)).toEqual([]);
    expect(routeEvent(event(type, "SEDE", "AG01"), "AG01", lookup)).toEqual([]);
    expect(routeEvent(event(type, "AG02", "AG02"), "AG01", lookup)).toEqual([]);
  });
});

describe("the outbox's event types, derived from the tables", () => {
  it("backfills a new agent's stream with the sede's customers and special prices", () => {
    expect([...BACKFILL_TYPES].sort()).toEqual(["CustomerCreated", "CustomerReassigned", "CustomerRenamed", "SpecialPriceRemoved", "SpecialPriceSet"]);
  });

  it("refreshes an agent's snapshot after that agent's customers and special prices, not its orders", () => {
    expect([...SNAPSHOT_STALE_TYPES].sort()).toEqual(["CustomerCreated", "SpecialPriceRemoved", "SpecialPriceSet"]);
  });
});
