import { createHash } from "node:crypto";
import { NODE_ID } from "./nodeIds.js";

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

/** The envelope's fields and their JSON types, in canonical order. */
export const ENVELOPE_FIELDS: ReadonlyArray<[keyof EventEnvelope, "string" | "number"]> = [
  ["id", "string"],
  ["origin", "string"],
  ["seq", "number"],
  ["hlc", "string"],
  ["at", "string"],
  ["type", "string"],
  ["v", "number"],
  ["data", "string"],
  ["prev", "string"],
  ["hash", "string"],
];

/**
 * Why an untrusted value is not shaped like an envelope (fields and types, seq, origin), or
 * undefined; its chain and hash are not looked at (an auditor reports those separately).
 */
export function envelopeShapeProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const rec = value as Record<string, unknown>;
  for (const [field, kind] of ENVELOPE_FIELDS) {
    if (typeof rec[field] !== kind) return `field "${field}" is missing or not a ${kind}`;
  }
  const e = value as EventEnvelope;
  if (!Number.isSafeInteger(e.seq) || e.seq < 1) return `field "seq" must be a positive integer (got ${e.seq})`;
  if (!NODE_ID.test(e.origin)) return `field "origin" is not a node id (got "${e.origin}")`;
  return undefined;
}

/**
 * Checks that an untrusted value has the envelope's shape and that its hash matches its
 * content. Returns a reason when it does not (the caller names the file or line).
 */
export function envelopeProblem(value: unknown): string | undefined {
  const shape = envelopeShapeProblem(value);
  if (shape) return shape;
  const e = value as EventEnvelope;
  if (e.seq === 1 ? e.prev !== "" : !/^[0-9a-f]{64}$/.test(e.prev)) return `field "prev" is not the previous hash (seq ${e.seq})`;
  if (hashEnvelope(e) !== e.hash) return `hash does not match the content (origin ${e.origin}, seq ${e.seq}): altered or corrupt`;
  return undefined;
}
