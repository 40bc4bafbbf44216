// Item 1 of issue 12, end to end through the real command line and a folder parking area: the
// agent's order type and customer series are typed once, at the office (`agent add`), and reach
// the agent's PC through its enrollment file; the agent numbers with them.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { enrollAgent, sincro, sincroOk } from "../support/cli.js";
import { folderArea } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

function office() {
  const dir = tempDir();
  const sede = join(dir, "sede.db");
  const park = folderArea(join(dir, "park")).root;
  sincroOk(["--db", sede, "init", "--role", "sede"]);
  sincroOk(["--db", sede, "config", "set", "transport", "folder"]);
  sincroOk(["--db", sede, "config", "set", "folder.path", park]);
  sincroOk(["--db", sede, "product", "add", "P001", "--description", "Olio"]);
  sincroOk(["--db", sede, "price", "set", "--list", "BASE", "--product", "P001", "--price", "8.90"]);
  return { dir, sede };
}

describe("agent set-up from the office (agent add --order-type --customer-prefix --customer-digits)", () => {
  it("refuses a series that meets the sede's or another agent's, naming the field and which series; nothing is written", () => {
    const { sede } = office();
    const before = sincroOk(["--db", sede, "log", "--json"]);
    // The case: prefix 0 + 5 digits gives 000001, one of the sede's own 6-digit codes.
    const r = sincro(["--db", sede, "agent", "add", "AG04", "--name", "Anna", "--customer-prefix", "0", "--customer-digits", "5"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("customer-prefix");
    expect(r.stderr).toContain("000001, which the office's own series (NNNNNN) also produces");
    sincroOk(["--db", sede, "agent", "add", "AG03", "--name", "Piero", "--customer-prefix", "3", "--customer-digits", "7"]);
    const afterAg03 = sincroOk(["--db", sede, "log", "--json"]);
    const other = sincro(["--db", sede, "agent", "add", "AG05", "--name", "Sara", "--customer-prefix", "30", "--customer-digits", "6"]);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain("agent AG03's series (3NNNNNNN)");
    const digits = sincro(["--db", sede, "agent", "add", "AG05", "--name", "Sara", "--customer-digits", "20"]);
    expect(digits.status).toBe(1);
    expect(digits.stderr).toContain("customer-digits");
    expect(sincroOk(["--db", sede, "log", "--json"])).toBe(afterAg03);
    expect(afterAg03).not.toBe(before);
  }, 120_000);

  it("the agent's PC numbers its orders and customers as registered at the office, with no second place to type them", () => {
    const { dir, sede } = office();
    sincroOk(["--db", sede, "agent", "add", "AG03", "--name", "Piero", "--order-type", "OR03", "--customer-prefix", "3", "--customer-digits", "7"]);
    const agents = JSON.parse(sincroOk(["--db", sede, "agent", "list", "--json"])) as unknown[];
    expect(agents).toEqual([{ code: "AG03", name: "Piero", orderType: "OR03", customerPrefix: "3", customerDigits: 7 }]);
    const agent = join(dir, "ag03.db");
    enrollAgent(sede, agent, "AG03");
    sincroOk(["--db", sede, "sync"]);
    sincroOk(["--db", agent, "sync"]);
    const code = sincroOk(["--db", agent, "customer", "add", "--name", "Bar Sport", "--list", "BASE"]).trim();
    expect(code).toBe("30000001");
    expect(sincroOk(["--db", agent, "order", "add", "--customer", code, "--line", "P001:2"]).trim()).toBe("OR03/1");
    // A code outside the registered series is refused on the agent's PC.
    const outside = sincro(["--db", agent, "customer", "add", "--name", "Altro", "--code", "AG03000001"]);
    expect(outside.status).toBe(1);
    expect(outside.stderr).toContain("outside this agent's series (3 followed by 7 digits)");
    sincroOk(["--db", agent, "sync"]);
    sincroOk(["--db", sede, "sync"]);
    const customers = JSON.parse(sincroOk(["--db", sede, "customer", "list", "--json"])) as Array<{ code: string; agent: string }>;
    expect(customers).toEqual([expect.objectContaining({ code: "30000001", agent: "AG03" })]);
    const orders = JSON.parse(sincroOk(["--db", sede, "order", "list", "--json"])) as Array<{ type: string; number: number }>;
    expect(orders.map((o) => `${o.type}/${o.number}`)).toEqual(["OR03/1"]);
    // The sede may not take a code of AG03's series for itself.
    const taken = sincro(["--db", sede, "customer", "add", "--name", "Sede", "--code", "30000009"]);
    expect(taken.status).toBe(1);
    expect(taken.stderr).toContain("agent AG03's series");
  }, 180_000);
});
