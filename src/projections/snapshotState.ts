import type Database from "better-sqlite3";
import type { SnapshotRow } from "../wire/segmentCodec.js";
import { CATALOGUE, type StreamName } from "../wire/streams.js";
import { RENAMED_AS, renameSteps } from "./customers.js";

/**
 * The state a sede's snapshot of `stream` carries, read from the projections at this moment
 * (call inside the transaction that seals it): how many rows, and the rows in file order.
 */
export function snapshotState(db: Database.Database, stream: StreamName): { count: () => number; rows: () => Generator<SnapshotRow> } {
  return { count: () => count(db, stream), rows: () => rows(db, stream) };
}

/** The customers that left agent @agent and are not its own again. */
const DEPARTED = `SELECT code, created_by FROM customer_departures d WHERE d.agent = @agent
  AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.code = d.code AND c.created_by = d.created_by AND c.agent = d.agent)`;

function count(db: Database.Database, stream: StreamName): number {
  const one = (sql: string, ...params: unknown[]) => (db.prepare(sql).get(...params) as { n: number }).n;
  if (stream === CATALOGUE) {
    return one(`SELECT (SELECT count(*) FROM products) + (SELECT count(*) FROM price_lists) + (SELECT count(*) FROM prices) AS n`);
  }
  const agent = stream.slice(stream.indexOf(">") + 1);
  return one(
    `SELECT (SELECT count(*) FROM order_types WHERE agent = @agent) + (SELECT count(*) FROM customers WHERE agent = @agent)
          + (SELECT count(*) FROM (${DEPARTED}))
          + (SELECT count(*) FROM special_prices WHERE customer IN (SELECT code FROM customers WHERE agent = @agent)) AS n`,
    { agent },
  );
}

/**
 * The state a snapshot carries. The catalogue: every product, list and price (the sede's
 * projections are exactly the catalogue stream's state). An agent's stream: the sede's view
 * of that agent's customers and their special prices, tombstones included — also those the
 * agent itself sent, so a reinstalled PC gets them back (see README, "Departures") — and the
 * customers that left the agent (moved or renamed), for a PC that may still hold them.
 */
function* rows(db: Database.Database, stream: StreamName): Generator<SnapshotRow> {
  if (stream === CATALOGUE) {
    const products = db.prepare(`SELECT code, description, unit, vat, active FROM products ORDER BY code`).raw(true);
    for (const [code, description, unit, vat, active] of products.iterate() as Iterable<[string, string, string, string, number]>) {
      yield ["P", code, description, unit, vat, active === 1 ? 1 : 0];
    }
    const lists = db.prepare(`SELECT code, description FROM price_lists ORDER BY code`).raw(true);
    for (const [code, description] of lists.iterate() as Iterable<[string, string]>) yield ["L", code, description];
    const prices = db.prepare(`SELECT list, product, price FROM prices ORDER BY list, product`).raw(true);
    for (const [list, product, price] of prices.iterate() as Iterable<[string, string, string]>) yield ["R", list, product, price];
    return;
  }
  const agent = stream.slice(stream.indexOf(">") + 1);
  const types = db.prepare(`SELECT code, description, agent FROM order_types WHERE agent = ? ORDER BY code`).raw(true);
  for (const [code, description, owner] of types.iterate(agent) as Iterable<[string, string, string | null]>) yield ["O", code, description, owner];
  // Before the customers: a PC that still holds a customer that left drops it (and its prices).
  const departed = db.prepare(`${DEPARTED} ORDER BY code, created_by`).raw(true).all({ agent }) as Array<[string, string]>;
  const renamedAs = db.prepare(RENAMED_AS);
  const agents = db.prepare(`SELECT 1 FROM customers WHERE code = ? AND created_by = ? AND agent = ?`).pluck(true);
  for (const [code, createdBy] of departed) {
    // Renamed (once or more) and still this agent's: the code it has now.
    let now = code;
    for (const step of renameSteps(renamedAs, code, createdBy)) now = step.newCode;
    yield now !== code && agents.get(now, createdBy, agent) !== undefined ? ["X", code, createdBy, now] : ["X", code, createdBy];
  }
  const customers = db
    .prepare(`SELECT code, created_by, name, agent, list, vat_number, city FROM customers WHERE agent = ? ORDER BY code, created_by`)
    .raw(true);
  for (const c of customers.iterate(agent) as Iterable<[string, string, string, string | null, string | null, string | null, string | null]>) {
    yield ["C", ...c];
  }
  const specials = db
    .prepare(
      `SELECT customer, product, price, discounts, removed, hlc, origin FROM special_prices
       WHERE customer IN (SELECT code FROM customers WHERE agent = ?) ORDER BY customer, product`,
    )
    .raw(true);
  for (const [customer, product, price, discounts, removed, hlc, origin] of specials.iterate(agent) as Iterable<
    [string, string, string | null, string, number, string, string]
  >) {
    yield ["S", customer, product, removed === 1 ? null : price, removed === 1 ? [] : (JSON.parse(discounts) as string[]), hlc, origin];
  }
}
