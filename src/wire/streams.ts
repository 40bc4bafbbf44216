/**
 * Streams and where they live in the parking area (DESIGN §4.1–4.2). Stream names such as
 * `SEDE>AG01` are logical; the folder says which stream a file belongs to.
 */
import { SEDE } from "../events/nodeIds.js";

export { SEDE };
export const CATALOGUE = "SEDE>*";
export const AG_ROOT = "SincroAg";
export const SEDE_ROOT = "SincroSede";
export const ALL_FOLDER = "_ALL";

export type StreamName = string;

export const agentToSede = (agent: string): StreamName => `${agent}>${SEDE}`;
export const sedeToAgent = (agent: string): StreamName => `${SEDE}>${agent}`;

/** The producer of a stream: the node before `>`. */
export function producerOf(stream: StreamName): string {
  return stream.slice(0, stream.indexOf(">"));
}

/** The nodes that read `stream`: every agent for the catalogue, otherwise the one after ">". */
export function readersOf(stream: StreamName, agents: readonly string[]): string[] {
  return stream === CATALOGUE ? [...agents] : [stream.slice(stream.indexOf(">") + 1)];
}

/** The folder a stream's segments and snapshots are written to. */
export function streamFolder(stream: StreamName): string {
  if (stream === CATALOGUE) return `${SEDE_ROOT}/${ALL_FOLDER}`;
  const [from, to] = stream.split(">") as [string, string];
  return from === SEDE ? `${SEDE_ROOT}/${to}` : `${AG_ROOT}/${from}`;
}

/** The folder a node writes into (its segments and its acks). */
export function outboundFolder(node: string, readerAgent?: string): string {
  return node === SEDE ? `${SEDE_ROOT}/${readerAgent ?? ALL_FOLDER}` : `${AG_ROOT}/${node}`;
}

/**
 * Where the reader of `stream` writes its ack: in the reader's own folder, named after the folder
 * it read (`_ALL.ack`, `AG01.ack`).
 */
export function ackPath(stream: StreamName, reader: string): string {
  const read = streamFolder(stream).split("/")[1] as string;
  const own = reader === SEDE ? `${SEDE_ROOT}/${read}` : `${AG_ROOT}/${reader}`;
  return `${own}/${read}.ack`;
}

/**
 * Where the reader of `stream` asks the producer to upload a file again (it failed
 * verification); beside its ack, present only while the stream is blocked.
 */
export function resendPath(stream: StreamName, reader: string): string {
  return ackPath(stream, reader).replace(/\.ack$/, ".resend");
}

/** The streams a node reads. */
export function inboundStreams(node: string, agents: readonly string[]): StreamName[] {
  return node === SEDE ? agents.map(agentToSede) : [CATALOGUE, sedeToAgent(node)];
}

export const SEGMENT_SUFFIX = ".seg";
export const SNAPSHOT_SUFFIX = ".snap";
export const ACK_SUFFIX = ".ack";

/** `0000000042.seg`: 10 digits, so names sort by number. */
export function segmentName(n: number): string {
  return `${String(n).padStart(10, "0")}${SEGMENT_SUFFIX}`;
}

export function snapshotName(n: number): string {
  return `${String(n).padStart(10, "0")}${SNAPSHOT_SUFFIX}`;
}

/** Parses a segment or snapshot name; undefined for any other file. */
export function parseFileName(name: string): { kind: "segment" | "snapshot"; number: number } | undefined {
  const m = /^(\d{10})\.(seg|snap)$/.exec(name);
  if (!m) return undefined;
  return { kind: m[2] === "seg" ? "segment" : "snapshot", number: Number(m[1]) };
}
