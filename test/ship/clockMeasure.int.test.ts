import { describe, expect, it } from "vitest";
import { SincroNode } from "../../src/node/sincroNode.js";
import { exec, officeWithAgentAG01 } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

const DAY = 86_400_000;

describe("a sync measures the node's own clock, the one its times derive from", () => {
  it("an agent on a clock a day fast: corrected at its first sync, and warned", async () => {
    const dir = tempDir();
    const net = officeWithAgentAG01(dir);
    await net.round();
    // The agent's PC clock (the node's injected clock, not this process's) runs a day ahead of
    // the parking server's, which stamps by the network's clock.
    const file = net.agent("AG01").db.name;
    net.agent("AG01").close();
    const ag = SincroNode.open(file, { now: () => net.clock.now() + DAY });
    net.agents.set("AG01", ag);
    exec(net.sede, { kind: "AddCustomer", name: "Bar", agent: "AG01" });
    await net.sync(net.sede);
    const before = ag.log.head("AG01")?.seq ?? 0;
    const r = await net.sync(ag);
    // The folder's stamp is given to 2 s, so the measure may be a second short of the day.
    expect(r.warnings.join("\n")).toMatch(/this PC's clock is (1 day|23 h 59 min) ahead of the parking server's/);
    expect(Math.abs(ag.clockCorrectionMs() + DAY)).toBeLessThan(5_000);
    // What is entered after it carries the server's time, not the PC's.
    exec(ag, { kind: "AddCustomer", name: "Pub" });
    const after = ag.log.ownedAfter("AG01", before);
    expect(after.length).toBe(1);
    expect(Math.abs(Number(after[0]?.hlc.slice(0, 13)) - net.clock.peek())).toBeLessThan(60_000);
  });
});
