import type { CustomerRecord } from "./eventTypes.js";

/**
 * What a decider may read about the current state: a read-only port, implemented over the
 * projections by `ReadModel` (src/projections/readModel.ts). Deciders never write.
 */
export interface DomainState {
  agent(code: string): AgentView | undefined;
  agents(): AgentView[];
  orderType(code: string): OrderTypeView | undefined;
  product(code: string): ProductView | undefined;
  priceList(code: string): { code: string; description: string } | undefined;
  genericPrice(list: string, product: string): string | undefined;
  /** The customer with this code (the local one first when a duplicate code was received). */
  customer(code: string): CustomerView | undefined;
  /** Every customer with this code (two when a duplicate code was received). */
  customersWithCode(code: string): CustomerView[];
  /** Whether a customer with this code once left an agent (moved or renamed): the code is not used again. */
  codeDeparted(code: string): boolean;
  /** The special prices of a customer, tombstones included. */
  specialPricesOf(customer: string): SpecialPriceView[];
  /** The highest number already used by a customer code `prefix` + `digits` digits, or 0. */
  lastCustomerNumber(prefix: string, digits: number): number;
  /** The special price row, including a tombstone (`removed`). */
  specialPrice(customer: string, product: string): SpecialPriceView | undefined;
  /** The highest order number used in this order type, or 0. */
  lastOrderNumber(type: string): number;
  order(type: string, number: number): OrderView | undefined;
  /** The earlier codes of customer `code` created by `createdBy`, most recent first (its renames). */
  formerCodesOf(code: string, createdBy: string): string[];
  /** The code a customer once known as `code` has now (its renames followed), or `code` itself. */
  currentCodeOf(code: string): string;
  /** The sequence number of the last event of `origin` this node holds, or 0. */
  lastSeqOf(origin: string): number;
}

export interface AgentView {
  code: string;
  name: string;
  orderType: string;
  customerPrefix: string;
  /** Digits of the progressive number after the prefix. */
  customerDigits: number;
}

export interface OrderTypeView {
  code: string;
  description: string;
  agent: string | null;
}

export interface ProductView {
  code: string;
  description: string;
  unit: string;
  vat: string;
  active: boolean;
}

/** A customer as the deciders see it. */
export type CustomerView = CustomerRecord;

export interface SpecialPriceView {
  customer: string;
  product: string;
  price: string | null;
  discounts: string[];
  removed: boolean;
  hlc: string;
  origin: string;
  eventId: string;
}

export interface OrderView {
  id: string;
  type: string;
  number: number;
  customer: string;
  origin: string;
  status: "placed" | "amended" | "cancelled";
}

/** Who is deciding, and when: the node's identity and settings, and today's date (injected). */
export interface DecideContext {
  node: string;
  role: "sede" | "agent";
  customerPrefix: string;
  customerDigits: number;
  /** The order type this node numbers its own orders in. */
  orderType: string;
  /** `YYYY-MM-DD`, from the injected clock. */
  today: string;
}
