import type { EventPayloads, EventType } from "../events/eventTypes.js";
import type { MessageKey, Translator } from "../i18n/translator.js";

/** What a person calls what an event records, for counting ("3 orders and 1 customer"). */
export type Noun = "order" | "orderChange" | "customer" | "specialPrice" | "product" | "price" | "agent" | "other" | "snapshotRow";

type Spoken<T extends EventType> = { noun: Noun; recorded: (t: Translator, data: EventPayloads[T]) => string };

/** One row per event type: the compiler refuses a new type until it has its words. */
const EVENT_WORDS: { [T in EventType]: Spoken<T> } = {
  AgentRegistered: { noun: "agent", recorded: (t, d) => t.t("record.AgentRegistered", { code: d.code }) },
  OrderTypeDefined: { noun: "other", recorded: (t, d) => t.t("record.OrderTypeDefined", { code: d.code }) },
  ProductSaved: { noun: "product", recorded: (t, d) => t.t("record.ProductSaved", { code: d.code }) },
  ProductDiscontinued: { noun: "product", recorded: (t, d) => t.t("record.ProductDiscontinued", { code: d.code }) },
  PriceListSaved: { noun: "other", recorded: (t, d) => t.t("record.PriceListSaved", { code: d.code }) },
  GenericPriceSet: { noun: "price", recorded: (t, d) => t.t("record.GenericPriceSet", { product: d.product, list: d.list, price: t.money(d.price) }) },
  GenericPriceRemoved: { noun: "price", recorded: (t, d) => t.t("record.GenericPriceRemoved", { product: d.product, list: d.list }) },
  CustomerCreated: { noun: "customer", recorded: (t, d) => t.t("record.CustomerCreated", { code: d.code }) },
  CustomerUpdated: { noun: "customer", recorded: (t, d) => t.t("record.CustomerUpdated", { code: d.code }) },
  SpecialPriceSet: {
    noun: "specialPrice",
    recorded: (t, d) => t.t("record.SpecialPriceSet", { product: d.product, customer: d.customer, price: t.money(d.price) }),
  },
  SpecialPriceRemoved: { noun: "specialPrice", recorded: (t, d) => t.t("record.SpecialPriceRemoved", { product: d.product, customer: d.customer }) },
  OrderPlaced: { noun: "order", recorded: (t, d) => t.t("record.OrderPlaced", { order: `${d.type}/${d.number}` }) },
  OrderAmended: { noun: "orderChange", recorded: (t, d) => t.t("record.OrderAmended", { order: `${d.type}/${d.number}` }) },
  OrderCancelled: { noun: "orderChange", recorded: (t, d) => t.t("record.OrderCancelled", { order: `${d.type}/${d.number}` }) },
  CustomerReassigned: {
    noun: "customer",
    recorded: (t, d) =>
      d.handover === null
        ? t.t("record.CustomerReleased", { customer: d.customer, from: d.from ?? "SEDE" })
        : d.to === null
          ? t.t("record.CustomerToOffice", { customer: d.customer })
          : t.t("record.CustomerHandedOver", { customer: d.customer, to: d.to }),
  },
  CustomerRenamed: { noun: "customer", recorded: (t, d) => t.t("record.CustomerRenamed", { code: d.code, newCode: d.newCode }) },
  SnapshotApplied: { noun: "snapshotRow", recorded: (t, d) => t.t("record.SnapshotApplied", { rows: d.rows }) },
};

const isEventType = (type: string): type is EventType => Object.hasOwn(EVENT_WORDS, type);

/** "order AG01/3 recorded", "ordine AG01/3 registrato". */
export function recordedLine(t: Translator, type: string, data: unknown): string {
  if (!isEventType(type)) return type;
  return (EVENT_WORDS[type] as Spoken<EventType>).recorded(t, data as never);
}

export function nounOf(type: string): Noun {
  return isEventType(type) ? EVENT_WORDS[type].noun : "other";
}

// Rows of a snapshot are said apart ("sync.receivedInitial"), not in a list of changes.
const NOUN_ORDER: readonly Noun[] = ["order", "orderChange", "customer", "specialPrice", "product", "price", "agent", "other"];

/** Counts of things, by noun. */
export type Tally = Partial<Record<Noun, number>>;

/** Counts events by what they record; a snapshot counts its rows. */
export function tally(events: Iterable<{ type: string; data?: unknown }>): Tally {
  const counts: Tally = {};
  for (const e of events) {
    const noun = nounOf(e.type);
    const n = noun === "snapshotRow" ? Number((e.data as { rows?: number } | undefined)?.rows ?? 0) : 1;
    counts[noun] = (counts[noun] ?? 0) + n;
  }
  return counts;
}

export const tallyTotal = (t: Tally): number => Object.values(t).reduce((a, b) => a + (b ?? 0), 0);

/** "3 orders and 1 customer" (undefined when there is nothing). */
export function tallyText(t: Translator, counts: Tally): string | undefined {
  const parts = NOUN_ORDER.filter((noun) => (counts[noun] ?? 0) > 0).map((noun) => t.t(`noun.${noun}` as MessageKey & `noun.${string}`, { n: counts[noun] as number }));
  return parts.length === 0 ? undefined : t.list(parts);
}

/** What a restored office database still waits for (README, "The office PC restored from a backup"), in the user's language. */
export function restoreLines(t: Translator, awaited: { agents: string[]; streams: string[]; since: string } | undefined): string[] {
  if (!awaited) return [];
  const when = { date: t.dateOf(awaited.since), time: t.time(awaited.since) };
  const lines: string[] = [];
  if (awaited.agents.length > 0) lines.push(t.t("restore.sede.awaitingAgents", { ...when, agents: awaited.agents.join(", ") }));
  if (awaited.streams.length > 0) lines.push(t.t("restore.sede.awaitingOwn", { ...when, streams: awaited.streams.join(", ") }));
  return lines;
}
