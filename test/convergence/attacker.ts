// The malicious writer of the convergence model. It holds the parking-area password (it reads,
// writes and deletes any file) and two sets of keys: random ones of its own (enrolled nowhere),
// and those of agent AG04, which the sede enrolled like any agent but which has no honest PC:
// every file in SincroAg/AG04 is the attacker's. Everything it does between honest steps must
// leave the honest nodes converging on what the model says; its own events never count.
import type { EventEnvelope } from "../../src/events/envelope.js";
import { ACK_FORMAT, encodeAck, encodeResendRequest, RESEND_FORMAT } from "../../src/wire/ackFile.js";
import { sealBox, type Reader } from "../../src/wire/box.js";
import { generateKeys, type KeyPairs } from "../../src/wire/keys.js";
import { encodeFile } from "../../src/wire/segmentCodec.js";
import { forgedEvent as forge } from "../attacks/attackSupport.js";
import type { World } from "./world.js";

export const ATTACKER = "AG04";

/** Who the forged file claims to be written by, and with which key it is signed. */
export type Signer = "unsigned" | "outsider" | "insider-as-writer" | "insider-as-itself";
export const SIGNERS: readonly Signer[] = ["unsigned", "outsider", "insider-as-writer", "insider-as-itself"];

/** Where a forged segment or snapshot goes in its folder: after the last one, over an existing one, or far ahead. */
export type Slot = "next" | "over" | "far";

/** Domain-invalid events AG04 signs validly in its own stream: quarantined by the sede. */
export const QUARANTINED = ["no-name", "path-code", "future-hlc", "order-as-AG01", "special-of-AG01"] as const;
export type Quarantined = (typeof QUARANTINED)[number];
/** Events AG04 may not send at all: the whole file is refused. */
export const REFUSED = ["origin-SEDE", "origin-AG01", "agent-registered"] as const;
export type Refused = (typeof REFUSED)[number];

const HLC_BASE = Date.UTC(2026, 2, 2, 9);

export function segmentBytes(stream: string, number: number, first: number, prev: string, producer: string, events: readonly EventEnvelope[]): { bytes: Buffer; sha256: string } {
  return encodeFile(
    { format: "sincro-segment/1", stream, segment: number, first, last: first + events.length - 1, producer, created: "2026-03-02T09:00:00.000Z", prev, count: events.length },
    events,
  );
}

export class Attacker {
  /** Keys of someone who has only the password. */
  readonly outsider: KeyPairs = generateKeys();
  /** AG04's enrolled keys (set when the sede enrolls it). */
  insider: KeyPairs | undefined;
  /** AG04's own stream as it wrote it: last segment accepted in order, its offset and hash; its chain's head. */
  private own = { segment: 0, offset: 0, sha256: "", seq: 0, hash: "" };
  /** Files written (bytes) or deleted (null), by path: what a reader may legitimately complain about. */
  readonly planted = new Map<string, Buffer | null>();

  constructor(private readonly world: World) {}

  private readers(path: string): Reader[] {
    const sede = this.world.node("SEDE");
    const [, folder] = path.split("/");
    const me = { node: "SEDE", boxPublic: sede.keyring.own()!.boxPublic };
    if (path.startsWith("SincroSede/_ALL/")) return [me, ...sede.keyring.active().map((k) => ({ node: k.node, boxPublic: k.boxPublic }))];
    const k = sede.keyring.current(folder as string);
    return k ? [me, { node: folder as string, boxPublic: k.boxPublic }] : [me];
  }

  /** Seals `inner` for `path` as `signer` would: unsigned, with random keys, or with AG04's real key under the folder writer's name or its own. */
  seal(path: string, inner: Buffer, signer: Signer): Buffer {
    const [root, folder] = path.split("/");
    const writer = root === "SincroSede" ? "SEDE" : (folder as string);
    if (signer === "unsigned") return inner;
    if (signer === "outsider") return sealBox(path, inner, writer, this.outsider, this.readers(path));
    const keys = this.insider as KeyPairs;
    return sealBox(path, inner, signer === "insider-as-writer" ? writer : ATTACKER, keys, this.readers(path));
  }

  plant(path: string, bytes: Buffer): void {
    this.world.writeServer(path, bytes);
    this.planted.set(path, bytes);
  }

  remove(path: string): void {
    this.world.deleteServer(path);
    this.planted.set(path, null);
  }

  /** The planted paths that still hold what the attacker left there (a file replaced by an honest writer, or re-uploaded after a deletion, is no longer its). */
  stillPlanted(): Set<string> {
    for (const [path, bytes] of this.planted) {
      const present = this.world.existsServer(path);
      if (bytes === null ? present : !present || !this.world.readServer(path).equals(bytes)) this.planted.delete(path);
    }
    return new Set(this.planted.keys());
  }

