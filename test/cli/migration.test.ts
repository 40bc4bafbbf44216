// Moving an office from unsigned files (sincro before enrollment) to signed, encrypted ones
// without losing what is in transit. The fixture was written by that earlier sincro's own
// command line (commit b0ccddb): a sede and agent AG01 on a folder parking area, with an order
// and a customer of AG01 uploaded but not yet received by the sede, and product P002 uploaded by
// the sede but not yet received by AG01 (test/fixtures/unsigned-office).
import { cpSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { sincro } from "../support/cli.js";
import { tempDir } from "../support/tempDir.js";

const FIXTURE = new URL("../fixtures/unsigned-office", import.meta.url).pathname;
const PASS = { SINCRO_PASSPHRASE: "migrazione 2026" };

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => statSync(f).isFile());
}

describe("moving an office to signed, encrypted files (README, 'Moving to signed files')", () => {
  it("follows the README's steps; what was in transit arrives on both sides, and the server ends up unreadable", () => {
    const dir = tempDir();
    cpSync(FIXTURE, dir, { recursive: true });
    const run = (args: string[], env: Record<string, string> = {}) => sincro(args, env, dir);
    const ok = (args: string[], env: Record<string, string> = {}) => {
      const r = run(args, env);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      return r.stdout;
    };
    // Before: in transit, readable by anyone with the password.
    expect(gunzipSync(readFileSync(join(dir, "park", "SincroAg", "AG01", "0000000001.seg"))).toString("utf8")).toContain("Trattoria Da Gino");

    // 1. At the office: the new sincro gives the sede its keys; enroll each agent, then sync.
    ok(["--db", "sede.db", "agent", "enroll", "AG01", "--out", "AG01.enroll"], PASS);
    const office = run(["--db", "sede.db", "sync"]);
    // AG01's upload is still unsigned: it waits, named, and AG01 is asked to send it again.
    expect(office.stdout).toContain("SincroAg/AG01/0000000001.seg: not a signed sincro file");
    expect(office.status).toBe(1);

    // 2. On the agent's PC: the new sincro, the enrollment on the existing database, a sync.
    expect(ok(["--db", "agent.db", "init", "--enroll", "AG01.enroll"], PASS)).toContain("enrolled agent AG01 (Mario Rossi) on the existing database agent.db");
    const agent = ok(["--db", "agent.db", "sync"]);
    expect(agent).not.toContain("ERROR");
    expect(JSON.parse(ok(["--db", "agent.db", "product", "list", "--json"])).map((p: { code: string }) => p.code)).toEqual(["P001", "P002"]);

    // 3. At the office again: the agent's order and customer arrive, once.
    ok(["--db", "sede.db", "sync"]);
    const orders = JSON.parse(ok(["--db", "sede.db", "order", "list", "--json"])) as Array<{ type: string; number: number; lines: Array<{ qty: string }> }>;
    expect(orders.map((o) => `${o.type}/${o.number}:${o.lines[0]?.qty}`)).toEqual(["AG01/1:12"]);
    const customers = JSON.parse(ok(["--db", "sede.db", "customer", "list", "--json"])) as Array<{ name: string }>;
    expect(customers.map((c) => c.name).sort()).toEqual(["Bar Centrale", "Trattoria Da Gino"]);
    // Further syncs are quiet on both sides.
    expect(ok(["--db", "agent.db", "sync"])).not.toContain("warning");
    expect(ok(["--db", "sede.db", "sync"])).not.toContain("warning");

    // Nothing on the server is readable any more: no name, VAT number or price.
    for (const f of files(join(dir, "park"))) {
      const bytes = readFileSync(f);
      for (const secret of ["Bar Centrale", "Trattoria", "IT01234567890", "IT09876543210", "Olio", "Gragnano", "8.90", "1.75"]) {
        expect(bytes.includes(Buffer.from(secret)), `${secret} in ${f}`).toBe(false);
      }
    }
    // And the database and key files are the owner's only.
    for (const db of ["sede.db", "agent.db", "AG01.enroll"]) expect(statSync(join(dir, db)).mode & 0o077).toBe(0);
  });
});
