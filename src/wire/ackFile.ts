import type { StreamName } from "./streams.js";

export const ACK_FORMAT = "sincro-ack/1";
export const RESEND_FORMAT = "sincro-resend/1";

/** The ack file a reader writes after applying (DESIGN §4.5; docs/FORMATS.md). */
export interface AckFile {
  format: typeof ACK_FORMAT;
  stream: StreamName;
  reader: string;
  segment: number;
  offset: number;
  sha256: string;
  at: string;
  /** Sede acks of an agent's stream: the last seq (and its hash) received from that agent. */
  lastSeq?: number;
  lastHash?: string;
  /** Sede acks of an agent's stream: the highest order number received per order type. */
  orders?: Record<string, number>;
  /** Sede acks of an agent's stream: the highest customer code that agent created. */
  lastCustomer?: string;
}

/** A reader's request that the producer upload a file of `stream` again (it failed verification). */
export interface ResendRequest {
  format: typeof RESEND_FORMAT;
  stream: StreamName;
  reader: string;
  file: string;
  reason: string;
  at: string;
}

/** One JSON line, as every small file of the parking area. */
function encodeLine(value: object): Buffer {
  return Buffer.from(`${JSON.stringify(value)}\n`, "utf8");
}

export const encodeAck = (ack: AckFile): Buffer => encodeLine(ack);
export const encodeResendRequest = (request: ResendRequest): Buffer => encodeLine(request);

/** The ack in `bytes` if it is one for `stream` (a JSON object naming it, with a numeric segment); otherwise undefined. */
export function parseAck(bytes: Buffer, stream: StreamName): AckFile | undefined {
  try {
    const ack = JSON.parse(bytes.toString("utf8")) as Partial<AckFile>;
    if (ack.stream === stream && typeof ack.segment === "number") return ack as AckFile;
  } catch {
    // not JSON: the caller reports it
  }
  return undefined;
}

/** The file name a resend request for `stream` asks for, or "" if it is not a valid request for that stream. */
export function requestedFile(bytes: Buffer, stream: StreamName): string {
  try {
    const request = JSON.parse(bytes.toString("utf8")) as { stream?: string; file?: string };
    if (request.stream === stream && typeof request.file === "string") return request.file;
  } catch {
    // not JSON
  }
  return "";
}
