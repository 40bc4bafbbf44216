import { assertNever } from "../errors.js";
import { EVENT_TYPES, type RecordedBy, type Role } from "../events/eventSpecs.js";
import type { DecodedEvent, EventPayloads, EventType } from "../events/eventTypes.js";
import { CATALOGUE, SEDE, agentToSede, sedeToAgent, type StreamName } from "../wire/streams.js";

/** What routing needs to know about the current state. */
export interface RouteLookup {
  /** The agent a customer belongs to, or null (unknown customer, or a customer of the sede). */
  customerAgent(code: string): string | null;
  /** Whether `agent` was retired: nothing new is written for it, so nothing is routed to it. */
  retired(agent: string): boolean;
}

/**
 * Where the sede ships an event it recorded: nowhere, the catalogue stream every agent reads,
 * or one agent's stream — the agent the event names, or the agent of the customer it names
 * (offered only to types whose payload has that field).
 */
export type SedeRoute<T extends EventType> =
  | "local"
  | "catalogue"
  | (EventPayloads[T] extends { agent: string | null } ? "agent in event" : never)
  | (EventPayloads[T] extends { customer: string } ? "customer's agent" : never)
  | (EventPayloads[T] extends { from: string | null; to: string | null; handover: unknown } ? "release or handover" : never);

/** Where an agent ships an event it recorded: nowhere, or its stream to the sede. */
export type AgentRoute = "local" | "sede";

/** The route of `T` for role `R`; null for a role that never records it (eventSpecs.ts). */
export type RouteOf<T extends EventType, R extends Role> = R extends RecordedBy<T> ? (R extends "sede" ? SedeRoute<T> : AgentRoute) : null;

export type Routes = { [T in EventType]: { [R in Role]: RouteOf<T, R> } };

/** The routing table of DESIGN §2 (§4.2). */
export const ROUTES = {
  AgentRegistered: { sede: "local", agent: null },
  OrderTypeDefined: { sede: "local", agent: "local" },
  ProductSaved: { sede: "catalogue", agent: null },
  ProductDiscontinued: { sede: "catalogue", agent: null },
  PriceListSaved: { sede: "catalogue", agent: null },
  GenericPriceSet: { sede: "catalogue", agent: null },
  GenericPriceRemoved: { sede: "catalogue", agent: null },
  // A customer the sede creates for no agent stays at the sede.
  CustomerCreated: { sede: "agent in event", agent: "sede" },
  // Once sent, a customer's record is not propagated again: edits stay local on each side (§3).
  CustomerUpdated: { sede: "local", agent: "local" },
  // Local at the sede when the customer has no agent.
  SpecialPriceSet: { sede: "customer's agent", agent: "sede" },
  SpecialPriceRemoved: { sede: "customer's agent", agent: "sede" },
  // Orders the sede enters, even on behalf of an agent, stay at the sede (§3).
  OrderPlaced: { sede: "local", agent: "sede" },
  // An agent's changes to its own orders reach the sede (DESIGN §3, beyond the procedure).
  OrderAmended: { sede: "local", agent: "sede" },
  OrderCancelled: { sede: "local", agent: "sede" },
  // The release to the old agent, the handover to the new one (DESIGN §3, reassignment).
  CustomerReassigned: { sede: "release or handover", agent: null },
  CustomerRenamed: { sede: "agent in event", agent: null },
  SnapshotApplied: { sede: null, agent: "local" },
} as const satisfies Routes;

/**
 * The streams a locally recorded event is shipped on (DESIGN §2 table, §4.2). Pure.
 * Received events are never routed again: each node ships only what it recorded.
 */
export function routeEvent(e: DecodedEvent, node: string, lookup: RouteLookup): StreamName[] {
  if (e.origin !== node) return [];
  const route = node === SEDE ? ROUTES[e.type].sede : ROUTES[e.type].agent;
  switch (route) {
    case null: // a role that never records it (its decider refuses): nothing to ship
    case "local":
      return [];
    case "catalogue":
      return [CATALOGUE];
    case "sede":
      return [agentToSede(node)];
    case "agent in event": {
      // Routes offers this only to payloads with an `agent` field.
      const agent = (e.data as { agent: string | null }).agent;
      return agent === null || lookup.retired(agent) ? [] : [sedeToAgent(agent)];
    }
    case "release or handover": {
      const d = e.data as EventPayloads["CustomerReassigned"];
      const agent = d.handover === null ? d.from : d.to;
      return agent === null || lookup.retired(agent) ? [] : [sedeToAgent(agent)];
    }
    case "customer's agent": {
      const agent = lookup.customerAgent((e.data as { customer: string }).customer);
      return agent === null ? [] : [sedeToAgent(agent)];
    }
    default:
      return assertNever(route, "route");
  }
}

/** The event types the sede may ship on an agent's stream (what a new agent's stream backfills). */
export const SEDE_TO_AGENT_TYPES: readonly EventType[] = EVENT_TYPES.filter((t) => {
  const route = ROUTES[t].sede;
  return route === "agent in event" || route === "customer's agent" || route === "release or handover";
});

/** The event types an agent ships to the sede. */
export const AGENT_TO_SEDE_TYPES: readonly EventType[] = EVENT_TYPES.filter((t) => ROUTES[t].agent === "sede");

/**
 * Whether a node of `role` ships events of `type` at all (DESIGN §7, "Authority"): a received
 * event of a type its origin's role never ships is refused with the file that holds it.
 */
export function mayShip(type: string, role: Role): boolean {
  const routes = (ROUTES as Record<string, Record<Role, string | null>>)[type];
  const route = routes?.[role];
  return route !== undefined && route !== null && route !== "local";
}
