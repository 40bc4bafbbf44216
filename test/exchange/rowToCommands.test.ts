import { describe, expect, it } from "vitest";
import { RefusedError } from "../../src/errors.js";
import { rowToCommands } from "../../src/exchange/rowToCommands.js";
import { SincroNode } from "../../src/node/sincroNode.js";
import { run, steppingClock } from "../support/nodes.js";

// Given a node's state / when a row is mapped (pure: nothing is executed) / then the commands.
function sede(): SincroNode {
  const node = SincroNode.init(":memory:", { role: "sede", now: steppingClock().now });
  run(
    node,
    { kind: "RegisterAgent", code: "AG01", name: "Mario" },
    { kind: "AddProduct", code: "P001", description: "Olio", vat: "4" },
    { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
    { kind: "AddCustomer", name: "Bar", agent: "AG01", list: "BASE" },
  );
  return node;
}

describe("rowToCommands", () => {
  it("a new product that is not active is added, then discontinued", () => {
    const node = sede();
    expect(rowToCommands("products", { code: "P9", description: "Sale", unit: "KG", vat: "4", active: "no" }, node.read, node.context())).toEqual({
      commands: [
        { kind: "AddProduct", code: "P9", description: "Sale", unit: "KG", vat: "4" },
        { kind: "DiscontinueProduct", code: "P9" },
      ],
      isNew: true,
    });
  });

  it("a held row that changes nothing maps to no command; one that does, to the update", () => {
    const node = sede();
    const ctx = node.context();
    expect(rowToCommands("prices", { list: "BASE", product: "P001", price: "8,90" }, node.read, ctx)).toEqual({ commands: [], isNew: false });
    expect(rowToCommands("prices", { list: "BASE", product: "P001", price: "9" }, node.read, ctx).commands).toEqual([
      { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9" },
    ]);
  });

  it("a held customer's row becomes an update carrying the row's agent, which the decider checks", () => {
    const node = sede();
    const row = { code: "000001", name: "Bar Centrale", agent: "AG01", list: "BASE" };
    expect(rowToCommands("customers", row, node.read, node.context()).commands).toEqual([
      { kind: "UpdateCustomer", code: "000001", name: "Bar Centrale", list: "BASE", agent: "AG01" },
    ]);
    expect(() => rowToCommands("customers", { ...row, agent: "" }, node.read, node.context())).toThrow(RefusedError);
  });

  it("special prices: cascading discounts split on +", () => {
    const node = sede();
    expect(rowToCommands("special-prices", { customer: "000001", product: "P001", price: "8", discounts: "10 + 5" }, node.read, node.context())).toEqual({
      commands: [{ kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "8", discounts: ["10", "5"] }],
      isNew: true,
    });
  });

  it("an active cell that is neither true nor false is refused on that column", () => {
    const node = sede();
    const map = () => rowToCommands("products", { code: "P001", description: "Olio", unit: "PZ", vat: "4", active: "forse" }, node.read, node.context());
    expect(map).toThrow(expect.objectContaining({ field: "active", message: '"forse" is not true or false' }));
  });
});
