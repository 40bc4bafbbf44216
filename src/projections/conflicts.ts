import type Database from "better-sqlite3";
import { SEDE } from "../events/nodeIds.js";
import type { Stamp } from "./lastWriterWins.js";

/**
 * A conflict the projections report instead of resolving silently (DESIGN §3): a row of the
 * `conflicts` table. `eventId` is the event that revealed it, `otherId` the one it met, and
 * `winnerId` the one whose state is kept, where one is.
 */
export interface Conflict {
  kind: "customer-code" | "order-number" | "order-type" | "special-price";
  key: string;
  detail: string;
  eventId: string;
  otherId: string | null;
  winnerId: string | null;
}

/** The `conflicts` table: rows are only ever added, by the other projections. */
export class ConflictsProjection {
  private readonly insert: Database.Statement;

  constructor(db: Database.Database) {
    this.insert = db.prepare(`INSERT INTO conflicts (kind, key, detail, event_id, other_id, winner_id) VALUES (?, ?, ?, ?, ?, ?)`);
  }

  record(c: Conflict): void {
    this.insert.run(c.kind, c.key, c.detail, c.eventId, c.otherId, c.winnerId);
  }
}

// The decisions below are pure: they get what the tables hold and return the conflict, if any.

/**
 * A special price changed by `incoming` while the projection holds `current` (DESIGN §3): a
 * conflict when another node made the change without having seen the current one (its
 * `supersedes` names another HLC). `incomingWins` is the most-recent rule's verdict.
 */
export function specialPriceConflict(
  customer: string,
  product: string,
  incoming: Stamp,
  supersedes: string | null,
  current: Stamp,
  incomingWins: boolean,
): Conflict | undefined {
  if (current.origin === incoming.origin || supersedes === current.hlc) return undefined;
  const winner = incomingWins ? incoming : current;
  return {
    kind: "special-price",
    key: `${customer}/${product}`,
    detail: `edited on both ${current.origin} and ${incoming.origin}; the most recent change (${winner.origin}, ${winner.hlc}) wins`,
    eventId: incoming.id,
    otherId: current.id,
    winnerId: winner.id,
  };
}

/**
 * A customer code created by `origin` (event `id`, customer `name`) while the projection holds,
 * for that code, `firstId` (the event that created it from the same origin) and `otherCreator`
 * (another origin that created it). The same origin twice can only be two PCs with one agent
 * code: the first is kept. Two origins: both are kept, and a person renames one.
 */
export function customerCodeConflict(
  code: string,
  name: string,
  origin: string,
  id: string,
  firstId: string | undefined,
  otherCreator: string | undefined,
): Conflict | undefined {
  if (firstId !== undefined) {
    return {
      kind: "customer-code",
      key: code,
      detail: `customer code ${code} was created twice by ${origin} (two PCs with one agent code?); the first is kept, the second (${name}) is only in the log`,
      eventId: id,
      otherId: firstId,
      winnerId: firstId,
    };
  }
  if (otherCreator === undefined) return undefined;
  return {
    kind: "customer-code",
    key: code,
    detail: `customer code ${code} was created by both ${otherCreator} and ${origin}; both are kept, rename one by hand`,
    eventId: id,
    otherId: null,
    winnerId: null,
  };
}

/** An order number `type`/`number` placed by `origin` that `other` (another origin) placed too: both are kept. */
export function orderNumberConflict(
  type: string,
  number: number,
  origin: string,
  id: string,
  other: { id: string; origin: string } | undefined,
): Conflict | undefined {
  if (other === undefined) return undefined;
  return {
    kind: "order-number",
    key: `${type}/${number}`,
    detail: `order ${type}/${number} was placed by both ${other.origin} and ${origin}; both are kept`,
    eventId: id,
    otherId: other.id,
    winnerId: null,
  };
}

/**
 * An order placed by `origin` in an order type that is not that agent's: `owner` is the
 * type's definition here (its agent, null for the sede's), undefined if not defined. Only
 * agents' orders are checked: the sede's own decider refuses a type that is not the sede's.
 */
export function orderTypeConflict(
  type: string,
  number: number,
  origin: string,
  id: string,
  owner: { agent: string | null } | undefined,
): Conflict | undefined {
  if (origin === SEDE || (owner !== undefined && owner.agent === origin)) return undefined;
  const whose = owner ? (owner.agent === null ? "the sede's" : `agent ${owner.agent}'s`) : "not defined here";
  return {
    kind: "order-type",
    key: `${type}/${number}`,
    detail: `agent ${origin} sent an order in type ${type}, which is ${whose}`,
    eventId: id,
    otherId: null,
    winnerId: null,
  };
}
