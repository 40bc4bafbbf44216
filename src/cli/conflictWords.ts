import { decodePayload } from "../events/eventTypes.js";
import { SEDE } from "../events/nodeIds.js";
import type { SincroNode } from "../node/sincroNode.js";
import type { ConflictListing } from "../projections/readModel.js";
import type { Translator } from "../i18n/translator.js";

interface Side {
  origin: string;
  at: string;
  type: string;
  data: Record<string, unknown>;
}

function side(node: SincroNode, id: string | null): Side | undefined {
  if (id === null) return undefined;
  const row = node.db.prepare(`SELECT origin, at, type, data FROM events WHERE id = ?`).get(id) as { origin: string; at: string; type: string; data: string } | undefined;
  return row && { origin: row.origin, at: row.at, type: row.type, data: decodePayload(row.data) as Record<string, unknown> };
}

/** What one side did to a special price: changed it (to what) or removed it, when and who. */
function didLine(t: Translator, s: Side): string {
  const when = { date: t.dateOf(s.at), time: t.time(s.at) };
  const removed = s.type === "SpecialPriceRemoved";
  const price = t.money(String(s.data.price ?? "0"));
  if (s.origin === SEDE) return removed ? t.t("conflict.sede.removed", when) : t.t("conflict.sede.set", { ...when, price });
  return removed ? t.t("conflict.agent.removed", { ...when, agent: s.origin }) : t.t("conflict.agent.set", { ...when, agent: s.origin, price });
}

/**
 * A conflict in a person's words, one or more lines: for a special price, what each side did
 * (changed to 7,50 € / removed), when (local time), who, and which change is kept.
 */
export function conflictLines(t: Translator, node: SincroNode, c: ConflictListing): string[] {
  const incoming = side(node, c.eventId);
  switch (c.kind) {
    case "special-price": {
      const [customer, product] = c.key.split("/") as [string, string];
      const other = side(node, c.otherId);
      const sides = [other, incoming].filter((s): s is Side => s !== undefined).sort((a, b) => a.at.localeCompare(b.at));
      const winner = c.winnerId === c.eventId ? incoming : other;
      const lines = [t.t("conflict.specialPrice", { product, customer }), ...sides.map((s) => didLine(t, s))];
      if (winner) lines.push(winner.origin === SEDE ? t.t("conflict.sede.kept") : t.t("conflict.agent.kept", { agent: winner.origin }));
      return lines;
    }
    case "customer-code": {
      if (c.winnerId !== null) {
        return [t.t("conflict.customerTwice", { code: c.key, who: incoming?.origin ?? "?", name: String(incoming?.data.name ?? "") })];
      }
      const both = /created by both (\S+) and (\S+);/.exec(c.detail);
      return [t.t("conflict.customerBoth", { code: c.key, first: both?.[1] ?? "?", second: both?.[2] ?? incoming?.origin ?? "?" })];
    }
    case "order-number":
      return [t.t("conflict.orderNumber", { order: c.key, first: side(node, c.otherId)?.origin ?? "?", second: incoming?.origin ?? "?" })];
    case "order-type":
      return [t.t("conflict.orderType", { agent: incoming?.origin ?? "?", order: c.key, type: c.key.split("/")[0] ?? "" })];
    default:
      return [`${c.kind} ${c.key}: ${c.detail}`];
  }
}
