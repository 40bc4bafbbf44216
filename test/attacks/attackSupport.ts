import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ulid } from "ulid";
import { expect } from "vitest";
import { sealEnvelope, type EventEnvelope } from "../../src/events/envelope.js";
import { encodePayload } from "../../src/events/eventTypes.js";
import type { SincroNode } from "../../src/node/sincroNode.js";
import { sealBox, type Reader } from "../../src/wire/box.js";
import { generateKeys, type KeyPairs } from "../../src/wire/keys.js";
import { encodeFile } from "../../src/wire/segmentCodec.js";
import { Inbox, type Cursor } from "../../src/ship/inbox.js";
import { exec, folderArea, Network, type ParkingArea } from "../support/network.js";
import { BELL_FOLDER, bellName } from "../../src/ship/doorbell.js";
import { randomBytes } from "node:crypto";

/**
 * The attack suite's office: a sede with agents AG01 and AG02 (both enrolled), products P001 and
 * P002 on list BASE, customer 000001 of AG01 and 000002 of AG02 created at the sede, and one
 * customer each agent created (AG01000001, AG02000001), after full rounds: every stream has
 * carried something and every reader's cursor is past it.
 */
export async function office(dir: string, area: ParkingArea = folderArea(join(dir, "park"))): Promise<Network> {
  const net = new Network(dir, area, ["AG01", "AG02"]);
  exec(
    net.sede,
    { kind: "RegisterAgent", code: "AG01", name: "Mario Rossi" },
    { kind: "RegisterAgent", code: "AG02", name: "Luca Bianchi" },
    { kind: "AddProduct", code: "P001", description: "Olio 1 l", vat: "4" },
    { kind: "AddProduct", code: "P002", description: "Pasta 500 g", vat: "4" },
    { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
    { kind: "SetGenericPrice", list: "BASE", product: "P002", price: "1.20" },
    { kind: "AddCustomer", name: "Bar Centrale", agent: "AG01", list: "BASE", vatNumber: "IT01234567890", city: "Torino" },
    { kind: "AddCustomer", name: "Bar Due", agent: "AG02", list: "BASE" },
  );
  await net.round();
  exec(net.agent("AG01"), { kind: "AddCustomer", name: "Pizzeria Napoli", list: "BASE", vatNumber: "IT09876543210", city: "Asti" });
  exec(net.agent("AG02"), { kind: "AddCustomer", name: "Trattoria Lupo", list: "BASE" });
  await net.round();
  await net.round();
  return net;
}

/** Keys of someone holding only the parking-area password: enrolled nowhere. */
export const attackerKeys: KeyPairs = generateKeys();

/** What a node holds, to compare before and after an attack: its projections' digests and its log's length. */
export function holdings(node: SincroNode): { digests: unknown; events: number } {
  return { digests: node.digests(), events: node.log.count() };
}

/** Writes `inner` at `path` of the parking area, sealed as `signer` with `keys`, encrypted for `readers` (none: signed only). */
export function park(net: Network, path: string, inner: Buffer, signer: string, keys: KeyPairs, readers: readonly Reader[] = []): void {
  writeFileSync(join(net.area.root, path), sealBox(path, inner, signer, keys, readers));
  ringFor(net, path);
}

/**
 * The attacker also rings the doorbell of the agent whose folder it wrote into (a bell is only a
 * hint anyone can forge), so the sede's next sync reads that folder at once instead of at its
 * next full listing.
 */
export function ringFor(net: Network, path: string): void {
  const [root, agent] = path.split("/");
  if (root !== "SincroAg" || agent === undefined) return;
  mkdirSync(join(net.area.root, BELL_FOLDER), { recursive: true });
  writeFileSync(join(net.area.root, BELL_FOLDER, bellName(agent, 999_000 + Math.floor(Math.random() * 999), randomBytes(4).toString("hex"))), "forged ring");
}

/** The readers an honest writer would encrypt `path`'s folder for (the sede's view), so a forgery is as readable as a real file. */
export function readersAtSede(net: Network, folderWriter: "catalogue" | string): Reader[] {
  const sede = { node: "SEDE", boxPublic: net.sede.keyring.own()!.boxPublic };
  const agent = (code: string): Reader => ({ node: code, boxPublic: net.sede.keyring.current(code)!.boxPublic });
  if (folderWriter === "catalogue") return [sede, agent("AG01"), agent("AG02")];
  return [sede, agent(folderWriter)];
}

/** The lines of a parked file (header, rows, trailer) as `reader` opens it. */
export function parkedLines(net: Network, reader: SincroNode, path: string): string[] {
  return gunzipSync(net.opened(reader, path)).toString("utf8").split("\n").slice(0, -1);
}

/** The header and events of a parked segment, as `reader` opens it. */
export function parkedSegment(net: Network, reader: SincroNode, path: string): { header: Record<string, unknown>; events: EventEnvelope[]; sha256: string } {
  const lines = parkedLines(net, reader, path);
  const trailer = JSON.parse(lines.at(-1) as string) as { sha256: string };
  return {
    header: JSON.parse(lines[0] as string) as Record<string, unknown>,
    events: lines.slice(1, -1).map((l) => JSON.parse(l) as EventEnvelope),
    sha256: trailer.sha256,
  };
}

/** Names of the segments (or snapshots) in a folder of the parking area, in order. */
export function parkedNames(net: Network, folder: string, suffix = ".seg"): string[] {
  return readdirSync(join(net.area.root, folder))
    .filter((n) => n.endsWith(suffix))
    .sort();
}

export const segName = (n: number): string => `${String(n).padStart(10, "0")}.seg`;

/**
 * An event with every hash right (docs/FORMATS.md): what anyone can compute. `data` is the
 * payload object, serialised as sincro does.
 */
export function forgedEvent(fields: { origin: string; seq: number; prev: string; hlc: string; type: string; data: unknown; id?: string; v?: number }): EventEnvelope {
  const wall = Number(fields.hlc.slice(0, 13));
  return sealEnvelope({
    id: fields.id ?? ulid(),
    origin: fields.origin,
    seq: fields.seq,
    hlc: fields.hlc,
    at: new Date(Number.isFinite(wall) && wall < 8.64e15 ? wall : 0).toISOString(),
    type: fields.type,
    v: fields.v ?? 1,
    data: encodePayload(fields.data),
    prev: fields.prev,
  });
}

/** A segment file (gzip, trailer hash recomputed) of `stream`, numbered `segment`, following `prev`, starting at offset `first`. */
export function forgedSegment(stream: string, segment: number, first: number, prev: string, producer: string, events: readonly EventEnvelope[]): Buffer {
  return encodeFile(
    { format: "sincro-segment/1", stream, segment, first, last: first + events.length - 1, producer, created: "2026-03-02T09:00:00.000Z", prev, count: events.length },
    events,
  ).bytes;
}

/**
 * The other streams still work: AG01 places an order that reaches the sede (AG01>SEDE), the sede
 * sets a special price for AG01's customer that reaches AG01 (SEDE>AG01), and AG02 sends an
 * order the sede receives (AG02>SEDE). Returns the sede's sync report of the last round.
 */
export async function otherStreamsStillSync(net: Network, skip: { ag02?: boolean } = {}): Promise<void> {
  const ag01 = net.agent("AG01");
  const before = net.sede.read.listOrders().length;
  exec(ag01, { kind: "PlaceOrder", customer: "000001", lines: [{ product: "P002", qty: "3" }] });
  exec(net.sede, { kind: "SetSpecialPrice", customer: "000001", product: "P002", price: "1.05" });
  await net.sync(ag01);
  if (!skip.ag02) {
    exec(net.agent("AG02"), { kind: "PlaceOrder", customer: "000002", lines: [{ product: "P002", qty: "7" }] });
    await net.sync(net.agent("AG02"));
  }
  await net.sync(net.sede);
  await net.sync(ag01);
  const orders = net.sede.read.listOrders();
  expect(orders.length).toBe(before + (skip.ag02 ? 1 : 2));
  expect(orders.filter((o) => o.origin === "AG01").at(-1)?.lines).toEqual([{ product: "P002", qty: "3", price: "1.20", discounts: [] }]);
  if (!skip.ag02) expect(orders.filter((o) => o.origin === "AG02").at(-1)?.lines).toEqual([{ product: "P002", qty: "7", price: "1.20", discounts: [] }]);
  expect(ag01.read.listSpecialPrices("000001").map((s) => `${s.product}=${s.price}`)).toEqual(["P002=1.05"]);
}

/** The parked file's raw bytes. */
export const rawParked = (net: Network, path: string): Buffer => readFileSync(join(net.area.root, path));

/** Where `reader` stands in `stream`: last segment applied, its offset and hash. */
export function cursorOf(reader: SincroNode, stream: string): Cursor {
  const c = new Inbox(reader).cursor(stream);
  if (!c) throw new Error(`${reader.id} has no cursor for ${stream}`);
  return c;
}
