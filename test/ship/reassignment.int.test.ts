// Issue 12, item 2, through real nodes and a folder parking area: a customer moved from one
// agent to another (or to the office), and a customer renamed after a code collision.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { RefusedError } from "../../src/errors.js";
import { decodePayload, type EventPayloads } from "../../src/events/eventTypes.js";
import type { SincroNode } from "../../src/node/sincroNode.js";
import { decodeSnapshot } from "../../src/wire/segmentCodec.js";
import { exec, folderArea, Network } from "../support/network.js";
import { enroll, makeNode } from "../support/nodes.js";
import { tempDir } from "../support/tempDir.js";

/** AG01 with customer 000001 (the sede's, special price on P001) and its own AG01000001 (special price on P002); AG02 with nothing. */
async function office() {
  const dir = tempDir();
  const net = new Network(dir, folderArea(join(dir, "park")), ["AG01", "AG02"]);
  exec(
    net.sede,
    { kind: "RegisterAgent", code: "AG01", name: "Mario" },
    { kind: "RegisterAgent", code: "AG02", name: "Luca" },
    { kind: "AddProduct", code: "P001", description: "Olio" },
    { kind: "AddProduct", code: "P002", description: "Pasta" },
    { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
    { kind: "SetGenericPrice", list: "BASE", product: "P002", price: "1.20" },
    { kind: "AddCustomer", name: "Bar Centrale", agent: "AG01", list: "BASE" },
    { kind: "SetSpecialPrice", customer: "000001", product: "P001", price: "7.50" },
  );
  await net.round();
  const ag01 = net.agent("AG01");
  exec(ag01, { kind: "AddCustomer", name: "Trattoria Gino", list: "BASE" }, { kind: "SetSpecialPrice", customer: "AG01000001", product: "P002", price: "1.05" });
  exec(ag01, { kind: "PlaceOrder", customer: "AG01000001", lines: [{ product: "P002", qty: "10" }] });
  await net.round();
  return net;
}

const codes = (n: SincroNode) => n.read.listCustomers().map((c) => `${c.code}:${c.agent ?? "-"}`);
const specials = (n: SincroNode) => n.read.listSpecialPrices().map((s) => `${s.customer}/${s.product}=${s.price}`);

/** The plain content of every file the sede parked for `agent` after `since` (segment numbers), as `agent` opens them. */
function parkedFor(net: Network, agent: SincroNode, since: number): string {
  const folder = join("SincroSede", agent.id);
  return readdirSync(net.file(folder))
    .filter((f) => /^\d{10}\.(seg|snap)$/.test(f) && Number(f.slice(0, 10)) > since)
    .map((f) => gunzipSync(net.opened(agent, `${folder}/${f}`)).toString("utf8"))
    .join("\n");
}

const lastSegment = (net: Network, agent: string) => Math.max(0, ...readdirSync(net.file("SincroSede", agent)).filter((f) => f.endsWith(".seg")).map((f) => Number(f.slice(0, 10))));

describe("customer assign (DESIGN §3, reassignment)", () => {
  it("the new agent receives the customer and its special prices; the old one stops showing them, keeps its past orders, and receives nothing of its data", async () => {
    const net = await office();
    const [ag01, ag02] = [net.agent("AG01"), net.agent("AG02")];
    expect(codes(ag01)).toEqual(["000001:AG01", "AG01000001:AG01"]);
    const before = lastSegment(net, "AG01");
    exec(net.sede, { kind: "ReassignCustomer", code: "AG01000001", agent: "AG02" });
    exec(net.sede, { kind: "ReassignCustomer", code: "000001", agent: "AG02" });
    // A change the office makes afterwards goes to the new agent only.
    exec(net.sede, { kind: "SetSpecialPrice", customer: "AG01000001", product: "P001", price: "8.10" });
    await net.round();
    expect(codes(net.sede)).toEqual(["000001:AG02", "AG01000001:AG02"]);
    expect(codes(ag02)).toEqual(["000001:AG02", "AG01000001:AG02"]);
    expect(specials(ag02)).toEqual(["000001/P001=7.50", "AG01000001/P001=8.10", "AG01000001/P002=1.05"]);
    expect(codes(ag01)).toEqual([]);
    expect(specials(ag01)).toEqual([]);
    expect(ag01.read.listOrders().map((o) => `${o.type}/${o.number}:${o.customer}`)).toEqual(["AG01/1:AG01000001"]);
    const published = parkedFor(net, ag01, before);
    expect(published).toContain("CustomerReassigned");
    for (const secret of ["Trattoria", "Bar Centrale", "7.50", "8.10", "1.05"]) expect(published).not.toContain(secret);
    // The new agent works with it; the old one is refused, naming the field.
    exec(ag02, { kind: "SetSpecialPrice", customer: "AG01000001", product: "P002", price: "0.99" });
    expect(() => exec(ag01, { kind: "SetSpecialPrice", customer: "AG01000001", product: "P002", price: "0.50" })).toThrow(expect.objectContaining({ field: "customer" }));
    await net.round();
    expect(specials(net.sede)).toEqual(specials(ag02));
    // The old agent never numbers that code again.
    expect(exec(ag01, { kind: "AddCustomer", name: "Nuovo" })).toEqual(["AG01000002"]);
    // Rebuilding gives the same projections.
    for (const n of [net.sede, ag01, ag02]) {
      const r = n.rebuild();
      expect(r.after).toEqual(r.before);
    }
  });

  // FTP seed 951000181, run 369: refused as "customer AG01000001 does not exist".
  it("the old agent's order for a customer moved away is refused an amendment, saying why; nothing is written", async () => {
    const net = await office();
    const ag01 = net.agent("AG01");
    exec(net.sede, { kind: "ReassignCustomer", code: "AG01000001", agent: "AG02" });
    await net.round();
    expect(codes(ag01)).toEqual(["000001:AG01"]);
    const events = ag01.log.count();
    let refused: unknown;
    try {
      exec(ag01, { kind: "AmendOrder", type: "AG01", number: 1, lines: [{ product: "P002", qty: "20" }] });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(RefusedError);
    expect(refused).toMatchObject({ field: "order", code: "CUSTOMER_MOVED" });
    expect((refused as Error).message).toBe(
      "order AG01/1 is for customer AG01000001, which is no longer among this PC's customers (the office moved it): it cannot be changed here; ask the office to change it",
    );
    expect(ag01.log.count()).toBe(events);
    expect(ag01.read.listOrders().map((o) => `${o.type}/${o.number}:${o.lines[0]?.qty}`)).toEqual(["AG01/1:10"]);
  });

  it("a change the old agent made before it heard of the move is reported at the sede, not applied; both sides agree afterwards", async () => {
    const net = await office();
    const [ag01, ag02] = [net.agent("AG01"), net.agent("AG02")];
    exec(net.sede, { kind: "ReassignCustomer", code: "AG01000001", agent: "AG02" });
    exec(ag01, { kind: "SetSpecialPrice", customer: "AG01000001", product: "P002", price: "0.90" });
    await net.sync(ag01);
    await net.round();
    await net.round();
    expect(net.sede.log.quarantined().map((q) => q.reason)).toEqual([expect.stringContaining("customer AG01000001 is not AG01's (it belongs to AG02)")]);
    expect(specials(net.sede)).toEqual(["000001/P001=7.50", "AG01000001/P002=1.05"]);
    expect(specials(ag02)).toEqual(["AG01000001/P002=1.05"]);
    expect(specials(ag01)).toEqual(["000001/P001=7.50"]);
  });

  it("to the office (--agent none): the old agent drops it, no agent receives it; and back to an agent again", async () => {
    const net = await office();
    const [ag01, ag02] = [net.agent("AG01"), net.agent("AG02")];
    exec(net.sede, { kind: "ReassignCustomer", code: "000001", agent: null });
    await net.round();
    expect(codes(net.sede)).toEqual(["000001:-", "AG01000001:AG01"]);
    expect(codes(ag01)).toEqual(["AG01000001:AG01"]);
    expect(codes(ag02)).toEqual([]);
    exec(net.sede, { kind: "ReassignCustomer", code: "000001", agent: "AG01" });
    await net.round();
    expect(codes(ag01)).toEqual(["000001:AG01", "AG01000001:AG01"]);
    expect(specials(ag01)).toEqual(["000001/P001=7.50", "AG01000001/P002=1.05"]);
  });

  it("snapshots carry it: a PC that catches up from a snapshot, and a new PC that bootstraps, reach the same state", async () => {
    const net = await office();
    const ag01 = net.agent("AG01");
    exec(net.sede, { kind: "ReassignCustomer", code: "AG01000001", agent: "AG02" });
    // Every sync of the sede now seals a snapshot; then the segments AG01 has not read are gone.
    await net.sync(net.sede, { snapshotEvery: 1 });
    const folder = net.file("SincroSede", "AG01");
    const snaps = readdirSync(folder).filter((f) => f.endsWith(".snap"));
    const newest = snaps.sort().at(-1) as string;
    const rows = [...decodeSnapshot(net.opened(ag01, `SincroSede/AG01/${newest}`), newest, { stream: "SEDE>AG01", number: Number(newest.slice(0, 10)) }).rows()];
    expect(rows).toContainEqual(["X", "AG01000001", "AG01"]);
    expect(JSON.stringify(rows)).not.toContain("Trattoria");
    for (const f of readdirSync(folder).filter((f) => f.endsWith(".seg"))) rmSync(join(folder, f));
    await net.sync(ag01);
    expect(codes(ag01)).toEqual(["000001:AG01"]);
    expect(specials(ag01)).toEqual(["000001/P001=7.50"]);
    // A new PC for AG02 starts from AG02's snapshot: the customer and its special prices are there.
    await net.sync(net.sede, { snapshotEvery: 1 });
    const pcDir = join(net.dir, "pc2");
    mkdirSync(pcDir);
    const pc = makeNode(pcDir, "AG02", { role: "agent", agent: "AG02" }, net.clock.now);
    enroll(net.sede, pc);
    await net.sync(net.sede, { snapshotEvery: 1 });
    await net.sync(pc);
    expect(codes(pc)).toEqual(["AG01000001:AG02"]);
    expect(specials(pc)).toEqual(["AG01000001/P002=1.05"]);
  });

  it("refuses an unknown customer, an unknown or retired agent, and an agent PC, naming the field; nothing is written", async () => {
    const net = await office();
    const before = net.sede.log.origins();
    const refusal = (node: SincroNode, c: Parameters<SincroNode["execute"]>[0]) => {
      try {
        node.execute(c);
      } catch (err) {
        expect(err).toBeInstanceOf(RefusedError);
        return [(err as RefusedError).field, (err as RefusedError).message];
      }
      throw new Error("expected a refusal");
    };
    expect(refusal(net.sede, { kind: "ReassignCustomer", code: "999999", agent: "AG02" })).toEqual(["code", "customer assign: no customer has the code 999999"]);
    expect(refusal(net.sede, { kind: "ReassignCustomer", code: "000001", agent: "AG09" })[0]).toBe("agent");
    net.sede.retire("AG02");
    expect(refusal(net.sede, { kind: "ReassignCustomer", code: "000001", agent: "AG02" })).toEqual([
      "agent",
      "customer assign: agent AG02 was retired; give the customer to an active agent or to the office (--agent none)",
    ]);
    expect(refusal(net.agent("AG01"), { kind: "ReassignCustomer", code: "000001", agent: "AG01" })[0]).toBe("role");
    expect(net.sede.log.origins()).toEqual(before);
  });
});

describe("customer rename (after a code collision)", () => {
  it("the agent holding the customer gets the new code; special prices follow; past orders keep the old code", async () => {
    const net = await office();
    const ag01 = net.agent("AG01");
    exec(net.sede, { kind: "RenameCustomer", code: "AG01000001", newCode: "T00042" });
    await net.round();
    for (const n of [net.sede, ag01]) {
      expect(codes(n)).toEqual(["000001:AG01", "T00042:AG01"]);
      expect(specials(n)).toEqual(["000001/P001=7.50", "T00042/P002=1.05"]);
      expect(n.read.listOrders().map((o) => o.customer)).toEqual(["AG01000001"]);
    }
    // The agent orders under the new code, and never numbers the old one again.
    exec(ag01, { kind: "PlaceOrder", customer: "T00042", lines: [{ product: "P002", qty: "1" }] });
    expect(exec(ag01, { kind: "AddCustomer", name: "Nuovo" })).toEqual(["AG01000002"]);
    await net.round();
    expect(net.sede.read.listOrders().map((o) => o.customer)).toEqual(["AG01000001", "T00042"]);
  });

  it("a move names the customer's earlier codes, most recent first, when the office renamed it; a move of a customer never renamed names none", async () => {
    const net = await office();
    exec(net.sede, { kind: "AddCustomer", name: "Osteria" }, { kind: "RenameCustomer", code: "000002", newCode: "R1" }, { kind: "RenameCustomer", code: "R1", newCode: "R2" });
    const handover = (code: string, agent: string) => {
      exec(net.sede, { kind: "ReassignCustomer", code, agent });
      const last = net.sede.log.head("SEDE")?.seq as number;
      return (decodePayload(net.sede.log.get("SEDE", last)?.data as string) as EventPayloads["CustomerReassigned"]).handover;
    };
    expect(handover("R2", "AG02")?.formerCodes).toEqual(["R1", "000002"]);
    expect(handover("000001", "AG02")).not.toHaveProperty("formerCodes");
    await net.round();
    expect(codes(net.agent("AG02")).sort()).toEqual(["000001:AG02", "R2:AG02"]);
  });

  it("two customers with one code: --origin picks one, and each keeps the special prices they showed; refusals name the field", async () => {
    // The office used C001 for a customer of its own before AG03 was registered with prefix C and
    // 3 digits: AG03's first customer is C001 too. The sede keeps both and reports the conflict.
    const dir = tempDir();
    const net = new Network(dir, folderArea(join(dir, "park")), ["AG03"]);
    exec(
      net.sede,
      { kind: "AddProduct", code: "P001", description: "Olio" },
      { kind: "AddCustomer", name: "Ufficio", code: "C001" },
      { kind: "SetSpecialPrice", customer: "C001", product: "P001", price: "5.00" },
      { kind: "RegisterAgent", code: "AG03", name: "Piero", customerPrefix: "C", customerDigits: "3" },
    );
    await net.round();
    const ag03 = net.agent("AG03");
    // Built as the agent's PC was (its enrollment's series): here the test node's own settings.
    ag03.setState("customer.prefix", "C");
    ag03.setState("customer.digits", "3");
    const reopened = net.reopen(ag03);
    expect(exec(reopened, { kind: "AddCustomer", name: "Bar Piero" })).toEqual(["C001"]);
    exec(reopened, { kind: "SetSpecialPrice", customer: "C001", product: "P001", price: "6.00" });
    await net.round();
    expect(net.sede.read.listConflicts().map((c) => c.kind)).toContain("customer-code");
    const rename = (c: { code: string; newCode: string; origin?: string }) => () => exec(net.sede, { kind: "RenameCustomer", ...c });
    expect(rename({ code: "C001", newCode: "K01" })).toThrow(expect.objectContaining({ field: "origin", message: expect.stringContaining("two customers have the code C001") }));
    expect(rename({ code: "C001", newCode: "K01", origin: "AG09" })).toThrow(expect.objectContaining({ field: "origin" }));
    expect(rename({ code: "C002", newCode: "K01" })).toThrow(expect.objectContaining({ field: "code" }));
    expect(rename({ code: "C001", newCode: "bad-code", origin: "AG03" })).toThrow(expect.objectContaining({ field: "new-code" }));
    expect(rename({ code: "C001", newCode: "C001", origin: "SEDE" })).not.toThrow();
    exec(net.sede, { kind: "AddCustomer", name: "Altro", code: "K02" });
    expect(rename({ code: "C001", newCode: "K02", origin: "AG03" })).toThrow(expect.objectContaining({ field: "new-code", message: expect.stringContaining("taken") }));
    exec(net.sede, { kind: "RegisterAgent", code: "AG04", name: "Anna", customerPrefix: "Q" });
    expect(rename({ code: "C001", newCode: "Q000001", origin: "AG03" })).toThrow(expect.objectContaining({ field: "new-code", message: expect.stringContaining("agent AG04's series") }));
    exec(net.sede, { kind: "RenameCustomer", code: "C001", newCode: "K01", origin: "AG03" });
    await net.round();
    expect(codes(net.sede)).toEqual(["C001:-", "K01:AG03", "K02:-"]);
    expect(codes(reopened)).toEqual(["K01:AG03"]);
    // AG03's price for its C001 was refused at the office when it arrived (the code named the
    // office's customer there), and reported; the special prices stay with the customer that
    // keeps the code, so after the rename both sides agree that K01 has none.
    expect(net.sede.log.quarantined().map((q) => q.type)).toEqual(["SpecialPriceSet"]);
    expect(specials(net.sede)).toEqual(["C001/P001=5.00"]);
    expect(specials(reopened)).toEqual([]);
    // A code once used is not given out again.
    expect(rename({ code: "K02", newCode: "C001" })).toThrow(expect.objectContaining({ field: "new-code" }));
  });
});
