import { createHash } from "node:crypto";

/**
 * The event envelope of DESIGN §2, stored locally and shipped as is. `data` is the payload
 * serialised with superjson, kept as the exact string that was hashed.
 */
export interface EventEnvelope {
  id: string;
  origin: string;
  seq: number;
  hlc: string;
  at: string;
  type: string;
  v: number;
  data: string;
  prev: string;
  hash: string;
}

export type UnhashedEnvelope = Omit<EventEnvelope, "hash">;

/** First line of the canonical encoding: changes only with a new envelope format. */
export const CANONICAL_PREFIX = "sincro-event/1\n";

/**
 * The canonical encoding hashed into `hash` (documented in docs/FORMATS.md): the UTF-8 bytes of
 * `sincro-event/1\n` followed by `JSON.stringify([id, origin, seq, hlc, at, type, v, data, prev])`
 * — an array, so no key order is involved; strings and integers only.
 */
export function canonicalEncoding(e: UnhashedEnvelope): string {
  return CANONICAL_PREFIX + JSON.stringify([e.id, e.origin, e.seq, e.hlc, e.at, e.type, e.v, e.data, e.prev]);
}

/** Lower-case hex SHA-256 of the canonical encoding. */
export function hashEnvelope(e: UnhashedEnvelope): string {
  return createHash("sha256").update(canonicalEncoding(e), "utf8").digest("hex");
}

/** The envelope with its hash; exactly the envelope's fields, whatever else `e` carries. */
export function sealEnvelope(e: UnhashedEnvelope): EventEnvelope {
  return { id: e.id, origin: e.origin, seq: e.seq, hlc: e.hlc, at: e.at, type: e.type, v: e.v, data: e.data, prev: e.prev, hash: hashEnvelope(e) };
}