  /** Whether `bytes` at `path` are the attacker's (so the archive of honest files skips them). */
  wrote(path: string, bytes: Buffer): boolean {
    return this.planted.get(path)?.equals(bytes) === true;
  }

  /** A segment of AG04's own stream, validly signed, holding one event the sede must quarantine; its chain goes on. */
  ownQuarantined(kind: Quarantined): string {
    const seq = this.own.seq + 1;
    const hlc = kind === "future-hlc" ? `9999999999999-00000-${ATTACKER}` : `${HLC_BASE + seq}-00000-${ATTACKER}`;
    const customer = { code: `${ATTACKER}00000${seq % 10}`, name: "Fantasma", agent: ATTACKER, list: null, vatNumber: null, city: null };
    const [type, data]: [string, unknown] =
      kind === "no-name"
        ? ["CustomerCreated", { ...customer, name: undefined }]
        : kind === "path-code"
          ? ["CustomerCreated", { ...customer, code: "x/../y z" }]
          : kind === "future-hlc"
            ? ["CustomerCreated", customer]
            : kind === "order-as-AG01"
              ? ["OrderPlaced", { type: "AG01", number: 900 + seq, year: 2026, date: "2026-03-02", customer: "000001", agent: "AG01", lines: [{ product: "P1", qty: "100", price: "0.01", discounts: [] }] }]
              : ["SpecialPriceSet", { customer: "000001", product: "P1", price: "0.01", discounts: [], supersedes: null }];
    const event = forge({ origin: ATTACKER, seq, prev: this.own.hash, hlc, type, data });
    const path = this.writeOwn([event]);
    this.own = { ...this.own, seq, hash: event.hash };
    return path;
  }

  /** A segment of AG04's own stream, validly signed, with an event AG04 may not send: refused whole; the next own segment takes its place. */
  ownRefused(kind: Refused): string {
    const sede = this.world.node("SEDE");
    const head = (origin: string) => sede.log.head(origin);
    const event =
      kind === "agent-registered"
        ? forge({ origin: ATTACKER, seq: this.own.seq + 1, prev: this.own.hash, hlc: `${HLC_BASE}-00000-${ATTACKER}`, type: "AgentRegistered", data: { code: "AG09", name: "Finto", orderType: "AG09", customerPrefix: "AG09" } })
        : kind === "origin-SEDE"
          ? forge({ origin: "SEDE", seq: (head("SEDE")?.seq ?? 0) + 1, prev: head("SEDE")?.hash ?? "", hlc: `${HLC_BASE}-00000-SEDE`, type: "GenericPriceSet", data: { list: "BASE", product: "P1", price: "0.01" } })
          : forge({
              origin: "AG01",
              seq: (head("AG01")?.seq ?? 0) + 1,
              prev: head("AG01")?.hash ?? "",
              hlc: `${HLC_BASE}-00000-AG01`,
              type: "OrderPlaced",
              data: { type: "AG01", number: 901, year: 2026, date: "2026-03-02", customer: "000001", agent: "AG01", lines: [{ product: "P1", qty: "100", price: "0.01", discounts: [] }] },
            });
    // Not accepted, so the attacker's idea of its stream does not move: its next segment goes under the same name.
    const { segment, offset, sha256 } = this.own;
    const path = `SincroAg/${ATTACKER}/${String(segment + 1).padStart(10, "0")}.seg`;
    const { bytes } = segmentBytes(`${ATTACKER}>SEDE`, segment + 1, offset + 1, sha256, ATTACKER, [event]);
    this.plant(path, sealBox(path, bytes, ATTACKER, this.insider as KeyPairs, this.readers(path)));
    return path;
  }

  private writeOwn(events: EventEnvelope[]): string {
    const number = this.own.segment + 1;
    const path = `SincroAg/${ATTACKER}/${String(number).padStart(10, "0")}.seg`;
    const { bytes, sha256 } = segmentBytes(`${ATTACKER}>SEDE`, number, this.own.offset + 1, this.own.sha256, ATTACKER, events);
    this.plant(path, sealBox(path, bytes, ATTACKER, this.insider as KeyPairs, this.readers(path)));
    this.own = { ...this.own, segment: number, offset: this.own.offset + events.length, sha256 };
    return path;
  }

  /** An ack claiming segment 999 was read. */
  static ack(stream: string, reader: string): Buffer {
    return encodeAck({ format: ACK_FORMAT, stream, reader, segment: 999, offset: 999, sha256: "0".repeat(64), at: "2026-03-02T10:00:00.000Z", lastSeq: 999 });
  }

  /** A request that the producer of `stream` upload `file` again. */
  static resend(stream: string, reader: string, file: string): Buffer {
    return encodeResendRequest({ format: RESEND_FORMAT, stream, reader, file, reason: "forged", at: "2026-03-02T10:00:00.000Z" });
  }
}
