import superjson from "superjson";

/**
 * Payloads of every event type (DESIGN §2), keyed by type name. Catalogue-like events carry the
 * entity's whole new state. Decimals are canonical strings (see decimal.ts).
 */
export interface EventPayloads {
  /** `customerDigits`: digits after the prefix; events recorded before it existed lack it and mean 6. */
  AgentRegistered: { code: string; name: string; orderType: string; customerPrefix: string; customerDigits?: number };
  OrderTypeDefined: { code: string; description: string; agent: string | null };
  ProductSaved: { code: string; description: string; unit: string; vat: string };
  ProductDiscontinued: { code: string };
  PriceListSaved: { code: string; description: string };
  GenericPriceSet: { list: string; product: string; price: string };
  GenericPriceRemoved: { list: string; product: string };
  CustomerCreated: CustomerState;
  CustomerUpdated: CustomerRecord;
  /** `supersedes`: the HLC of the change the editor saw (an HLC names one event: it ends with its origin). */
  SpecialPriceSet: { customer: string; product: string; price: string; discounts: string[]; supersedes: string | null };
  SpecialPriceRemoved: { customer: string; product: string; supersedes: string | null };
  OrderPlaced: {
    type: string;
    number: number;
    year: number;
    date: string;
    customer: string;
    agent: string | null;
    lines: OrderLine[];
  };
  OrderAmended: { order: string; type: string; number: number; lines: OrderLine[] };
  OrderCancelled: { order: string; type: string; number: number; reason: string };
  /**
   * The sede moved customer `customer` (created by `createdBy`) from agent `from` to agent `to`
   * (null: the office). One move records two events: the release (`handover` null), shipped to
   * `from` only, which drops the customer and its special prices there; and the handover,
   * shipped to `to` only, carrying the customer and its special prices as the sede holds them.
   * So the old agent receives nothing of the customer's data, only its code.
   */
  CustomerReassigned: { customer: string; createdBy: string; from: string | null; to: string | null; handover: Handover | null };
  /**
   * The sede renamed customer `code` (created by `createdBy`) to `newCode`, after a code
   * collision; shipped to the customer's `agent`. `specialPrices` are those it has under the new
   * code: all of the old code's when it was the only customer with that code; none when another
   * customer keeps the old code (the prices stay with that one). Past orders keep the code they
   * were placed with.
   */
  CustomerRenamed: { code: string; createdBy: string; newCode: string; agent: string | null; specialPrices: HandedPrice[] };
  /** A snapshot of a stream was loaded (bootstrap or catch-up); its bytes are kept locally. */
  SnapshotApplied: { stream: string; segment: number; sha256: string; rows: number };
}

export interface CustomerState {
  code: string;
  name: string;
  agent: string | null;
  list: string | null;
  vatNumber: string | null;
  city: string | null;
}

/**
 * A customer as a node holds it: its state and the node that created it (a code created on two
 * nodes is two customers, reported as a conflict). `CustomerUpdated` carries it whole.
 */
export type CustomerRecord = CustomerState & { createdBy: string };

/** What a customer's new agent receives: the customer and its special prices, tombstones included. */
export interface Handover {
  record: CustomerState;
  specialPrices: HandedPrice[];
  /**
   * The last event of the new agent the sede held when it handed the customer over (null: to the
   * office). The agent's own special-price changes of this customer after that one reach the sede
   * after the handover and stand there, so on the agent they compete again after it.
   */
  heard: number | null;
  /**
   * The customer's earlier codes (most recent first), when the sede renamed it: absent when it
   * never was. An office customer's rename stays at the sede, so an office database put back
   * from a backup may hold the customer under one of them; there the handover renames it.
   */
  formerCodes?: string[];
}

/** A special price as the sede holds it (`price` null: a removal), with the change that set it. */
export interface HandedPrice {
  product: string;
  price: string | null;
  discounts: string[];
  hlc: string;
  origin: string;
  id: string;
}

export interface OrderLine {
  product: string;
  qty: string;
  price: string;
  discounts: string[];
}

/** Every event type. Each has a row in the tables listed at the top of eventSpecs.ts. */
export type EventType = keyof EventPayloads;

/** An event before the log gives it an envelope: what a decider returns. */
export type DraftEvent = { [K in EventType]: { type: K; data: EventPayloads[K] } }[EventType];

/** A decoded event: envelope fields the projections need, plus the typed payload. */
export type DecodedEvent = DraftEvent & { id: string; origin: string; seq: number; hlc: string; at: string };

/** The decoded event of one type. */
export type EventOf<T extends EventType> = Extract<DecodedEvent, { type: T }>;

/**
 * Serialises a payload with superjson. Plain JSON payloads (strings, finite numbers, booleans,
 * null, arrays, plain objects — every payload sincro records today) serialise to
 * `{"json":…}` without superjson's walk, byte for byte what superjson writes for them.
 */
export function encodePayload(data: unknown): string {
  return isPlainJson(data) ? `{"json":${JSON.stringify(data)}}` : superjson.stringify(data);
}

function isPlainJson(v: unknown): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(isPlainJson);
  if (typeof v !== "object" || Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const key in v) {
    // superjson refuses these keys (prototype pollution); leave them to it so the error is its own.
    if (key === "__proto__" || key === "constructor" || key === "prototype") return false;
    const value = (v as Record<string, unknown>)[key];
    if (value === undefined || !isPlainJson(value)) return false;
  }
  return true;
}

/**
 * Decodes a superjson payload. Plain payloads (no `meta`) skip superjson's walk: they are
 * JSON already, and this is the hot path of rebuild and bulk receive.
 */
export function decodePayload(text: string): unknown {
  const parsed = JSON.parse(text) as { json: unknown; meta?: unknown };
  if (parsed.meta === undefined) return parsed.json;
  return superjson.deserialize(parsed as Parameters<typeof superjson.deserialize>[0]);
}
