import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrollAgent, eventCount, sincro, sincroOk } from "../support/cli.js";
import { agentHoldingOthersCustomers } from "../support/nodes.js";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

// One sede and one agent, built once through the real binary; each case below runs against them.
const dir = mkdtempSync(join(tmpdir(), "sincro-cli-"));
const sede = join(dir, "sede.db");
const agent = join(dir, "agent.db");

const ok = sincroOk;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  ok(["--db", sede, "init", "--role", "sede"]);
  ok(["--db", sede, "agent", "add", "AG01", "--name", "Mario Rossi"]);
  enrollAgent(sede, agent, "AG01");
  ok(["--db", sede, "product", "add", "P001", "--description", "Olio 1 l", "--vat", "4"]);
  ok(["--db", sede, "price", "set", "--list", "BASE", "--product", "P001", "--price", "8,90"]);
});

describe("the worked example of the README", () => {
  it("customer add and order add print what they assigned, alone on the line", () => {
    expect(ok(["--db", sede, "customer", "add", "--name", "Bar Centrale", "--agent", "AG01", "--list", "BASE"])).toBe("000001\n");
    ok(["--db", sede, "special-price", "set", "--customer", "000001", "--product", "P001", "--price", "8.10", "--discount", "5"]);
    expect(ok(["--db", sede, "order", "add", "--customer", "000001", "--line", "P001:6", "--agent", "AG01"])).toBe("SEDE/1\n");
  });

  it("list --json uses the fields of DESIGN §6 with decimals as strings", () => {
    expect(JSON.parse(ok(["--db", sede, "customer", "list", "--json"]))).toEqual([
      { code: "000001", name: "Bar Centrale", agent: "AG01", list: "BASE", origin: "SEDE" },
    ]);
    expect(JSON.parse(ok(["--db", sede, "product", "list", "--json"]))).toEqual([
      { code: "P001", description: "Olio 1 l", unit: "PZ", vat: "4", active: true },
    ]);
    expect(JSON.parse(ok(["--db", sede, "price", "list", "--json"]))).toEqual([{ list: "BASE", product: "P001", price: "8.90" }]);
    const special = JSON.parse(ok(["--db", sede, "special-price", "list", "--json"])) as Array<Record<string, unknown>>;
    expect(special).toEqual([
      { customer: "000001", product: "P001", price: "8.10", discounts: ["5"], hlc: expect.stringMatching(/^\d{13}-\d{5}-SEDE$/), origin: "SEDE" },
    ]);
    const orders = JSON.parse(ok(["--db", sede, "order", "list", "--json"])) as Array<Record<string, unknown>>;
    expect(orders[0]).toMatchObject({
      type: "SEDE",
      number: 1,
      customer: "000001",
      agent: "AG01",
      origin: "SEDE",
      lines: [{ product: "P001", qty: "6", price: "8.10" }],
    });
  });

  it("log --json prints the envelopes of DESIGN §2", () => {
    const log = JSON.parse(ok(["--db", sede, "log", "--json"])) as Array<Record<string, unknown>>;
    expect(Object.keys(log[0] as object).sort()).toEqual(["at", "data", "hash", "hlc", "id", "origin", "prev", "seq", "type", "v"]);
  });

  it("rebuild prints matching digests per table", () => {
    const out = ok(["--db", sede, "rebuild"]);
    expect(out).toMatch(/special_prices\s+1\s+[0-9a-f]{16}\s+[0-9a-f]{16}\s+yes/);
    expect(out).not.toContain("NO");
  });

  it("config show masks the password", () => {
    ok(["--db", sede, "config", "set", "ftp.password", "s3cret!"]);
    const out = ok(["--db", sede, "config", "show"]);
    expect(out).not.toContain("s3cret!");
    expect(out).toContain("********");
  });

  // A generated secret (base64url) may begin with "-": commander took it for an unknown option,
  // refused it, and echoed it in the error.
  it("config set takes a secret beginning with '-' as the value, and never prints it", () => {
    const secret = "-Xq3_secret-value";
    const set = sincro(["--db", sede, "config", "set", "s3.secret-key", secret]);
    expect(set.status).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(secret);
    expect(JSON.parse(ok(["--db", sede, "config", "show", "--json"]))).toMatchObject({ "s3.secret-key": "********" });
    const extra = sincro(["--db", sede, "config", "set", "s3.secret-key", secret, "-more"]);
    expect(extra.status).not.toBe(0);
    expect(extra.stdout + extra.stderr).not.toContain(secret);
  });

  it("SINCRO_DB picks the node when --db is absent", () => {
    const r = sincro(["product", "list", "--json"], { SINCRO_DB: sede });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
  });
});

