import { join } from "node:path";
import type { Command } from "../../src/events/commands.js";
import { SincroNode, type InitOptions } from "../../src/node/sincroNode.js";
import { generateKeys, publicKeys } from "../../src/wire/keys.js";

/** A clock that starts at `start` and moves 1 ms per reading, so runs are reproducible. */
export function steppingClock(start = Date.UTC(2026, 2, 2, 9, 0, 0)): { now: () => number; peek: () => number; set(t: number): void } {
  let t = start;
  return {
    now: () => t++,
    /** The time now, without stepping (a parking server's clock: see serverClock.ts). */
    peek: () => t,
    set(v: number) {
      t = v;
    },
  };
}

/** A node on a real SQLite file in `dir`, with a deterministic clock. */
export function makeNode(dir: string, name: string, options: Omit<InitOptions, "now">, now = steppingClock().now): SincroNode {
  return SincroNode.init(join(dir, `${name}.db`), { ...options, now });
}

/**
 * Enrolls `agent` at `sede` as `sincro agent enroll` + `init --enroll` do, on nodes the test
 * built itself: new keys for the agent, trusted by the sede (revoking earlier ones for that
 * code), and the sede's keys trusted by the agent.
 */
export function enroll(sede: SincroNode, agent: SincroNode): void {
  const keys = generateKeys();
  const at = new Date(Date.UTC(2026, 2, 2)).toISOString();
  for (const k of sede.keyring.signers(agent.id)) agent.keyring.remember(agent.id, k, at);
  agent.keyring.setOwn(keys, at);
  agent.keyring.vouch("SEDE", publicKeys(sede.keyring.own()!), at);
  sede.keyring.vouch(agent.id, publicKeys(keys), at);
}

/** A second PC holding a copy of `original`'s keys (a cloned disk): the office sees one agent. */
export function cloneKeys(original: SincroNode, copy: SincroNode): void {
  const at = new Date(Date.UTC(2026, 2, 2)).toISOString();
  copy.keyring.setOwn(original.keyring.own()!, at);
  copy.keyring.vouch("SEDE", publicKeys(original.keyring.current("SEDE")!), at);
}

export function run(node: SincroNode, ...commands: Command[]): void {
  for (const c of commands) node.execute(c);
}

/** A sede with agent AG01, products P001/P002 on list BASE, and customer 000001 of AG01. */
export function seededSede(dir: string, now?: () => number): SincroNode {
  const sede = makeNode(dir, "sede", { role: "sede" }, now);
  run(
    sede,
    { kind: "RegisterAgent", code: "AG01", name: "Mario Rossi" },
    { kind: "AddProduct", code: "P001", description: "Olio 1 l", vat: "4" },
    { kind: "AddProduct", code: "P002", description: "Pasta 500 g", vat: "4" },
    { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
    { kind: "SetGenericPrice", list: "BASE", product: "P002", price: "1.20" },
    { kind: "AddCustomer", name: "Bar Centrale", agent: "AG01", list: "BASE" },
  );
  return sede;
}

/**
 * The seeded sede plus agent AG02 with customer 000002 (a special price on P001) and a sede
 * customer 000003; and agent AG01's node holding the whole sede log — more than routing sends
 * it, so that an agent's commands can be tried on customers that are not its own.
 */
export function agentHoldingOthersCustomers(dir: string): { sede: SincroNode; agent: SincroNode } {
  const sede = seededSede(dir);
  run(
    sede,
    { kind: "RegisterAgent", code: "AG02", name: "Luca" },
    { kind: "AddCustomer", name: "Bar Due", agent: "AG02" },
    { kind: "AddCustomer", name: "Trattoria" },
    { kind: "SetSpecialPrice", customer: "000002", product: "P001", price: "8" },
  );
  const agent = makeNode(dir, "agent", { role: "agent", agent: "AG01" });
  agent.receive([...sede.log.iterate()]);
  return { sede, agent };
}
