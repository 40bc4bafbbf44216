import { IntegrityError } from "../errors.js";
import type { EventEnvelope } from "./envelope.js";
import { SCHEMA_VERSION, decodePayload, isEventType, type DecodedEvent } from "./eventTypes.js";

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