describe("bad input is refused with the field, the reason, a non-zero exit and nothing written", () => {
  const cases: Array<[string, string, string[], number, RegExp]> = [
    ["unknown customer", sede, ["order", "add", "--customer", "999999", "--line", "P001:1"], 1, /customer 999999 does not exist/],
    ["unknown product", sede, ["order", "add", "--customer", "000001", "--line", "NOPE:1"], 1, /line 1: product NOPE does not exist/],
    ["negative quantity", sede, ["order", "add", "--customer", "000001", "--line", "P001:-2"], 1, /line 1 quantity "-2" must not be negative/],
    ["zero quantity", sede, ["order", "add", "--customer", "000001", "--line", "P001:0"], 1, /line 1 quantity must be greater than zero/],
    ["malformed decimal", sede, ["price", "set", "--list", "BASE", "--product", "P001", "--price", "12.3.4"], 1, /price "12.3.4" is not a decimal/],
    ["too many decimals", sede, ["price", "set", "--list", "BASE", "--product", "P001", "--price", "1.23456"], 1, /more than 4 decimals/],
    ["duplicate product code", sede, ["product", "add", "P001", "--description", "again"], 1, /product P001 already exists/],
    ["duplicate customer code", sede, ["customer", "add", "--name", "X", "--code", "000001"], 1, /customer 000001 already exists/],
    ["duplicate agent code", sede, ["agent", "add", "AG01", "--name", "X"], 1, /agent AG01 already exists/],
    ["missing required flag", sede, ["product", "add", "P009"], 2, /required option '--description <text>' not specified/],
    ["unknown flag", sede, ["customer", "list", "--colour"], 2, /unknown option '--colour'/],
    ["sede-only command on an agent", agent, ["product", "add", "P009", "--description", "x"], 1, /only the office can do this \(this PC is agent AG01\)/],
    ["sede-only price on an agent", agent, ["price", "set", "--list", "B", "--product", "P001", "--price", "1"], 1, /only the office can do this/],
    ["config key that does not exist", sede, ["config", "set", "ftp.colour", "blue"], 1, /config key "ftp.colour" does not exist/],
    ["config value out of range", sede, ["config", "set", "ftp.port", "70000"], 1, /ftp.port "70000" must be a port number/],
    ["malformed line", sede, ["order", "add", "--customer", "000001", "--line", "P001"], 1, /line 1 "P001" must be PRODUCT:QTY/],
    ["malformed order reference", sede, ["order", "cancel", "SEDE-1"], 1, /must be written TYPE\/NUMBER/],
    ["agent customer outside its series", agent, ["customer", "add", "--name", "X", "--code", "123456"], 1, /outside this agent's series/],
  ];

  it.each(cases)("%s", (_name, db, args, exit, message) => {
    const before = eventCount(db);
    const r = sincro(["--db", db, ...args]);
    expect(r.status).toBe(exit);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
    expect(eventCount(db)).toBe(before);
  });

  it("a database that is not a sincro node", () => {
    const r = sincro(["--db", join(dir, "..", "definitely-missing.db"), "customer", "list"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no sincro node there/);
    const bad = sincro(["--db", process.execPath, "customer", "list"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/not a sincro node database/);
  });

  it("init of an agent without enrollment, and init over an existing node", () => {
    const r = sincro(["--db", join(dir, "x.db"), "init", "--role", "agent", "--agent", "AG07"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ask the office to run "sincro agent enroll AG07 --out FILE" and to give you the file and its passphrase, then run "sincro init --enroll FILE"');
    expect(existsSync(join(dir, "x.db"))).toBe(false);
    const bad = sincro(["--db", sede, "agent", "add", "ag-1", "--name", "x"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/code "ag-1" is not valid: 1 to 8/);
    const again = sincro(["--db", sede, "init", "--role", "sede"]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/a file already exists there/);
  });
});

describe("an agent sets special prices for its own customers only", () => {
  // An agent database holding, besides its own customer 000001, a customer of AG02 (000002, with a
  // special price) and one of the sede (000003): more than routing sends it, built through the API.
  const others = join(dir, "others");
  const held = join(others, "agent.db");

  beforeAll(() => {
    mkdirSync(others);
    const { sede, agent } = agentHoldingOthersCustomers(others);
    agent.close();
    sede.close();
  });

  const cases: Array<[string, string[], RegExp]> = [
    [
      "another agent's customer",
      ["special-price", "set", "--customer", "000002", "--product", "P001", "--price", "7"],
      /^sincro: customer 000002 belongs to agent AG02, not to this agent \(AG01\); an agent changes special prices of its own customers only\n$/,
    ],
    [
      "a customer of the sede",
      ["special-price", "set", "--customer", "000003", "--product", "P001", "--price", "7", "--discount", "5"],
      /^sincro: customer 000003 is the office's, not this agent's \(AG01\); an agent changes special prices of its own customers only\n$/,
    ],
    [
      "removing another agent's special price",
      ["special-price", "remove", "--customer", "000002", "--product", "P001"],
      /^sincro: customer 000002 belongs to agent AG02, not to this agent \(AG01\); an agent changes special prices of its own customers only\n$/,
    ],
  ];

  it.each(cases)("%s is refused, exit 1, naming the customer and why, nothing written", (_name, args, message) => {
    const before = eventCount(held);
    const r = sincro(["--db", held, ...args]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
    expect(eventCount(held)).toBe(before);
  });

  it("its own customer's special price is recorded", () => {
    const before = eventCount(held);
    expect(ok(["--db", held, "special-price", "set", "--customer", "000001", "--product", "P001", "--price", "7"])).toMatch(
      /^special price of P001 for customer 000001: €7\.00\n$/,
    );
    expect(eventCount(held)).toBe(before + 1);
  });
});
