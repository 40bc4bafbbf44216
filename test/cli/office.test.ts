// Issue 12, items 2, 7 and 8 on the real command line, through a folder parking area: moving a
// customer, renaming one, retiring an agent with its customers, and status's "last heard".
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { enrollAgent, sincro, sincroOk } from "../support/cli.js";
import { folderArea } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

const json = <T>(args: string[]): T => JSON.parse(sincroOk([...args, "--json"])) as T;

describe("moving customers and retiring an agent on the command line", () => {
  it("customer assign, customer rename, agent retire --customers-to, status agents", () => {
    const dir = tempDir();
    const sede = join(dir, "sede.db");
    const [ag01, ag02] = [join(dir, "ag01.db"), join(dir, "ag02.db")];
    sincroOk(["--db", sede, "init", "--role", "sede"]);
    sincroOk(["--db", sede, "config", "set", "transport", "folder"]);
    sincroOk(["--db", sede, "config", "set", "folder.path", folderArea(join(dir, "park")).root]);
    sincroOk(["--db", sede, "agent", "add", "AG01", "--name", "Mario"]);
    sincroOk(["--db", sede, "agent", "add", "AG02", "--name", "Luca"]);
    sincroOk(["--db", sede, "product", "add", "P001", "--description", "Olio"]);
    sincroOk(["--db", sede, "customer", "add", "--name", "Bar Centrale", "--agent", "AG01"]);
    sincroOk(["--db", sede, "special-price", "set", "--customer", "000001", "--product", "P001", "--price", "7.50"]);
    enrollAgent(sede, ag01, "AG01");
    enrollAgent(sede, ag02, "AG02");
    sincroOk(["--db", sede, "sync"]);
    sincroOk(["--db", ag01, "sync"]);

    // Refusals name the field; nothing is written.
    const log = sincroOk(["--db", sede, "log", "--json"]);
    for (const [args, field] of [
      [["customer", "assign", "999999", "--agent", "AG02"], "code"],
      [["customer", "assign", "000001", "--agent", "AG09"], "agent"],
      [["customer", "rename", "000001", "bad-code"], "new-code"],
      [["customer", "rename", "000001", "AG02000001"], "new code"],
    ] as const) {
      const r = sincro(["--db", sede, ...args]);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toContain(field);
    }
    expect(sincro(["--db", ag01, "customer", "assign", "000001", "--agent", "AG01"]).status).toBe(1);
    expect(sincroOk(["--db", sede, "log", "--json"])).toBe(log);

    const moved = sincroOk(["--db", sede, "customer", "assign", "000001", "--agent", "AG02"]);
    expect(moved).toContain("customer 000001 moved from agent AG01 to agent AG02: AG02 receives it and its 1 special price at its next sync");
    const renamed = sincroOk(["--db", sede, "customer", "rename", "000001", "000100"]);
    expect(renamed).toContain("past orders keep the code 000001");
    sincroOk(["--db", sede, "sync"]);
    sincroOk(["--db", ag01, "sync"]);
    sincroOk(["--db", ag02, "sync"]);
    expect(json<unknown[]>(["--db", ag01, "customer", "list"])).toEqual([]);
    expect(json<Array<{ code: string; agent: string }>>(["--db", ag02, "customer", "list"])).toEqual([{ code: "000100", name: "Bar Centrale", agent: "AG02", list: null, origin: "SEDE" }]);
    expect(json<Array<{ customer: string; price: string }>>(["--db", ag02, "special-price", "list"]).map((s) => `${s.customer}=${s.price}`)).toEqual(["000100=7.50"]);

    // Retiring AG02: its customer is reported and goes to the office in the same command.
    const retired = sincroOk(["--db", sede, "agent", "retire", "AG02", "--customers-to", "none"]);
    expect(retired).toContain("1 customer of AG02 moved to the office: 000100");
    const assignRetired = sincro(["--db", sede, "customer", "assign", "000100", "--agent", "AG02"]);
    expect(assignRetired.status).toBe(1);
    expect(assignRetired.stderr).toContain("agent AG02 was retired");
    sincroOk(["--db", sede, "sync"]);
    expect(json<Array<{ code: string; agent: string | null }>>(["--db", sede, "customer", "list"]).map((c) => [c.code, c.agent])).toEqual([["000100", null]]);

    const status = json<{ agents: Array<{ code: string; lastHeard: string | null }> }>(["--db", sede, "status"]);
    expect(status.agents.map((a) => [a.code, a.lastHeard !== null])).toEqual([
      ["AG01", true],
      ["AG02", true],
    ]);
    const text = sincroOk(["--db", sede, "status"]);
    expect(text).toMatch(/^AG01 .*: last heard from on .+ at \d\d:\d\d; today: /m);
    expect(text).toMatch(/^AG02 .*: last heard from on .+ at \d\d:\d\d; today: /m);
  }, 300_000);
});
