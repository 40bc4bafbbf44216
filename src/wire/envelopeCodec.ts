import { IntegrityError } from "../errors.js";
import { hashEnvelope, type EventEnvelope } from "../events/envelope.js";
import { NODE_ID } from "../events/nodeIds.js";
import { SCHEMA_VERSION, isEventType } from "../events/eventSpecs.js";
import { decodePayload, type DecodedEvent } from "../events/eventTypes.js";

/** Decodes the payload of a stored or received envelope into a typed event for the projections. */
export function decodeEnvelope(e: EventEnvelope): DecodedEvent {
  if (!isEventType(e.type)) {
    throw new IntegrityError(`decode event ${e.origin}#${e.seq}: unknown event type "${e.type}" (is this sincro older than the sender?)`, {
      code: "UNKNOWN_EVENT",
    });
  }
  if (e.v > SCHEMA_VERSION[e.type]) {
    throw new IntegrityError(
      `decode event ${e.origin}#${e.seq}: ${e.type} version ${e.v} is newer than this sincro understands (${SCHEMA_VERSION[e.type]}); upgrade sincro`,
      { code: "UNKNOWN_EVENT" },
    );
  }
  let data: unknown;
  try {
    data = decodePayload(e.data);
  } catch (cause) {
    throw new IntegrityError(`decode event ${e.origin}#${e.seq}: payload is not valid superjson`, { cause, code: "BAD_PAYLOAD" });
  }
  if (typeof data !== "object" || data === null) {
    throw new IntegrityError(`decode event ${e.origin}#${e.seq}: payload is not an object`, { code: "BAD_PAYLOAD" });
  }
  return { id: e.id, origin: e.origin, seq: e.seq, hlc: e.hlc, at: e.at, type: e.type, data } as DecodedEvent;
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
