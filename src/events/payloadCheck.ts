import { MONEY, PERCENT, QUANTITY, VAT_RATE, parseDecimal, type DecimalRule } from "./decimal.js";
import type { EventPayloads, EventType } from "./eventTypes.js";
import { parseHlc } from "./hlc.js";
import { NODE_ID } from "./nodeIds.js";

/** Codes as the deciders accept them (decide.ts uses the same patterns). */
export const PRODUCT_CODE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$/;
export const LIST_CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$/;
export const CUSTOMER_CODE = /^[A-Za-z0-9]{1,20}$/;
export const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A check of one payload field: undefined when it holds, else why not. */
type Check = (value: unknown) => string | undefined;

const MAX_TEXT = 1000;
const MAX_LINES = 10_000;
const MAX_DISCOUNTS = 10;

const text: Check = (v) => (typeof v !== "string" ? "is not text" : v.length > MAX_TEXT ? `is longer than ${MAX_TEXT} characters` : undefined);
const matching =
  (pattern: RegExp, what: string): Check =>
  (v) =>
    typeof v === "string" && pattern.test(v) ? undefined : `is not ${what}`;
const decimal =
  (rule: DecimalRule, what: string): Check =>
  (v) => {
    if (typeof v !== "string") return `is not ${what}`;
    try {
      return parseDecimal(v, "value", rule) === v ? undefined : `is not ${what} in canonical form`;
    } catch {
      return `is not ${what}`;
    }
  };
const nullable =
  (check: Check): Check =>
  (v) =>
    v === null ? undefined : check(v);
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined ? undefined : check(v);
const wholeNumber: Check = (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : "is not a whole number");
const hlc: Check = (v) => (typeof v === "string" && parseHlc(v) ? undefined : "is not a clock reading (HLC)");
const listOf =
  (item: Check, max: number): Check =>
  (v) => {
    if (!Array.isArray(v)) return "is not a list";
    if (v.length > max) return `has more than ${max} items`;
    for (const [i, x] of v.entries()) {
      const problem = item(x);
      if (problem) return `item ${i + 1} ${problem}`;
    }
    return undefined;
  };
const shape =
  (fields: Record<string, Check>): Check =>
  (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return "is not an object";
    for (const [name, check] of Object.entries(fields)) {
      const problem = check((v as Record<string, unknown>)[name]);
      if (problem) return `field ${name} ${problem}`;
    }
    return undefined;
  };

const node = matching(NODE_ID, "a node code (1 to 8 capital letters or digits)");
const product = matching(PRODUCT_CODE, "a product code");
const list = matching(LIST_CODE, "a price list code");
const customer = matching(CUSTOMER_CODE, "a customer code (letters and digits)");
const date = matching(DATE, "a date YYYY-MM-DD");
const money = decimal(MONEY, "an amount");
const discounts = listOf(decimal(PERCENT, "a discount percentage"), MAX_DISCOUNTS);
const lines = listOf(shape({ product, qty: decimal(QUANTITY, "a quantity"), price: money, discounts }), MAX_LINES);
// An order is named by the id of the event that placed it.
const orderRef = matching(/^[0-9A-Za-z]{1,64}$/, "an event id");
// A row loaded from a snapshot has no event id ("").
const handedPrices = listOf(shape({ product, price: nullable(money), discounts, hlc, origin: node, id: matching(/^[0-9A-Za-z]{0,64}$/, "an event id") }), MAX_LINES);
const customerState = { code: customer, name: text, agent: nullable(node), list: nullable(list), vatNumber: nullable(text), city: nullable(text) };

/** Every field of every payload, checked (the compiler keeps this complete). */
const PAYLOAD_CHECKS: { [T in EventType]: { [K in keyof EventPayloads[T]]-?: Check } } = {
  AgentRegistered: {
    code: node,
    name: text,
    orderType: node,
    customerPrefix: node,
    customerDigits: optional((v) => (Number.isInteger(v) && (v as number) >= 3 && (v as number) <= 12 ? undefined : "is not a number of digits from 3 to 12")),
  },
  OrderTypeDefined: { code: node, description: text, agent: nullable(node) },
  ProductSaved: { code: product, description: text, unit: matching(/^[A-Za-z0-9.]{1,8}$/, "a unit"), vat: decimal(VAT_RATE, "a VAT rate") },
  ProductDiscontinued: { code: product },
  PriceListSaved: { code: list, description: text },
  GenericPriceSet: { list, product, price: money },
  GenericPriceRemoved: { list, product },
  CustomerCreated: customerState,
  CustomerUpdated: { ...customerState, createdBy: node },
  SpecialPriceSet: { customer, product, price: money, discounts, supersedes: nullable(hlc) },
  SpecialPriceRemoved: { customer, product, supersedes: nullable(hlc) },
  OrderPlaced: { type: node, number: wholeNumber, year: wholeNumber, date, customer, agent: nullable(node), lines },
  OrderAmended: { order: orderRef, type: node, number: wholeNumber, lines },
  OrderCancelled: { order: orderRef, type: node, number: wholeNumber, reason: text },
  CustomerReassigned: {
    customer,
    createdBy: node,
    from: nullable(node),
    to: nullable(node),
    handover: nullable(
      shape({
        record: shape(customerState),
        specialPrices: handedPrices,
        heard: nullable(wholeNumber),
        formerCodes: optional(listOf(customer, MAX_LINES)),
      }),
    ),
  },
  CustomerRenamed: { code: customer, createdBy: node, newCode: customer, agent: nullable(node), specialPrices: handedPrices },
  SnapshotApplied: { stream: text, segment: wholeNumber, sha256: matching(/^[0-9a-f]{64}$/, "a SHA-256"), rows: wholeNumber },
};

/**
 * Why a received event's payload is not one the domain can hold (a missing field, a code that is
 * not a code, a number that is not canonical), or undefined when it is. Pure: every node that
 * receives the event decides the same.
 */
export function payloadProblem(type: string, data: unknown): string | undefined {
  const checks = (PAYLOAD_CHECKS as Record<string, Record<string, Check>>)[type];
  if (!checks) return `type ${JSON.stringify(type).slice(0, 40)} is unknown`;
  return shape(checks)(data);
}
