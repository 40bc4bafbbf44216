import type Database from "better-sqlite3";
import type { EventOf } from "../events/eventTypes.js";
import { SEDE } from "../events/nodeIds.js";
import { AGENT_DIGITS } from "../events/decide.js";
import type { RowOf } from "../wire/snapshotRows.js";

/** The `agents` and `order_types` tables: the sede's agents and the order types orders are numbered in. */
export class AgentsProjection {
  private readonly agent: Database.Statement;
  private readonly orderType: Database.Statement;
  private readonly owner: Database.Statement;

  constructor(db: Database.Database) {
    this.agent = db.prepare(`INSERT INTO agents (code, name, order_type, customer_prefix, customer_digits, event_id) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (code) DO UPDATE SET name = excluded.name, order_type = excluded.order_type,
                customer_prefix = excluded.customer_prefix, customer_digits = excluded.customer_digits, event_id = excluded.event_id`);
    this.orderType = db.prepare(`INSERT INTO order_types (code, description, agent, origin) VALUES (?, ?, ?, ?)
                    ON CONFLICT (code) DO UPDATE SET description = excluded.description, agent = excluded.agent, origin = excluded.origin`);
    this.owner = db.prepare(`SELECT agent FROM order_types WHERE code = ?`);
  }

  agentRegistered(e: EventOf<"AgentRegistered">): void {
    this.agent.run(e.data.code, e.data.name, e.data.orderType, e.data.customerPrefix, e.data.customerDigits ?? AGENT_DIGITS, e.id);
  }

  orderTypeDefined(e: EventOf<"OrderTypeDefined">): void {
    this.orderType.run(e.data.code, e.data.description, e.data.agent, e.origin);
  }

  /** An agent's order type in its snapshot: the sede defined it. */
  orderTypeRow(row: RowOf<"O">): void {
    this.orderType.run(row[1], row[2], row[3], SEDE);
  }

  /** The order type's definition here: its agent (null for the sede's), or undefined if not defined. */
  orderTypeOwner(code: string): { agent: string | null } | undefined {
    return this.owner.get(code) as { agent: string | null } | undefined;
  }
}
