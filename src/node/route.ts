import type { DecodedEvent } from "../events/eventTypes.js";
import { CATALOGUE, SEDE, agentToSede, sedeToAgent, type StreamName } from "../wire/streams.js";

/** What routing needs to know about the current state. */
export interface RouteLookup {
  /** The agent a customer belongs to, or null (unknown customer, or a customer of the sede). */
  customerAgent(code: string): string | null;
}

/**
 * The streams a locally recorded event is shipped on (DESIGN §2 table, §4.2). Pure.
 * Received events are never routed again: each node ships only what it recorded.
 */
export function routeEvent(e: DecodedEvent, node: string, lookup: RouteLookup): StreamName[] {
  if (e.origin !== node) return [];
  if (node === SEDE) {
    switch (e.type) {
      case "ProductSaved":
      case "ProductDiscontinued":
      case "PriceListSaved":
      case "GenericPriceSet":
      case "GenericPriceRemoved":
        return [CATALOGUE];
      case "CustomerCreated":
        return e.data.agent === null ? [] : [sedeToAgent(e.data.agent)];
      case "SpecialPriceSet":
      case "SpecialPriceRemoved": {
        const agent = lookup.customerAgent(e.data.customer);
        return agent === null ? [] : [sedeToAgent(agent)];
      }
      default:
        // Orders the sede enters (even on behalf of an agent), customer edits, amendments,
        // agents and order types stay at the sede (DESIGN §3).
        return [];
    }
  }
  switch (e.type) {
    case "CustomerCreated":
    case "SpecialPriceSet":
    case "SpecialPriceRemoved":
    case "OrderPlaced":
      return [agentToSede(node)];
    default:
      return [];
  }
}
