import { describe, expect, it } from "vitest";
import { streamStatus } from "../../src/ship/streamStatus.js";
import { exec, officeWithAgentAG01 } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

describe("status of the streams a node produces", () => {
  it("shows nothing pending once a sync published everything, also for segments a first snapshot made unnecessary", async () => {
    const net = officeWithAgentAG01(tempDir());
    exec(net.sede, { kind: "AddCustomer", name: "Bar Centrale", agent: "AG01" });
    const pendingOf = () => Object.fromEntries(streamStatus(net.sede).filter((s) => s.direction === "out").map((s) => [s.stream, s.pending]));
    // Before any sync: the catalogue stream holds the product and its list and price; AG01's the customer.
    expect(pendingOf()).toEqual({ "SEDE>*": 3, "SEDE>AG01": 1 });
    await net.sync(net.sede);
    expect(pendingOf()).toEqual({ "SEDE>*": 0, "SEDE>AG01": 0 });
    await net.sync(net.agent("AG01"));
    await net.sync(net.sede);
    expect(pendingOf()).toEqual({ "SEDE>*": 0, "SEDE>AG01": 0 });
    exec(net.sede, { kind: "AddProduct", code: "P002", description: "Pasta" });
    expect(pendingOf()).toEqual({ "SEDE>*": 1, "SEDE>AG01": 0 });
  });
});
