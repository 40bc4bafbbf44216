import type Database from "better-sqlite3";
import type {
  AgentView,
  CustomerView,
  DomainState,
  OrderTypeView,
  OrderView,
  ProductView,
  SpecialPriceView,
} from "../events/domainState.js";
import { decodePayload } from "../events/eventTypes.js";

interface CustomerRow {
  code: string;
  created_by: string;
  name: string;
  agent: string | null;
  list: string | null;
  vat_number: string | null;
  city: string | null;
}

/** The projections seen through the {@link DomainState} port, plus the listings of the CLI. */
export class ReadModel implements DomainState {
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly localNode: string,
  ) {}

  /**
   * A cached statement. `raw` rows come as arrays and `pluck` gives the first column: the hot
   * lookups of every command use them, since better-sqlite3 builds an object row property by
   * property.
   */
  private q(sql: string, mode: "rows" | "raw" | "pluck" = "rows"): Database.Statement {
    const key = mode === "rows" ? sql : `${mode}:${sql}`;
    let s = this.stmts.get(key);
    if (!s) {
      s = this.db.prepare(sql);
      if (mode === "raw") s.raw(true);
      if (mode === "pluck") s.pluck(true);
      this.stmts.set(key, s);
    }
    return s;
  }

  agent(code: string): AgentView | undefined {
    return this.q(`SELECT code, name, order_type AS orderType, customer_prefix AS customerPrefix, customer_digits AS customerDigits FROM agents WHERE code = ?`).get(code) as
      | AgentView
      | undefined;
  }

  agents(): AgentView[] {
    return this.q(`SELECT code, name, order_type AS orderType, customer_prefix AS customerPrefix, customer_digits AS customerDigits FROM agents ORDER BY code`).all() as AgentView[];
  }

  orderType(code: string): OrderTypeView | undefined {
    return this.q(`SELECT code, description, agent FROM order_types WHERE code = ?`).get(code) as OrderTypeView | undefined;
  }

  product(code: string): ProductView | undefined {
    const row = this.q(`SELECT code, description, unit, vat, active FROM products WHERE code = ?`, "raw").get(code) as
      | [string, string, string, string, number]
      | undefined;
    return row && { code: row[0], description: row[1], unit: row[2], vat: row[3], active: row[4] === 1 };
  }

  priceList(code: string): { code: string; description: string } | undefined {
    const row = this.q(`SELECT code, description FROM price_lists WHERE code = ?`, "raw").get(code) as [string, string] | undefined;
    return row && { code: row[0], description: row[1] };
  }

  genericPrice(list: string, product: string): string | undefined {
    return this.q(`SELECT price FROM prices WHERE list = ? AND product = ?`, "pluck").get(list, product) as string | undefined;
  }

  customer(code: string): CustomerView | undefined {
    const row = this.q(
      `SELECT code, created_by, name, agent, list, vat_number, city FROM customers WHERE code = ?
       ORDER BY created_by = ? DESC, created_by LIMIT 1`,
    ).get(code, this.localNode) as CustomerRow | undefined;
    return row && toCustomer(row);
  }

  customersWithCode(code: string): CustomerView[] {
    const rows = this.q(`SELECT code, created_by, name, agent, list, vat_number, city FROM customers WHERE code = ? ORDER BY created_by`).all(code) as CustomerRow[];
    return rows.map(toCustomer);
  }

  codeDeparted(code: string): boolean {
    return this.q(`SELECT 1 FROM customer_departures WHERE code = ? LIMIT 1`, "pluck").get(code) !== undefined;
  }

  specialPricesOf(customer: string): SpecialPriceView[] {
    const rows = this.q(`SELECT product FROM special_prices WHERE customer = ? ORDER BY product`, "pluck").all(customer) as string[];
    return rows.map((product) => this.specialPrice(customer, product) as SpecialPriceView);
  }

  lastCustomerNumber(prefix: string, digits: number): number {
    const pattern = prefix.replace(/[[\]*?]/g, "") + "[0-9]".repeat(digits);
    // A code that left this node (moved or renamed) is not numbered again.
    const code = this.q(
      `SELECT max(code) FROM (SELECT code FROM customers WHERE code GLOB @p UNION ALL SELECT code FROM customer_departures WHERE code GLOB @p)`,
      "pluck",
    ).get({ p: pattern }) as string | null;
    const held = code === null ? 0 : Number(code.slice(prefix.length));
    return Math.max(held, this.base("customer", `${prefix}/${digits}`));
  }

  /** A numbering base carried over from an earlier PC with the same agent code (0 if none). */
  private base(kind: string, key: string): number {
    return (this.q(`SELECT value FROM numbering_base WHERE kind = ? AND key = ?`, "pluck").get(kind, key) as number | undefined) ?? 0;
  }

  specialPrice(customer: string, product: string): SpecialPriceView | undefined {
    const row = this.q(
      `SELECT customer, product, price, discounts, removed, hlc, origin, event_id FROM special_prices WHERE customer = ? AND product = ?`,
    ).get(customer, product) as
      | { customer: string; product: string; price: string | null; discounts: string; removed: number; hlc: string; origin: string; event_id: string }
      | undefined;
    if (!row) return undefined;
    return {
      customer: row.customer,
      product: row.product,
      price: row.price,
      discounts: JSON.parse(row.discounts) as string[],
      removed: row.removed === 1,
      hlc: row.hlc,
      origin: row.origin,
      eventId: row.event_id,
    };
  }

  formerCodesOf(code: string, createdBy: string): string[] {
    // Walked back from the latest.
    const former: string[] = [];
    let current = code;
    for (const d of this.renames().reverse()) {
      if (d.newCode !== current || d.createdBy !== createdBy) continue;
      former.push(d.code);
      current = d.code;
    }
    return former;
  }

  currentCodeOf(code: string): string {
    let current = code;
    for (const d of this.renames()) if (d.code === current) current = d.newCode;
    return current;
  }

  /** Every customer rename applied here, in log order (renames are few: a code collision). */
  private renames(): Array<{ code: string; newCode: string; createdBy: string }> {
    const rows = this.q(`SELECT data FROM events WHERE type = 'CustomerRenamed' AND pos NOT IN (SELECT pos FROM quarantined) ORDER BY pos`, "pluck").all() as string[];
    return rows.map((data) => decodePayload(data) as { code: string; newCode: string; createdBy: string });
  }

  lastSeqOf(origin: string): number {
    return (this.q(`SELECT max(seq) FROM events WHERE origin = ?`, "pluck").get(origin) as number | null) ?? 0;
  }

  lastOrderNumber(type: string): number {
    const n = this.q(`SELECT max(number) FROM orders WHERE type = ?`, "pluck").get(type) as number | null;
    return Math.max(n ?? 0, this.base("order", type));
  }

  /** The highest order number `origin` placed, per order type (what a sede has received from an agent). */
  lastOrderNumbersFrom(origin: string): Record<string, number> {
    const rows = this.q(`SELECT type, max(number) AS n FROM orders WHERE origin = ? GROUP BY type`).all(origin) as Array<{ type: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.type, r.n]));
  }

  /** The highest customer code `origin` created, if any. */
  lastCustomerCreatedBy(origin: string): string | undefined {
    return (this.q(`SELECT max(code) FROM customers WHERE created_by = ?`, "pluck").get(origin) as string | null) ?? undefined;
  }

  order(type: string, number: number): OrderView | undefined {
    return this.q(
      `SELECT id, type, number, customer, origin, status FROM orders WHERE type = ? AND number = ?
       ORDER BY origin = ? DESC, origin LIMIT 1`,
    ).get(type, number, this.localNode) as OrderView | undefined;
  }

  // Listings of the command line (DESIGN §6 fields, camelCase, decimals as strings).

  listCustomers(): CustomerListing[] {
    const rows = this.q(`SELECT code, created_by, name, agent, list, vat_number, city FROM customers ORDER BY code, created_by`).all() as CustomerRow[];
    return rows.map((r) => ({ code: r.code, name: r.name, agent: r.agent, list: r.list, origin: r.created_by, vatNumber: r.vat_number, city: r.city }));
  }

  listProducts(): ProductListing[] {
    const rows = this.q(`SELECT code, description, unit, vat, active FROM products ORDER BY code`).all() as Array<
      Omit<ProductListing, "active"> & { active: number }
    >;
    return rows.map((r) => ({ ...r, active: r.active === 1 }));
  }

  listPrices(): PriceListing[] {
    return this.q(`SELECT list, product, price FROM prices ORDER BY list, product`).all() as PriceListing[];
  }

  listSpecialPrices(customer?: string): SpecialPriceListing[] {
    const rows = this.q(
      `SELECT customer, product, price, discounts, hlc, origin FROM special_prices
       WHERE removed = 0 AND (@customer IS NULL OR customer = @customer) ORDER BY customer, product`,
    ).all({ customer: customer ?? null }) as Array<Omit<SpecialPriceListing, "discounts"> & { discounts: string }>;
    return rows.map((r) => ({ ...r, discounts: JSON.parse(r.discounts) as string[] }));
  }

  /** The node that placed the order with this id (its OrderPlaced event id), if held. */
  orderOrigin(id: string): string | undefined {
    return (this.q(`SELECT origin FROM orders WHERE id = ?`).get(id) as { origin: string } | undefined)?.origin;
  }

  listOrders(): OrderListing[] {
    const orders = this.q(
      `SELECT id, type, number, year, date, customer, agent, origin, status,
              EXISTS (SELECT 1 FROM orders_changed_after_receipt c WHERE c.order_id = orders.id) AS changed
         FROM orders ORDER BY type, number, origin`,
    ).all() as Array<Omit<OrderListing, "lines" | "changedAfterReceipt"> & { id: string; changed: number }>;
    const lines = this.q(`SELECT product, qty, price, discounts FROM order_lines WHERE order_id = ? ORDER BY line_no`);
    return orders.map(({ id, changed, ...o }) => ({
      ...o,
      changedAfterReceipt: changed === 1,
      lines: (lines.all(id) as Array<{ product: string; qty: string; price: string; discounts: string }>).map((l) => ({
        product: l.product,
        qty: l.qty,
        price: l.price,
        discounts: JSON.parse(l.discounts) as string[],
      })),
    }));
  }

  listConflicts(): ConflictListing[] {
    return this.q(`SELECT kind, key, detail, event_id AS eventId, other_id AS otherId, winner_id AS winnerId FROM conflicts ORDER BY id`).all() as ConflictListing[];
  }

  listAgents(): AgentView[] {
    return this.agents();
  }
}

function toCustomer(r: CustomerRow): CustomerView {
  return { code: r.code, createdBy: r.created_by, name: r.name, agent: r.agent, list: r.list, vatNumber: r.vat_number, city: r.city };
}

/** A customer in `customer list --json` (DESIGN §6 fields): who created it is `origin` there. */
export type CustomerListing = Omit<CustomerView, "createdBy"> & { origin: string };
export interface ProductListing {
  code: string;
  description: string;
  unit: string;
  vat: string;
  active: boolean;
}
export interface PriceListing {
  list: string;
  product: string;
  price: string;
}
export interface SpecialPriceListing {
  customer: string;
  product: string;
  price: string;
  discounts: string[];
  hlc: string;
  origin: string;
}
export interface OrderListing {
  type: string;
  number: number;
  year: number;
  date: string;
  customer: string;
  agent: string | null;
  origin: string;
  status: string;
  /** At the sede: the agent amended or cancelled it after the sede had received it (fix the ERP). */
  changedAfterReceipt: boolean;
  lines: Array<{ product: string; qty: string; price: string; discounts: string[] }>;
}
export interface ConflictListing {
  kind: string;
  key: string;
  detail: string;
  eventId: string;
  otherId: string | null;
  winnerId: string | null;
}
