import { describe, expect, it } from "vitest";
import type { Command } from "../../src/events/commands.js";
import { decide, MOVES_CUSTOMER, NOT_OWN_CUSTOMER } from "../../src/events/decide.js";
import { RefusedError } from "../../src/errors.js";
import { SincroNode, type InitOptions } from "../../src/node/sincroNode.js";
import { steppingClock } from "../support/nodes.js";

// Given: the events that earlier commands recorded on a real in-memory node.
// When: the decider, called directly (pure) on that state.
// Then: the events it decides, or the refusal.
function given(options: Omit<InitOptions, "now">, ...commands: Command[]): SincroNode {
  const node = SincroNode.init(":memory:", { ...options, now: steppingClock().now });
  for (const c of commands) node.execute(c);
  return node;
}

function when(node: SincroNode, command: Command) {
  return decide(command, node.read, node.context(Date.UTC(2026, 2, 2)));
}

function refusal(node: SincroNode, command: Command): RefusedError {
  try {
    when(node, command);
  } catch (err) {
    expect(err).toBeInstanceOf(RefusedError);
    return err as RefusedError;
  }
  throw new Error("expected a refusal");
}

const catalogue: Command[] = [
  { kind: "RegisterAgent", code: "AG01", name: "Mario" },
  { kind: "AddProduct", code: "P001", description: "Olio" },
  { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
];

describe("agents", () => {
  it("registering an agent defines its order type and customer prefix", () => {
    const d = when(given({ role: "sede" }), { kind: "RegisterAgent", code: "AG01", name: "Mario" });
    expect(d.events).toEqual([
      { type: "AgentRegistered", data: { code: "AG01", name: "Mario", orderType: "AG01", customerPrefix: "AG01", customerDigits: 6 } },
      { type: "OrderTypeDefined", data: { code: "AG01", description: "Orders of agent AG01", agent: "AG01" } },
    ]);
  });
  it("refuses a duplicate agent code", () => {
    const e = refusal(given({ role: "sede" }, ...catalogue), { kind: "RegisterAgent", code: "AG01", name: "Again" });
    expect(e.field).toBe("code");
    expect(e.message).toContain("already exists");
  });
  it("refuses a malformed agent code", () => {
    expect(refusal(given({ role: "sede" }), { kind: "RegisterAgent", code: "ag-1", name: "x" }).field).toBe("code");
  });
  it("refuses a customer series that can produce codes of the sede's series, saying which", () => {
    // The sede numbers 7 digits; prefix 0 + 6 digits would give 0000001, one of the sede's codes.
    const e = refusal(given({ role: "sede", customerDigits: 7 }), { kind: "RegisterAgent", code: "AG04", name: "x", customerPrefix: "0" });
    expect([e.field, e.code, e.message]).toEqual([
      "customer-prefix",
      "OVERLAP",
      "customer-prefix 0 with customer-digits 6 would give agent AG04 codes like 0000001, which the sede's own series (NNNNNNN) also produces; pick a prefix with letters, or another number of digits",
    ]);
    // The default sede series (6 digits) and prefix 0 (7 characters) never meet; nor do letters.
    expect(when(given({ role: "sede" }), { kind: "RegisterAgent", code: "AG04", name: "x", customerPrefix: "0" }).events[0]?.type).toBe("AgentRegistered");
    expect(when(given({ role: "sede", customerPrefix: "S", customerDigits: 7 }), { kind: "RegisterAgent", code: "AG05", name: "x", customerPrefix: "T1" }).events[0]?.type).toBe("AgentRegistered");
    // S1 + 6 digits is S + 7 digits: refused.
    expect(refusal(given({ role: "sede", customerPrefix: "S", customerDigits: 7 }), { kind: "RegisterAgent", code: "AG05", name: "x", customerPrefix: "S1" }).code).toBe("OVERLAP");
  });
  it("accounts for the digits: prefix 0 with 5 digits meets the sede's 6-digit series, with 7 it does not", () => {
    const e = refusal(given({ role: "sede" }), { kind: "RegisterAgent", code: "AG04", name: "x", customerPrefix: "0", customerDigits: "5" });
    expect([e.field, e.code]).toEqual(["customer-prefix", "OVERLAP"]);
    expect(e.message).toContain("codes like 000001, which the sede's own series (NNNNNN) also produces");
    const ok = when(given({ role: "sede" }), { kind: "RegisterAgent", code: "AG04", name: "x", customerPrefix: "0", customerDigits: "7" });
    expect(ok.events[0]).toEqual({ type: "AgentRegistered", data: { code: "AG04", name: "x", orderType: "AG04", customerPrefix: "0", customerDigits: 7 } });
  });
  it("refuses a series another agent's can produce, naming that agent; a different length is another series", () => {
    const state = given({ role: "sede" }, { kind: "RegisterAgent", code: "AG01", name: "Mario", customerPrefix: "A", customerDigits: "5" });
    const e = refusal(state, { kind: "RegisterAgent", code: "AG02", name: "x", customerPrefix: "A1", customerDigits: "4" });
    expect([e.field, e.code]).toEqual(["customer-prefix", "OVERLAP"]);
    expect(e.message).toContain("agent AG01's series (ANNNNN)");
    // The same prefix with 6 digits gives codes one character longer: they never meet.
    expect(when(state, { kind: "RegisterAgent", code: "AG02", name: "x", customerPrefix: "A" }).events[0]?.type).toBe("AgentRegistered");
    expect(refusal(state, { kind: "RegisterAgent", code: "AG02", name: "x", customerPrefix: "A", customerDigits: "5" }).code).toBe("OVERLAP");
  });
  it("refuses digits that are not 3 to 12, naming customer-digits", () => {
    for (const d of ["2", "13", "x", "-4", ""]) {
      const e = refusal(given({ role: "sede" }), { kind: "RegisterAgent", code: "AG04", name: "x", customerDigits: d });
      expect(e.field).toBe("customer-digits");
    }
  });
  it("only the sede registers agents", () => {
    const e = refusal(given({ role: "agent", agent: "AG01" }), { kind: "RegisterAgent", code: "AG02", name: "x" });
    expect(e.field).toBe("role");
    expect(e.message).toContain("only the sede");
  });
});

describe("catalogue", () => {
  it("a new list is saved before its first price", () => {
    const node = given({ role: "sede" }, { kind: "AddProduct", code: "P001", description: "Olio" });
    expect(when(node, { kind: "SetGenericPrice", list: "L1", product: "P001", price: "3,5" }).events).toEqual([
      { type: "PriceListSaved", data: { code: "L1", description: "List L1" } },
      { type: "GenericPriceSet", data: { list: "L1", product: "P001", price: "3.50" } },
    ]);
  });
  it("the same price again records nothing", () => {
    const d = when(given({ role: "sede" }, ...catalogue), { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.9" });
    expect(d.events).toEqual([]);
    expect(d.unchanged).toContain("already");
  });
  it("refuses a price for an unknown product", () => {
    const e = refusal(given({ role: "sede" }), { kind: "SetGenericPrice", list: "BASE", product: "NOPE", price: "1" });
    expect(e.field).toBe("product");
    expect(e.message).toContain("NOPE does not exist");
  });
  it("refuses a duplicate product code", () => {
    expect(refusal(given({ role: "sede" }, ...catalogue), { kind: "AddProduct", code: "P001", description: "x" }).field).toBe("code");
  });
  it("agents cannot manage products or price lists", () => {
    const agent = given({ role: "agent", agent: "AG01" });
    expect(refusal(agent, { kind: "AddProduct", code: "P9", description: "x" }).field).toBe("role");
    expect(refusal(agent, { kind: "SetGenericPrice", list: "B", product: "P9", price: "1" }).field).toBe("role");
  });
  it("discontinuing keeps the product, inactive", () => {
    expect(when(given({ role: "sede" }, ...catalogue), { kind: "DiscontinueProduct", code: "P001" }).events).toEqual([
      { type: "ProductDiscontinued", data: { code: "P001" } },
    ]);
  });
});

describe("customers", () => {
  it("the sede draws codes from its own series", () => {
    const node = given({ role: "sede" }, ...catalogue, { kind: "AddCustomer", name: "A" });
    const d = when(node, { kind: "AddCustomer", name: "B", agent: "AG01", list: "BASE" });
    expect(d.assigned).toBe("000002");
    expect(d.events).toEqual([
      { type: "CustomerCreated", data: { code: "000002", name: "B", agent: "AG01", list: "BASE", vatNumber: null, city: null } },
    ]);
  });
  it("an agent draws codes from its prefixed series and owns its customers", () => {
    const d = when(given({ role: "agent", agent: "AG07" }), { kind: "AddCustomer", name: "Bar" });
    expect(d.assigned).toBe("AG07000001");
    expect(d.events[0]).toMatchObject({ data: { agent: "AG07" } });
  });
  it("agent series never meet: different agents, different prefixes, sede codes shorter", () => {
    const a = when(given({ role: "agent", agent: "A1" }), { kind: "AddCustomer", name: "x" }).assigned;
    const b = when(given({ role: "agent", agent: "A11" }), { kind: "AddCustomer", name: "x" }).assigned;
    const s = when(given({ role: "sede" }), { kind: "AddCustomer", name: "x" }).assigned;
    expect(new Set([a, b, s]).size).toBe(3);
    expect(a).toBe("A1000001");
    expect(b).toBe("A11000001");
    expect(s).toBe("000001");
  });
  it("an agent cannot pick a code outside its series", () => {
    const e = refusal(given({ role: "agent", agent: "AG01" }), { kind: "AddCustomer", name: "x", code: "000123" });
    expect(e.field).toBe("code");
    expect(e.message).toContain("outside this agent's series");
  });
  it("the sede cannot pick a code in an agent's series", () => {
    const e = refusal(given({ role: "sede" }, ...catalogue), { kind: "AddCustomer", name: "x", code: "AG01000009" });
    expect(e.message).toContain("AG01's series");
  });
  it("refuses a duplicate customer code", () => {
    const node = given({ role: "sede" }, { kind: "AddCustomer", name: "A", code: "C1" });
    expect(refusal(node, { kind: "AddCustomer", name: "B", code: "C1" }).message).toContain("already exists");
  });
  it("refuses an unknown agent or list", () => {
    const node = given({ role: "sede" });
    expect(refusal(node, { kind: "AddCustomer", name: "B", agent: "AG09" }).field).toBe("agent");
    expect(refusal(node, { kind: "AddCustomer", name: "B", list: "NOPE" }).field).toBe("list");
  });
  it("an update carries the whole new state and names who created the customer", () => {
    const node = given({ role: "sede" }, ...catalogue, { kind: "AddCustomer", name: "A", agent: "AG01", city: "Roma" });
    expect(when(node, { kind: "UpdateCustomer", code: "000001", city: "Milano" }).events).toEqual([
      {
        type: "CustomerUpdated",
        data: { code: "000001", name: "A", agent: "AG01", list: null, vatNumber: null, city: "Milano", createdBy: "SEDE" },
      },
    ]);
  });
});

describe("a customer stays with its agent: an update never moves it", () => {
  const customers: Command[] = [
    ...catalogue,
    { kind: "RegisterAgent", code: "AG02", name: "Luca" },
    { kind: "AddCustomer", name: "Bar", agent: "AG01" },
    { kind: "AddCustomer", name: "Trattoria" },
  ];
  it("an update naming another agent is refused on the agent field", () => {
    const e = refusal(given({ role: "sede" }, ...customers), { kind: "UpdateCustomer", code: "000001", name: "Bar", agent: "AG02" });
    expect([e.field, e.code]).toEqual(["agent", MOVES_CUSTOMER]);
    expect(e.message).toBe("customer 000001 belongs to agent AG01, the update says AG02: an update does not move a customer to another agent");
  });
  it("an update taking the customer from its agent, or giving the sede's one an agent, is refused", () => {
    const node = given({ role: "sede" }, ...customers);
    expect(refusal(node, { kind: "UpdateCustomer", code: "000001", city: "Roma", agent: null }).message).toContain(
      "customer 000001 belongs to agent AG01, the update says none",
    );
    expect(refusal(node, { kind: "UpdateCustomer", code: "000002", city: "Roma", agent: "AG01" }).message).toContain(
      "customer 000002 belongs to no agent, the update says AG01",
    );
  });
  it("on an agent, an update naming another agent is refused too", () => {
    const agent = given({ role: "agent", agent: "AG01" }, { kind: "AddCustomer", name: "Bar" });
    expect(refusal(agent, { kind: "UpdateCustomer", code: "AG01000001", name: "Bar", agent: "AG02" }).code).toBe(MOVES_CUSTOMER);
  });
  it("an update naming the agent it has changes the rest as usual", () => {
    const node = given({ role: "sede" }, ...customers);
    expect(when(node, { kind: "UpdateCustomer", code: "000001", city: "Roma", agent: "AG01" }).events).toEqual([
      { type: "CustomerUpdated", data: { code: "000001", name: "Bar", agent: "AG01", list: null, vatNumber: null, city: "Roma", createdBy: "SEDE" } },
    ]);
    expect(when(node, { kind: "UpdateCustomer", code: "000002", city: "Roma", agent: null }).events[0]).toMatchObject({ data: { agent: null } });
  });
});

describe("an agent sets special prices for its own customers only", () => {
  // AG01 holds, besides its own 000001, a customer of AG02 (000002) and one of the sede (000003),
  // each with a special price: more than routing sends it, so that the rule is the decider's own.
  const sede = (): SincroNode =>
    given(
      { role: "sede" },
      ...catalogue,
      { kind: "RegisterAgent", code: "AG02", name: "Luca" },
      { kind: "AddCustomer", name: "Bar", agent: "AG01" },
      { kind: "AddCustomer", name: "Bar Due", agent: "AG02" },
      { kind: "AddCustomer", name: "Trattoria" },
      { kind: "SetSpecialPrice", customer: "000002", product: "P001", price: "8" },
      { kind: "SetSpecialPrice", customer: "000003", product: "P001", price: "8" },
    );
  const agentHoldingOthers = (): SincroNode => {
    const agent = given({ role: "agent", agent: "AG01" });
    agent.receive([...sede().log.iterate()]);
    return agent;
  };

  it("another agent's customer is refused on the customer field, naming whose it is", () => {
    const e = refusal(agentHoldingOthers(), { kind: "SetSpecialPrice", customer: "000002", product: "P001", price: "7" });
    expect([e.field, e.code]).toEqual(["customer", NOT_OWN_CUSTOMER]);
    expect(e.message).toBe("customer 000002 is agent AG02's, not this agent's (AG01); an agent sets special prices for its own customers only");
  });
  it("a customer of the sede is refused", () => {
    const e = refusal(agentHoldingOthers(), { kind: "SetSpecialPrice", customer: "000003", product: "P001", price: "7" });
    expect([e.field, e.code]).toEqual(["customer", NOT_OWN_CUSTOMER]);
    expect(e.message).toContain("customer 000003 is the sede's, not this agent's (AG01)");
  });
  it("removing another's special price is refused the same way", () => {
    const e = refusal(agentHoldingOthers(), { kind: "RemoveSpecialPrice", customer: "000002", product: "P001" });
    expect([e.field, e.code]).toEqual(["customer", NOT_OWN_CUSTOMER]);
    expect(e.message).toContain("an agent removes special prices for its own customers only");
  });
  it("its own customer's special price is set as usual", () => {
    const d = when(agentHoldingOthers(), { kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "7" });
    expect(d.events).toEqual([
      { type: "SpecialPriceSet", data: { customer: "000001", product: "P001", price: "7.00", discounts: [], supersedes: null } },
    ]);
  });
  it("an unknown customer is still refused as unknown, before whose it is", () => {
    const e = refusal(agentHoldingOthers(), { kind: "SetSpecialPrice", customer: "X", product: "P001", price: "7" });
    expect([e.field, e.code]).toEqual(["customer", "UNKNOWN"]);
  });
  it("the sede sets and removes special prices for any customer", () => {
    const node = sede();
    expect(when(node, { kind: "SetSpecialPrice", customer: "000002", product: "P001", price: "7" }).events).toHaveLength(1);
    expect(when(node, { kind: "RemoveSpecialPrice", customer: "000003", product: "P001" }).events).toHaveLength(1);
  });
});

describe("special prices", () => {
  const withCustomer = [...catalogue, { kind: "AddCustomer", name: "Bar", agent: "AG01", list: "BASE" } as Command];
  it("a set names the change it supersedes", () => {
    const node = given({ role: "sede" }, ...withCustomer, { kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "8" });
    const current = node.read.specialPrice("000001", "P001");
    const d = when(node, { kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "7.5", discounts: ["10"] });
    expect(d.events).toEqual([
      {
        type: "SpecialPriceSet",
        data: { customer: "000001", product: "P001", price: "7.50", discounts: ["10"], supersedes: current?.hlc },
      },
    ]);
  });
  it("removal is a tombstone event", () => {
    const node = given({ role: "sede" }, ...withCustomer, { kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "8" });
    expect(when(node, { kind: "RemoveSpecialPrice", customer: "000001", product: "P001" }).events[0]?.type).toBe("SpecialPriceRemoved");
  });
  it("refuses to remove a price that is not there", () => {
    expect(refusal(given({ role: "sede" }, ...withCustomer), { kind: "RemoveSpecialPrice", customer: "000001", product: "P001" }).field).toBe(
      "product",
    );
  });
  it("refuses an unknown customer and a bad discount", () => {
    const node = given({ role: "sede" }, ...withCustomer);
    expect(refusal(node, { kind: "SetSpecialPrice", customer: "X", product: "P001", price: "1" }).field).toBe("customer");
    expect(refusal(node, { kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "1", discounts: ["120"] }).field).toBe(
      "discount 1",
    );
  });
});

describe("orders", () => {
  const withCustomer = [...catalogue, { kind: "AddCustomer", name: "Bar", agent: "AG01", list: "BASE" } as Command];
  it("without @PRICE uses the special price, else the list price", () => {
    const node = given(
      { role: "sede" },
      ...withCustomer,
      { kind: "AddProduct", code: "P002", description: "Pasta" },
      { kind: "SetGenericPrice", list: "BASE", product: "P002", price: "1.20" },
      { kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "8.10", discounts: ["5"] },
    );
    const d = when(node, {
      kind: "PlaceOrder",
      customer: "000001",
      agent: "AG01",
      lines: [{ product: "P001", qty: "2" }, { product: "P002", qty: "10" }, { product: "P002", qty: "1", price: "0.99" }],
    });
    expect(d.assigned).toBe("SEDE/1");
    expect(d.events).toEqual([
      {
        type: "OrderPlaced",
        data: {
          type: "SEDE",
          number: 1,
          year: 2026,
          date: "2026-03-02",
          customer: "000001",
          agent: "AG01",
          lines: [
            { product: "P001", qty: "2", price: "8.10", discounts: ["5"] },
            { product: "P002", qty: "10", price: "1.20", discounts: [] },
            { product: "P002", qty: "1", price: "0.99", discounts: [] },
          ],
        },
      },
    ]);
  });
  it("refuses a line with no price anywhere, naming the product", () => {
    const node = given({ role: "sede" }, ...withCustomer, { kind: "AddProduct", code: "P003", description: "Sale" });
    const e = refusal(node, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P003", qty: "1" }] });
    expect(e.field).toBe("line 1 price");
    expect(e.message).toContain("no price for product P003");
  });
  it.each([
    [{ product: "NOPE", qty: "1" }, "line 1 product", "does not exist"],
    [{ product: "P001", qty: "0" }, "line 1 quantity", "greater than zero"],
    [{ product: "P001", qty: "-2" }, "line 1 quantity", "negative"],
    [{ product: "P001", qty: "1", price: "1.2.3" }, "line 1 price", "not a decimal"],
  ])("refuses a bad line %o", (line, field, why) => {
    const e = refusal(given({ role: "sede" }, ...withCustomer), { kind: "PlaceOrder", customer: "000001", lines: [line] });
    expect(e.field).toBe(field);
    expect(e.message).toContain(why);
  });
  it("numbers orders per type, gapless", () => {
    const node = given({ role: "sede" }, ...withCustomer, {
      kind: "PlaceOrder",
      customer: "000001",
      lines: [{ product: "P001", qty: "1" }],
    });
    expect(when(node, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "1" }] }).assigned).toBe("SEDE/2");
  });
  it("the sede may not number in an agent's type", () => {
    const e = refusal(given({ role: "sede" }, ...withCustomer), {
      kind: "PlaceOrder",
      customer: "000001",
      orderType: "AG01",
      lines: [{ product: "P001", qty: "1" }],
    });
    expect(e.field).toBe("type");
    expect(e.message).toContain("numbered by agent AG01");
  });
  it("an agent numbers in its own type", () => {
    const agent = given({ role: "agent", agent: "AG01" });
    agent.receive(
      given({ role: "sede" }, ...catalogue)
        .log.page(0, 100)
        // The agent's order type reaches it with the sede's snapshot; here, with the sede's event.
        .filter((e) => e.type !== "AgentRegistered")
        .map(({ pos: _pos, ...e }) => e),
    );
    agent.execute({ kind: "AddCustomer", name: "Bar", list: "BASE" });
    const d = when(agent, { kind: "PlaceOrder", customer: "AG01000001", lines: [{ product: "P001", qty: "3" }] });
    expect(d.assigned).toBe("AG01/1");
    expect(d.events[0]).toMatchObject({ data: { agent: "AG01", lines: [{ price: "8.90" }] } });
  });
});
