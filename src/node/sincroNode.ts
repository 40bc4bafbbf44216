import { randomBytes, randomFillSync } from "node:crypto";
import { chmodSync, closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import { incrementBase32, monotonicFactory } from "ulid";
import { DB_SCHEMA_VERSION, DEPARTURES_DDL, LOG_DDL, PROJECTION_DDL, RENAMES_DDL, receivedIdIndex } from "../db/schema.js";
import { IntegrityError, RefusedError, SincroError, say } from "../errors.js";
import type { Command } from "../events/commands.js";
import { decide, type Decision } from "../events/decide.js";
import { NODE_ID, SEDE } from "../events/nodeIds.js";
import { decodeEnvelope, envelopeProblem } from "../wire/envelopeCodec.js";
import type { DecideContext } from "../events/domainState.js";
import { sealEnvelope, type EventEnvelope } from "../events/envelope.js";
import { EventLog, lostWithRestore } from "../events/eventLog.js";
import { ChainVerifier } from "../events/verifyChain.js";
import { SCHEMA_VERSION, type Role } from "../events/eventSpecs.js";
import { decodePayload, encodePayload, type DecodedEvent, type DraftEvent } from "../events/eventTypes.js";
import { HLC_ZERO, formatHlc, merge, parseHlc, tick, type Hlc } from "../events/hlc.js";
import { digestProjections, type TableDigest } from "../projections/digest.js";
import { Projector } from "../projections/projector.js";
import { RECORD_RENAME } from "../projections/customers.js";
import { ReadModel } from "../projections/readModel.js";
import { rebuildProjections } from "../projections/rebuild.js";
import { Outbox } from "./outbox.js";
import { decodeSnapshot, type SnapshotRow } from "../wire/segmentCodec.js";
import { SHIP_DDL } from "../db/shipSchema.js";
import { agentToSede } from "../wire/streams.js";
import { checkConfig } from "./config.js";
import { WalFlusher } from "./walFlusher.js";
import { payloadProblem } from "../events/payloadCheck.js";
import { Keyring } from "./keyring.js";
import { ENROLLMENT_FORMAT, type Enrollment } from "./enrollment.js";
import { generateKeys, publicKeys, type KeyPairs } from "../wire/keys.js";
import { CLOCK_STATE_KEY, correctionOf, parseClockOffset, type ClockOffset } from "./clockOffset.js";

export { SEDE };
export type { Role };

/** The end of this node's own chain and its clock: what the next local event follows. */
interface LocalTip {
  seq: number;
  hash: string;
  /** The last own event's id ("" before the first): the next one must sort after it. */
  id: string;
  clock: Hlc;
}

/** Injected time and ids, so tests and property runs control them. */
export interface NodeEnv {
  /**
   * This PC's clock, milliseconds since the epoch; defaults to `Date.now`. The node's time is
   * this plus the correction the last sync measured against the parking server (see
   * {@link SincroNode.setClockOffset}).
   */
  now?: () => number;
  /** ULID source; defaults to one monotonic factory per process. */
  ulid?: (now: number) => string;
  /**
   * After this many transactions of its own, a node on a file flushes its WAL from a worker
   * thread (see {@link WalFlusher}); 0 never. Default 256: a CLI command never gets there, a
   * process that keeps recording does.
   */
  walFlushAfter?: number;
}

export interface InitOptions extends NodeEnv {
  role: Role;
  /** The agent code (agents only). */
  agent?: string;
  /** Customer code series: `prefix` + `digits` digits. Defaults: sede "" + 6, agent its code + 6. */
  customerPrefix?: string;
  customerDigits?: number;
  /** The order type this node numbers its orders in. Defaults: sede `SEDE`, agent its code. */
  orderType?: string;
  /**
   * An agent PC's enrollment from the sede (its code, numbering, parking area and keys): the
   * agent's settings come from it, and the options above must not contradict it.
   */
  enrollment?: Enrollment;
  /** The sede's keys restored from a backup (a replaced office PC); new keys otherwise. */
  keys?: KeyPairs;
}

/**
 * Where a reinstalled agent PC continues the numbering of the PC it replaces (what the sede
 * acknowledged, and that PC's segments still on the server): see README, "A reinstalled agent PC".
 */
export interface NumberingBase {
  /** The last seq of this agent code the sede holds or will receive, and its hash. */
  seq: number;
  hash: string;
  /** The last segment of the agent's stream, its last offset and its hash. */
  segment: number;
  offset: number;
  sha256: string;
  /** The highest order number used per order type. */
  orders: Record<string, number>;
  /** The highest customer number used in this PC's series (0 if none). */
  customer: number;
}

export interface ExecuteResult {
  decision: Decision;
  events: EventEnvelope[];
}

export interface ReceiveResult {
  applied: number;
  duplicates: number;
  /** Events whose HLC was more than the skew threshold ahead of the local clock. */
  skewed: Array<{ origin: string; seq: number; aheadMs: number }>;
  /** Events kept in the log but quarantined: the domain refuses them (DESIGN §7). */
  quarantined: Array<{ origin: string; seq: number; type: string; reason: string }>;
}

/**
 * How far ahead of the receiver's clock a received event's HLC may be before it is quarantined
 * instead of applied: a poisoned clock reading must not become every later event's floor.
 */
export const HLC_HORIZON_MS = 7 * 86_400_000;

/**
 * ulid's default random source asks the OS once per character (16 calls per new millisecond);
 * drawing from a refilled buffer of OS randomness gives the same quality at a fraction of the cost.
 */
/** Set in a sede's backup copy by `backupTo`; cleared by the first sync that checked the office's head. */
export const RESTORE_CHECK_KEY = "restore.check";
/** The files of its own folder an agent PC waits on (see `heldOn`). */
const HELD_KEY = "hold.files";

const randomPool = Buffer.alloc(4096);
let randomAt = randomPool.length;
const pooledRandom = (): number => {
  if (randomAt === randomPool.length) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  return (randomPool[randomAt++] as number) / 256;
};
const processUlid = monotonicFactory(pooledRandom);
const SQLITE_MAGIC = "SQLite format 3\0";

/**
 * One node (sede or agent) over its SQLite file: executes commands (decide → append →
 * project, one synchronous transaction), receives events from other nodes, rebuilds.
 */
/** A numbering setting on which an agent's PC and its enrollment file differ (see `adoptEnrollment`). */
export interface NumberingChange {
  what: "orderType" | "customerCodes";
  here: string;
  office: string;
}

export class SincroNode {
  readonly db: Database.Database;
  readonly log: EventLog;
  readonly read: ReadModel;
  readonly id: string;
  readonly role: Role;
  private readonly projector: Projector;
  readonly outbox: Outbox;
  /** This node's keys and the keys it trusts for the others (DESIGN §7). */
  readonly keyring: Keyring;
  private readonly now: () => number;
  /** This PC's own clock, uncorrected (the injected one in tests): what a sync measures against the server's. */
  private readonly pcClock: () => number;
  /** Added to this PC's clock: what the last sync measured against the parking server's, 0 within the tolerance. */
  private correction = 0;
  private readonly ulid: (now: number) => string;
  private readonly configGet: Database.Statement;
  /** Identity and numbering settings, fixed at init. */
  private readonly settings: Omit<DecideContext, "today">;
  /** One transaction wrapper for the node's life: better-sqlite3 builds a new one per `db.transaction()` call, at a cost comparable to a small command. */
  private readonly transaction: Database.Transaction<(fn: () => unknown) => unknown>;
  private readonly walFlushAfter: number;
  private commits = 0;
  private contextOfDay: { day: number; context: DecideContext } | undefined;
  private flusher: WalFlusher | undefined;

  private constructor(db: Database.Database, env: NodeEnv) {
    this.db = db;
    this.transaction = db.transaction((fn: () => unknown) => fn());
    this.walFlushAfter = db.memory ? 0 : (env.walFlushAfter ?? 256);
    const pcClock = env.now ?? Date.now;
    this.pcClock = pcClock;
    // Every time the node records (HLC, `at`, today's date, ids) is the corrected one, so that
    // "most recent" means most recent in real time even on a PC whose clock is a day off.
    this.now = () => pcClock() + this.correction;
    this.ulid = env.ulid ?? ((t) => processUlid(t));
    this.log = new EventLog(db);
    this.configGet = db.prepare(`SELECT value FROM node_config WHERE key = ?`);
    this.correction = correctionOf(parseClockOffset(this.config(CLOCK_STATE_KEY)));
    this.id = this.config("node") as string;
    this.role = this.config("role") as Role;
    this.read = new ReadModel(db, this.id);
    this.projector = new Projector(db, (sha) => this.loadSnapshot(sha), this.id);
    this.outbox = new Outbox(db, this.id);
    this.keyring = new Keyring(db);
    this.settings = {
      node: this.id,
      role: this.role,
      customerPrefix: this.config("customer.prefix") ?? "",
      customerDigits: Number(this.config("customer.digits") ?? "6"),
      orderType: this.config("order.type") ?? this.id,
    };
  }

  /** Creates a new node database at `file` (refused if one exists there). */
  static init(file: string, given: InitOptions): SincroNode {
    const options = withEnrollment(given);
    if (options.role !== "sede" && options.role !== "agent") {
      throw new RefusedError("role", `role "${String(options.role)}" must be "sede" or "agent"`, { say: say("node.badRole", { role: String(options.role) }) });
    }
    let node: string;
    if (options.role === "agent") {
      if (options.agent === undefined) throw new RefusedError("agent", "an agent node needs --agent CODE (e.g. AG01)", { code: "MISSING", say: say("node.agentMissing") });
      if (!NODE_ID.test(options.agent) || options.agent === SEDE) {
        throw new RefusedError("agent", `agent code "${options.agent}" must be 1 to 8 capital letters or digits, and not SEDE`, {
          say: say("node.badAgentCode", { code: options.agent }),
        });
      }
      node = options.agent;
    } else {
      if (options.agent !== undefined) throw new RefusedError("agent", "--agent is only for an agent node (the sede's id is SEDE)", { say: say("node.agentNotForSede") });
      node = SEDE;
    }
    const prefix = options.customerPrefix ?? (options.role === "agent" ? node : "");
    const digits = options.customerDigits ?? 6;
    if (!/^[A-Z0-9]{0,8}$/.test(prefix)) throw new RefusedError("customer-prefix", `customer prefix "${prefix}" must be up to 8 capital letters or digits`, { say: say("node.badPrefix", { prefix }) });
    if (options.role === "agent" && prefix === "") {
      throw new RefusedError("customer-prefix", "an agent's customer prefix must not be empty, or its codes could collide with the sede's", { say: say("node.emptyPrefix") });
    }
    if (!Number.isInteger(digits) || digits < 3 || digits > 12) {
      throw new RefusedError("customer-digits", `customer digits ${digits} must be a whole number from 3 to 12`, { say: say("refused.customerDigits", { value: String(digits) }) });
    }
    const orderType = options.orderType ?? node;
    if (!NODE_ID.test(orderType)) throw new RefusedError("order-type", `order type "${orderType}" must be 1 to 8 capital letters or digits`, { say: say("node.badOrderType", { type: orderType }) });
    if (existsSync(file)) {
      throw new RefusedError("db", `init ${file}: a file already exists there; choose another --db or remove it`, { code: "EXISTS", say: say("node.dbExists", { file }) });
    }
    if (file !== ":memory:") {
      // Owner-only from the first byte: the file will hold private keys and the parking password.
      closeSync(openSync(file, "wx", 0o600));
    }
    const db = tune(openSqlite(file, true));
    try {
      db.transaction(() => {
        db.exec(LOG_DDL);
        db.exec(receivedIdIndex(node));
        db.exec(PROJECTION_DDL);
        db.exec(SHIP_DDL);
        const put = db.prepare(`INSERT INTO node_config (key, value) VALUES (?, ?)`);
        put.run("schema", String(DB_SCHEMA_VERSION));
        put.run("node", node);
        put.run("role", options.role);
        put.run("customer.prefix", prefix);
        put.run("customer.digits", String(digits));
        put.run("order.type", orderType);
        const keyring = new Keyring(db);
        const at = new Date((options.now ?? Date.now)()).toISOString();
        const enrollment = options.enrollment;
        if (enrollment) {
          keyring.setOwn(enrollment.keys, at);
          keyring.vouch(SEDE, enrollment.sede, at);
          for (const k of enrollment.previous ?? []) keyring.remember(enrollment.agent, k, at);
          for (const [key, value] of Object.entries(enrollment.parking)) {
            checkConfig(key, value);
            put.run(key, value);
          }
        } else if (options.role === "sede") {
          keyring.setOwn(options.keys ?? generateKeys(), at);
        }
      })();
    } catch (err) {
      db.close();
      throw err;
    }
    const created = new SincroNode(db, options);
    // An agent records nothing until its first sync: its order type comes with the sede's
    // snapshot, and a reinstalled PC can then continue the numbering the sede already saw.
    if (options.role === "sede") {
      created.execute({ kind: "DefineOrderType", code: orderType, description: "Orders entered at the sede", agent: null });
    }
    return created;
  }

  /** Opens an existing node database; refuses a missing file or one that is not a sincro node. */
  static open(file: string, env: NodeEnv = {}): SincroNode {
    if (file !== ":memory:" && !existsSync(file)) {
      throw new RefusedError("db", `open ${file}: no sincro node there; create one with "sincro init --role sede|agent --db ${file}"`, {
        code: "NO_NODE",
        say: { key: "refused.noNode", params: { file } },
      });
    }
    const db = openSqlite(file, false);
    try {
      const row = db.prepare(`SELECT value FROM node_config WHERE key = 'schema'`).get() as { value: string } | undefined;
      if (!row) throw new Error("no schema key");
      if (Number(row.value) > DB_SCHEMA_VERSION) {
        throw new RefusedError("db", `open ${file}: written by a newer sincro (schema ${row.value}); upgrade sincro`, {
          code: "NEWER_SCHEMA",
          say: say("node.newerSchema", { file, schema: row.value }),
        });
      }
    } catch (err) {
      db.close();
      if (err instanceof SincroError) throw err;
      throw new RefusedError("db", `open ${file}: not a sincro node database`, { code: "NOT_A_NODE", cause: err, say: say("node.notANode", { file }) });
    }
    // Tables added by later versions of the same schema are created here (all IF NOT EXISTS).
    tune(db).exec(LOG_DDL);
    db.exec(SHIP_DDL);
    addMissingColumns(db);
    ownerOnly(file);
    const node = new SincroNode(db, env);
    // A sede created by an earlier sincro gets its keys on first open (README, "Moving to signed files").
    if (node.role === "sede") node.keyring.ensureOwn(new Date(node.now()).toISOString());
    return node;
  }

  /**
   * At the sede: new keys for agent `code` (registered, not retired), trusted from now on in
   * place of any earlier ones, and the enrollment that carries them to the agent's PC.
   * `parking` is the parking area's configuration as the agent should get it.
   */
  enroll(code: string, parking: Record<string, string>): Enrollment {
    if (this.role !== "sede") throw new RefusedError("role", "agent enroll: only the sede enrolls agents", { code: "NOT_SEDE", say: say("node.enrollSedeOnly") });
    const agent = this.read.agents().find((a) => a.code === code);
    if (!agent) throw new RefusedError("agent", `agent enroll ${code}: no agent ${code}; register it first with "sincro agent add ${code} --name NAME"`, {
        code: "UNKNOWN_AGENT",
        say: say("node.enrollUnknown", { code }),
      });
    if (this.keyring.isRetiring(code)) throw new RefusedError("agent", `agent enroll ${code}: agent ${code} was retired; a retired code is not enrolled again (register a new code)`, {
        code: "RETIRED",
        say: say("node.enrollRetired", { code }),
      });
    const sede = this.keyring.own();
    if (!sede) throw new IntegrityError("agent enroll: the sede has no keys");
    const keys = generateKeys();
    const at = new Date(this.now()).toISOString();
    const previous = this.keyring.signers(code);
    this.keyring.vouch(code, publicKeys(keys), at);
    return {
      format: ENROLLMENT_FORMAT,
      agent: code,
      name: agent.name,
      orderType: agent.orderType,
      customerPrefix: agent.customerPrefix,
      customerDigits: agent.customerDigits,
      parking,
      sede: publicKeys(sede),
      keys,
      previous,
      issued: at,
    };
  }

  /**
   * At the sede: agent `code` is retired; its keys are no longer trusted, nothing is written for
   * it. `customersTo` moves its customers, in the same transaction, to another agent or to the
   * office (null); undefined leaves them with it at the office. Returns the codes of the
   * customers it had. A retired agent may be named again, to move the customers it still has.
   */
  retire(code: string, customersTo?: string | null): { customers: string[]; moved: boolean } {
    if (this.role !== "sede") throw new RefusedError("role", "agent retire: only the sede retires agents", { code: "NOT_SEDE", say: say("node.retireSedeOnly") });
    if (!this.read.agents().some((a) => a.code === code)) throw new RefusedError("agent", `agent retire ${code}: no agent ${code}`, { code: "UNKNOWN_AGENT", say: say("node.retireUnknown", { code }) });
    if (customersTo === code) throw new RefusedError("customers-to", `agent retire ${code}: --customers-to names the agent being retired`, { code: "SAME_AGENT", say: say("node.retireToSelf", { code }) });
    if (customersTo !== undefined && customersTo !== null) {
      if (!this.read.agent(customersTo)) throw new RefusedError("customers-to", `agent retire ${code}: agent ${customersTo} does not exist (none: to the office)`, {
          code: "UNKNOWN_AGENT",
          say: say("node.retireToUnknown", { code, to: customersTo }),
        });
      if (this.keyring.isRetiring(customersTo)) throw new RefusedError("customers-to", `agent retire ${code}: agent ${customersTo} was retired too`, { code: "RETIRED", say: say("node.retireToRetired", { code, to: customersTo }) });
    }
    return this.batch(() => {
      const customers = this.read.listCustomers().filter((c) => c.agent === code);
      // Retired first, so the releases are not routed to it: it reads nothing new.
      if (!this.keyring.isRetiring(code)) this.keyring.retire(code, new Date(this.now()).toISOString());
      if (customersTo !== undefined) {
        for (const c of customers) this.execute({ kind: "ReassignCustomer", code: c.code, agent: customersTo, origin: c.origin });
      }
      return { customers: customers.map((c) => c.code), moved: customersTo !== undefined && customers.length > 0 };
    });
  }

  /**
   * On an agent PC set up before enrollment existed (or re-enrolled on the same database): takes
   * the keys and the office's keys from `enrollment`, which must be for this agent code. Where
   * this PC numbers differently from the office's registration, it takes the office's numbering
   * if it has recorded nothing yet (`adopted`); otherwise it keeps its own, which numbers what it
   * already sent, and says how they differ (`differs`).
   */
  adoptEnrollment(enrollment: Enrollment): { adopted: string[]; differs: string[]; changes: NumberingChange[]; recordedNothing: boolean } {
    if (this.role !== "agent" || enrollment.agent !== this.id) {
      throw new RefusedError("enroll", `init --enroll: this file enrolls ${enrollment.agent}, but this database is ${this.role === "sede" ? "the sede" : `agent ${this.id}`}`, {
        code: "WRONG_NODE",
        say: this.role === "sede" ? say("node.enrollWrongNode.sede", { agent: enrollment.agent }) : say("node.enrollWrongNode.agent", { agent: enrollment.agent, node: this.id }),
      });
    }
    const at = new Date(this.now()).toISOString();
    const here = this.settings;
    const series = (prefix: string, digits: number) => `${prefix}${"N".repeat(digits)}`;
    const different = [
      ...(here.orderType !== enrollment.orderType ? [`orders numbered in type ${here.orderType} here, ${enrollment.orderType} at the office`] : []),
      ...(here.customerPrefix !== enrollment.customerPrefix || here.customerDigits !== enrollment.customerDigits
        ? [`customer codes ${series(here.customerPrefix, here.customerDigits)} here, ${series(enrollment.customerPrefix, enrollment.customerDigits)} at the office`]
        : []),
    ];
    const changes: NumberingChange[] = [
      ...(here.orderType !== enrollment.orderType ? [{ what: "orderType" as const, here: here.orderType, office: enrollment.orderType }] : []),
      ...(here.customerPrefix !== enrollment.customerPrefix || here.customerDigits !== enrollment.customerDigits
        ? [{ what: "customerCodes" as const, here: series(here.customerPrefix, here.customerDigits), office: series(enrollment.customerPrefix, enrollment.customerDigits) }]
        : []),
    ];
    const recordedNothing = this.log.localHead(this.id) === undefined;
    this.batch(() => {
      this.keyring.setOwn(enrollment.keys, at);
      this.keyring.vouch(SEDE, enrollment.sede, at);
      for (const k of enrollment.previous ?? []) this.keyring.remember(this.id, k, at);
      for (const [key, value] of Object.entries(enrollment.parking)) this.setConfig(key, value);
      if (recordedNothing && different.length > 0) {
        this.setState("order.type", enrollment.orderType);
        this.setState("customer.prefix", enrollment.customerPrefix);
        this.setState("customer.digits", String(enrollment.customerDigits));
      }
    });
    return { ...(recordedNothing ? { adopted: different, differs: [] } : { adopted: [], differs: different }), changes, recordedNothing };
  }

  close(): void {
    void this.flusher?.stop();
    this.flusher = undefined;
    if (this.db.open) this.db.close();
  }

  /** True once this node flushes its WAL from a worker thread (see {@link NodeEnv.walFlushAfter}). */
  get walFlushing(): boolean {
    return this.flusher !== undefined;
  }

  config(key: string): string | undefined {
    const row = this.configGet.get(key) as { value: string } | undefined;
    return row?.value;
  }

  /** Sets a user configuration key (checked against the known keys). */
  setConfig(key: string, value: string): void {
    checkConfig(key, value);
    this.setState(key, value);
  }

  /** Records a value the engine keeps for itself in the node's settings (not a user key: unchecked). */
  setState(key: string, value: string): void {
    this.db.prepare(`INSERT INTO node_config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, value);
  }

  configEntries(): Array<{ key: string; value: string }> {
    return this.db.prepare(`SELECT key, value FROM node_config ORDER BY key`).all() as Array<{ key: string; value: string }>;
  }

  context(now = this.now()): DecideContext {
    // One context per local day (the PC's time zone: an order entered at 00:30 in Italy is dated
    // that day, not the day before in UTC): only `today` changes, and deciders never write to it.
    const local = new Date(now);
    const offsetMs = local.getTimezoneOffset() * 60_000;
    const day = Math.floor((now - offsetMs) / 86_400_000);
    if (this.contextOfDay?.day !== day) {
      const today = `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, "0")}-${String(local.getDate()).padStart(2, "0")}`;
      this.contextOfDay = { day, context: Object.freeze({ ...this.settings, today }) };
    }
    return this.contextOfDay.context;
  }

  /**
   * Decides `command` against the current projections and, in one transaction, appends the
   * resulting events and projects them. A refusal throws before anything is written.
   * Later commands in the same transaction see the effects of earlier ones.
   */
  execute(command: Command): ExecuteResult {
    if (this.role === "sede" && this.config(RESTORE_CHECK_KEY) !== undefined) {
      throw new RefusedError(
        "db",
        "this office database was put back from a backup: run \"sincro sync\" before entering anything, so that its numbering goes on after what the office already published",
        { code: "SYNC_FIRST", say: { key: "error.sedeRestoredSyncFirst", params: {} } },
      );
    }
    const held = this.heldOn();
    if (held.length > 0) {
      throw new RefusedError(
        "db",
        `this PC waits on ${held.join(", ")} in its folder on the parking area, which does not open or the office has not read yet (see the last "sincro sync"): run "sincro sync" again once it is dealt with, before entering anything`,
        { code: "HELD_BY_FILE", say: say("node.heldOnFile", { file: held.join(", ") }) },
      );
    }
    if (this.awaitingReturn()) {
      throw new RefusedError(
        "db",
        "this PC was restored from a backup and waits for the office to send back its later work: run \"sincro sync\" (after the office's next sync) before entering anything",
        { code: "AWAITING_RETURN", say: say("node.awaitingReturn") },
      );
    }
    const body = (): ExecuteResult => {
      const now = this.now();
      // Retirement lives in the keyring, not in the projections the deciders read.
      if (command.kind === "ReassignCustomer" && command.agent !== null && this.role === "sede" && this.keyring.isRetiring(command.agent)) {
        throw new RefusedError("agent", `customer assign: agent ${command.agent} was retired; give the customer to an active agent or to the office (--agent none)`, {
          code: "RETIRED",
          say: say("node.assignRetired", { agent: command.agent }),
        });
      }
      const decision = decide(command, this.read, this.context(now));
      if (decision.events.length === 0) return { decision, events: [] };
      let tip = this.tip();
      const events = decision.events.map((draft) => {
        const next = this.appendLocal(draft, tip, now);
        tip = next;
        return next.envelope;
      });
      return { decision, events };
    };
    // Inside batch() the command joins the open transaction; alone it gets its own.
    return this.write(body);
  }

  /**
   * Records an event the engine itself decides (e.g. `SnapshotApplied`), not a user command;
   * `seen` is the highest HLC it brings in, if any.
   * Joins the caller's transaction if there is one.
   */
  recordSystemEvent(draft: DraftEvent, seen?: string): EventEnvelope {
    const body = () => {
      const now = this.now();
      const tip = this.tip();
      // What the event brings in with HLCs of its own (a snapshot's special prices) is merged
      // first, so that this event, and so the log-derived clock, sorts after all of it.
      const remote = seen === undefined ? undefined : parseHlc(seen);
      if (remote) tip.clock = merge(tip.clock, remote, now);
      return this.appendLocal(draft, tip, now).envelope;
    };
    return this.write(body);
  }

  /** On a restored agent PC: whether it waits for the office to send back its own later events (see `ship/restore.ts`). */
  awaitingReturn(): boolean {
    return this.config("restore.awaiting") === "1";
  }

  /** A database put back from `sincro backup` that has not yet checked what it parked after the copy. */
  isBackupCopy(): boolean {
    return this.config(RESTORE_CHECK_KEY) !== undefined;
  }

  /** The check a backup copy's first sync makes is done: from now on this is the PC's database. */
  clearBackupCopy(): void {
    this.db.prepare(`DELETE FROM node_config WHERE key = ?`).run(RESTORE_CHECK_KEY);
  }

  /**
   * On an agent PC that does not know all its agent code parked (a backup copy put back, a
   * reinstalled PC before its first complete sync): the files of its own folder it waits on,
   * which may hold work parked before (see `ship/heldFiles.ts`); none when it does not wait.
   */
  heldOn(): string[] {
    const held = this.config(HELD_KEY);
    return held === undefined ? [] : (JSON.parse(held) as string[]);
  }

  /** Records the files this PC waits on (none: it waits no more). */
  holdOn(files: readonly string[]): void {
    if (files.length > 0) this.setState(HELD_KEY, JSON.stringify(files));
    else this.db.prepare(`DELETE FROM node_config WHERE key = ?`).run(HELD_KEY);
  }

  setAwaitingReturn(waiting: boolean): void {
    if (waiting) this.setState("restore.awaiting", "1");
    else this.db.prepare(`DELETE FROM node_config WHERE key = 'restore.awaiting'`).run();
  }

  /**
   * On a restored agent PC: appends its own events the office sent back, which follow its last
   * event, projecting and routing them as when they were recorded. Joins the caller's transaction.
   */
  recoverOwn(envelopes: readonly EventEnvelope[]): void {
    this.write(() => {
      for (const e of envelopes) {
        const head = this.log.head(this.id);
        if (e.origin !== this.id || (head !== undefined && e.seq <= head.seq)) {
          throw new IntegrityError(`recover ${e.origin}#${e.seq}: not this PC's next own event`, { code: "BAD_EVENT" });
        }
        // Seqs of events that never left the PC (local updates) are not sent back: chained where
        // contiguous; a gap is remembered as lost with the restore (the audit reports it so).
        if (head !== undefined && e.seq === head.seq + 1 && e.prev !== head.hash) {
          throw new IntegrityError(`recover ${e.origin}#${e.seq}: does not chain to this PC's event #${head.seq}`, { code: "BROKEN_CHAIN" });
        }
        const next = (head?.seq ?? 0) + 1;
        if (e.seq > next) this.rememberLost(next, e.seq - 1);
        const pos = this.log.append(e);
        const decoded = decodeEnvelope(e);
        this.projector.apply(decoded);
        this.outbox.route(decoded, pos);
      }
    });
  }

  /** On a restored node: the own numbers it may have lost with each backup put back (see continueOwnAfter, recoverOwn). */
  lostWithRestore(): Array<{ from: number; to: number; on: string }> {
    return lostWithRestore(this.db);
  }

  /** On a reinstalled agent PC: the last seq (and hash) the sede already held from this code. */
  seqBase(): { seq: number; hash: string } | undefined {
    const row = this.db.prepare(`SELECT value, text FROM numbering_base WHERE kind = 'seq' AND key = ?`).get(this.id) as
      | { value: number; text: string }
      | undefined;
    return row && { seq: row.value, hash: row.text };
  }

  /**
   * On a reinstalled agent PC's first sync: continue every numbering after `base` (see
   * {@link NumberingBase}); `note` is kept for `status` (when, and what the sede held).
   */
  continueNumbering(base: NumberingBase, note: { at: string; heldBySede: number; stillOnServer: number }): void {
    const ctx = this.context();
    this.batch(() => {
      const put = this.db.prepare(
        `INSERT INTO numbering_base (kind, key, value, text) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, text = excluded.text`,
      );
      put.run("seq", this.id, base.seq, base.hash);
      put.run("segment", agentToSede(this.id), base.segment, `${base.offset}:${base.sha256}`);
      for (const [type, n] of Object.entries(base.orders)) put.run("order", type, n, "");
      if (base.customer > 0) put.run("customer", `${ctx.customerPrefix}/${ctx.customerDigits}`, base.customer, "");
      put.run("reinstalled", this.id, base.seq, JSON.stringify(note));
    });
  }

  /** On a reinstalled agent PC: when it took over the numbering, what the sede held, and where numbering continues; null otherwise. */
  reinstalled(): { at: string; heldBySede: number; stillOnServer: number; continuesAfter: number } | null {
    const row = this.db.prepare(`SELECT value, text FROM numbering_base WHERE kind = 'reinstalled'`).get() as { value: number; text: string } | undefined;
    if (!row) return null;
    const note = JSON.parse(row.text) as { at: string; heldBySede: number; stillOnServer: number };
    return { ...note, continuesAfter: row.value };
  }

  /**
   * Claims this node for one sync: refused ({@link SincroError} `SYNC_RUNNING`, exit 1) while
   * another sync holds it, in this process or another live one. A claim left by a process that
   * died (killed, crashed) is taken over. Returns the release, to call when the sync ends.
   */
  claimSync(): () => void {
    const token = randomBytes(8).toString("hex");
    const since = new Date(this.now());
    this.batch(() => {
      const held = this.db.prepare(`SELECT pid, since FROM sync_lock WHERE one = 1`).get() as { pid: number; since: string } | undefined;
      if (held && processAlive(held.pid)) {
        const at = new Date(held.since);
        const hhmm = `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
        throw new SincroError("SYNC_RUNNING", `sync: another sync is running on this node since ${hhmm} (process ${held.pid}); wait for it to end`, {
          exitCode: 1,
          say: { key: "error.syncRunning", params: { time: hhmm, pid: String(held.pid) } },
        });
      }
      this.db
        .prepare(`INSERT INTO sync_lock (one, pid, token, since) VALUES (1, ?, ?, ?) ON CONFLICT (one) DO UPDATE SET pid = excluded.pid, token = excluded.token, since = excluded.since`)
        .run(process.pid, token, since.toISOString());
    });
    return () => {
      if (this.db.open) this.db.prepare(`DELETE FROM sync_lock WHERE token = ?`).run(token);
    };
  }

  /**
   * Records the offset a sync measured between this PC's clock and the parking server's; from
   * now on the node's time is corrected by it (unless it is within the tolerance).
   */
  setClockOffset(offset: ClockOffset): void {
    this.setState(CLOCK_STATE_KEY, JSON.stringify(offset));
    this.correction = correctionOf(offset);
  }

  /** The offset the last sync measured, if any sync could. */
  clockOffset(): ClockOffset | undefined {
    return parseClockOffset(this.config(CLOCK_STATE_KEY));
  }

  /** What the node adds to this PC's clock, in milliseconds. */
  clockCorrectionMs(): number {
    return this.correction;
  }

  /**
   * Writes a consistent copy of the database into `file` (which must not exist or be empty),
   * while other processes may be using the node: SQLite's `VACUUM INTO` reads one snapshot.
   */
  backupTo(file: string): void {
    writeBackup(this.db, file);
  }

  /**
   * On a restored office database: its own numbering goes on after `seq` (the last event the
   * office had recorded when it last published, from its signed head), whatever this copy holds.
   * The numbers between the copy's last and `seq` are remembered (`numbering_base` kind `lost`,
   * key the first, value the last, text when): the published ones come back, the office's local
   * ones recorded after the backup do not, and the audit reports that gap as lost with the restore.
   */
  continueOwnAfter(seq: number, hash: string): void {
    const held = this.log.head(this.id)?.seq ?? 0;
    if (seq > held) this.rememberLost(held + 1, seq);
    this.db
      .prepare(`INSERT INTO numbering_base (kind, key, value, text) VALUES ('seq', ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, text = excluded.text`)
      .run(this.id, seq, hash);
  }

  /** Own numbers `from`…`to` lost with a backup put back (`numbering_base` kind `lost`: key the first, value the last, text when). */
  private rememberLost(from: number, to: number): void {
    this.db.prepare(`INSERT OR REPLACE INTO numbering_base (kind, key, value, text) VALUES ('lost', ?, ?, ?)`).run(String(from), to, new Date(this.now()).toISOString());
  }

  /**
   * On a restored office database: appends its own events taken back from an agent's copy of
   * its published files (verified there). An event already held with the same hash is skipped;
   * a different one under the same number throws (the copy recorded work of its own before
   * syncing). Projections are not touched: the caller rebuilds them. Returns how many were new.
   */
  appendRecoveredOwn(envelopes: readonly EventEnvelope[]): number {
    return this.write(() => {
      let added = 0;
      for (const e of envelopes) {
        const problem = envelopeProblem(e);
        if (problem || e.origin !== this.id) throw new IntegrityError(`recover ${e.origin}#${e.seq}: ${problem ?? "not this office's event"}`, { code: "BAD_EVENT" });
        const held = this.log.get(this.id, e.seq);
        if (held) {
          if (held.hash !== e.hash) {
            throw new IntegrityError(
              `recover ${e.origin}#${e.seq}: this database holds another event under that number: it recorded work after being put back and before its first sync. Put the backup back again and sync before entering anything`,
              { code: "FORK" },
            );
          }
          continue;
        }
        const before = this.log.get(this.id, e.seq - 1);
        if (before && before.hash !== e.prev) throw new IntegrityError(`recover ${e.origin}#${e.seq}: does not chain to event #${e.seq - 1}`, { code: "BROKEN_CHAIN" });
        this.log.append(e);
        added++;
      }
      return added;
    });
  }

  /**
   * Milliseconds since the epoch by this PC's own clock, without the correction: the one clock a
   * sync measures against the parking server's (the node's time is this plus the correction).
   */
  pcNowMs(): number {
    return this.pcClock();
  }

  /** Milliseconds since the epoch: this PC's clock (the injected one in tests) plus the measured correction. */
  nowMs(): number {
    return this.now();
  }

  /**
   * Runs `fn` in one transaction: every `execute` and `receive` inside it joins it, and if
   * `fn` throws, nothing of it is written (an import refused on any row, a dry run).
   */
  batch<T>(fn: () => T): T {
    return this.transaction.immediate(fn) as T;
  }

  /** Runs `fn` in the caller's open transaction, or in a new IMMEDIATE one. */
  private write<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    const result = this.transaction.immediate(fn) as T;
    if (++this.commits === this.walFlushAfter) this.flusher = new WalFlusher(`${this.db.name}-wal`);
    return result;
  }

  /**
   * Where this node's own chain ends and what its clock reads, from the log (one indexed read).
   * A reinstalled agent PC with nothing recorded yet continues from what the sede held.
   */
  private tip(): LocalTip {
    const last = this.log.localHead(this.id);
    const latest = last ? last.clock : this.log.maxHlc();
    const parsed = latest === undefined ? undefined : parseHlc(latest);
    const clock = parsed ? { wall: parsed.wall, counter: parsed.counter } : HLC_ZERO;
    const base = this.seqBase();
    // A restored office goes on after what it had published, even past events this copy holds.
    if (last && (base === undefined || last.seq >= base.seq)) return { seq: last.seq, hash: last.hash, id: last.id, clock };
    return { seq: base?.seq ?? 0, hash: base?.hash ?? "", id: last?.id ?? "", clock };
  }

  /** Appends one local event after `tip`, projects and routes it; returns the new tip. */
  private appendLocal(draft: DraftEvent, tip: LocalTip, now: number): LocalTip & { envelope: EventEnvelope } {
    const clock = tick(tip.clock, now);
    // Own ids strictly increase with seq, so they never repeat (the log indexes only received
    // ids, see receivedIdIndex): a clock set back, or another process's ids, cannot undercut them.
    const fresh = this.ulid(now);
    const id = fresh > tip.id ? fresh : incrementBase32(tip.id);
    const envelope = sealEnvelope({
      id,
      origin: this.id,
      seq: tip.seq + 1,
      hlc: formatHlc(clock, this.id),
      at: new Date(now).toISOString(),
      type: draft.type,
      v: SCHEMA_VERSION[draft.type],
      data: encodePayload(draft.data),
      prev: tip.hash,
    });
    const pos = this.log.append(envelope);
    // A literal of one fixed shape: spreading the draft cost more than the projection's insert.
    const decoded = { type: draft.type, data: draft.data, id, origin: envelope.origin, seq: envelope.seq, hlc: envelope.hlc, at: envelope.at } as DecodedEvent;
    this.projector.apply(decoded);
    this.outbox.route(decoded, pos);
    return { seq: envelope.seq, hash: envelope.hash, id, clock, envelope };
  }

  /**
   * Verifies and appends events recorded by other nodes, projecting each, in the caller's
   * transaction if there is one (so a segment and its cursor commit together). An event
   * already held with the same hash is skipped; one that differs from the event held under its
   * number, or breaks its origin's hash chain, throws {@link IntegrityError} and nothing of the
   * batch is kept.
   *
   * `chain: "full"` expects each origin's complete log (an export, a replica): gapless seq.
   * `chain: "partial"` (the default) is what a stream delivers: only the events routed to this
   * node, so seq may skip numbers; the chain is checked wherever the previous event is held.
   */
  receive(envelopes: Iterable<EventEnvelope>, options: { source?: string; chain?: "full" | "partial" } = {}): ReceiveResult {
    const source = options.source ?? "received events";
    const full = options.chain === "full";
    const run = (): ReceiveResult => {
      const result: ReceiveResult = { applied: 0, duplicates: 0, skewed: [], quarantined: [] };
      // Orders placed in this batch (one segment): a change to one of them arrives with it.
      const placedHere = new Set<string>();
      const chain = new ChainVerifier(this.log, full);
      const now = this.now();
      const skewMs = Number(this.config("skew.hours") ?? "24") * 3_600_000;
      const fail = (e: EventEnvelope, code: string, why: string): never => {
        throw new IntegrityError(`receive ${source}: event ${e.origin}#${e.seq} ${why}`, { code });
      };
      for (const e of envelopes) {
        const problem = envelopeProblem(e);
        if (problem) throw new IntegrityError(`receive ${source}: event ${describe(e)} refused: ${problem}`, { code: "BAD_EVENT" });
        if (e.origin === this.id) {
          fail(e, "FORK", `claims to come from this node (${this.id}); another PC may be using this node's code`);
        }
        const check = chain.check(e);
        if (check.kind === "duplicate") {
          result.duplicates++;
          continue;
        }
        if (check.kind === "violation") {
          const { kind } = check.violation;
          if (kind === "duplicated") fail(e, "FORK", `differs from the one already received with that number: two PCs may be using the code ${e.origin}`);
          if (kind === "broken-chain") fail(e, "BROKEN_CHAIN", `does not chain to ${e.origin}#${e.seq - 1} (prev hash differs): altered or forged`);
          fail(e, "GAP", `arrived before ${e.origin}#${chain.next(e.origin)} (gap in sequence)`);
        }
        const remote = parseHlc(e.hlc);
        if (!remote || remote.origin !== e.origin) fail(e, "BAD_EVENT", `has a malformed hlc "${e.hlc}"`);
        const wall = (remote as Hlc).wall;
        const checked = domainCheck(e, wall - now);
        const decoded = checked.decoded;
        const reason = checked.reason ?? (decoded && this.authorityProblem(decoded));
        let pos: number;
        try {
          pos = this.log.append(e);
        } catch (cause) {
          throw new IntegrityError(`receive ${source}: event ${e.origin}#${e.seq} reuses the id ${e.id} of another event`, {
            code: "DUPLICATE_ID",
            cause,
          });
        }
        chain.accept(e);
        if (reason !== undefined || decoded === undefined) {
          // Kept, so its origin's chain goes on; never projected, never part of the clock.
          const why = reason ?? "unreadable";
          this.log.quarantine(pos, why, new Date(now).toISOString());
          result.quarantined.push({ origin: e.origin, seq: e.seq, type: e.type, reason: why });
          continue;
        }
        // The clock merge is implicit: the log's highest HLC is the clock (see EventLog.localHead).
        if (wall - now > skewMs) result.skewed.push({ origin: e.origin, seq: e.seq, aheadMs: wall - now });
        if (decoded.type === "OrderPlaced") placedHere.add(decoded.id);
        if ((decoded.type === "OrderAmended" || decoded.type === "OrderCancelled") && !placedHere.has(decoded.data.order)) {
          this.db
            .prepare(`INSERT OR IGNORE INTO orders_changed_after_receipt (order_id, event_id, at) VALUES (?, ?, ?)`)
            .run(decoded.data.order, decoded.id, new Date(now).toISOString());
        }
        this.projector.apply(decoded);
        result.applied++;
      }
      return result;
    };
    return this.write(run);
  }

  /**
   * Why an agent's received event speaks for someone else (DESIGN §7, "Authority": its
   * customers, its orders, special prices of its own customers), or undefined. Judged against
   * this node's state when it arrives; the verdict is recorded, so a replay gives the same.
   */
  private authorityProblem(e: DecodedEvent): string | undefined {
    if (e.origin === SEDE) return undefined;
    switch (e.type) {
      case "CustomerCreated":
        return e.data.agent === e.origin ? undefined : `a customer ${e.origin} creates must be its own, not ${e.data.agent ?? "the sede's"}`;
      case "OrderPlaced": {
        if (e.data.agent !== e.origin) return `an order ${e.origin} places must be in its own name, not ${e.data.agent ?? "the sede's"}`;
        const owner = this.read.orderType(e.data.type)?.agent;
        return owner !== undefined && owner !== null && owner !== e.origin ? `order type ${e.data.type} belongs to agent ${owner}` : undefined;
      }
      case "OrderAmended":
      case "OrderCancelled": {
        const origin = this.read.orderOrigin(e.data.order);
        return origin === e.origin ? undefined : `order ${e.data.type}/${e.data.number} is not ${e.origin}'s to change (${origin === undefined ? "unknown here" : `placed by ${origin}`})`;
      }
      case "SpecialPriceSet":
      case "SpecialPriceRemoved": {
        const agent = this.read.customer(e.data.customer)?.agent;
        return agent === e.origin ? undefined : `customer ${e.data.customer} is not ${e.origin}'s (${agent === undefined ? "unknown here" : `it belongs to ${agent ?? "the sede"}`})`;
      }
      default:
        return undefined;
    }
  }

  /** Drops and replays the projections; returns the digests before and after. */
  rebuild(onProgress?: (done: number) => void): { before: TableDigest[]; after: TableDigest[]; events: number } {
    const before = digestProjections(this.db);
    const events = rebuildProjections(this.db, (sha) => this.loadSnapshot(sha), this.id, onProgress);
    const after = digestProjections(this.db);
    return { before, after, events };
  }

  /** A snapshot this node applied, from its kept bytes (rebuild replays snapshot + events). */
  private loadSnapshot(sha256: string): { stream: string; rows: Iterable<SnapshotRow> } {
    const row = this.db.prepare(`SELECT stream, number, bytes FROM inbox_snapshots WHERE sha256 = ?`).get(sha256) as
      | { stream: string; number: number; bytes: Buffer }
      | undefined;
    if (!row) throw new IntegrityError(`replay snapshot ${sha256}: its bytes are not kept in this database`, { code: "MISSING_SNAPSHOT" });
    const file = `kept snapshot ${row.stream} #${row.number}`;
    return { stream: row.stream, rows: decodeSnapshot(row.bytes, file, { stream: row.stream, number: row.number }).rows() };
  }

  digests(): TableDigest[] {
    return digestProjections(this.db);
  }
}

/**
 * Whether the domain can hold a received event (DESIGN §7, "Quarantine"): a readable payload of
 * the right shape, and, from an agent, a clock reading not beyond {@link HLC_HORIZON_MS} ahead of ours.
 */
function domainCheck(e: EventEnvelope, aheadMs: number): { decoded?: DecodedEvent; reason?: string } {
  let decoded: DecodedEvent;
  try {
    decoded = decodeEnvelope(e);
  } catch {
    return { reason: "its payload is not readable" };
  }
  const problem = payloadProblem(e.type, decoded.data);
  if (problem) return { reason: `its payload is not valid: ${problem}` };
  // The sede's clock is the office's authority: an agent never quarantines its events, however
  // wrong the agent's own clock (that would split the catalogue). An agent's reading far ahead
  // would poison the sede's clock, and through it every agent's.
  if (e.origin !== SEDE && aheadMs > HLC_HORIZON_MS) {
    return { reason: `its clock reading ${e.hlc.slice(0, 40)} is ${Math.round(aheadMs / 86_400_000)} days ahead of this PC's clock (more than ${HLC_HORIZON_MS / 86_400_000})` };
  }
  return { decoded };
}

/** Whether a process with this id is running (signal 0 only checks). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, but belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function describe(e: unknown): string {
  const r = (typeof e === "object" && e !== null ? e : {}) as Record<string, unknown>;
  return `${String(r.origin ?? "?")}#${String(r.seq ?? "?")}`;
}

/** The options of an agent's init, completed from its enrollment (which must agree with them). */
function withEnrollment(options: InitOptions): InitOptions {
  const e = options.enrollment;
  if (!e) return options;
  if (options.role !== "agent") throw new RefusedError("enroll", "an enrollment file sets up an agent PC, not the sede", { say: say("node.enrollmentNotSede") });
  const clash = (field: string, given: unknown, theirs: unknown) => {
    if (given !== undefined && given !== theirs) {
      throw new RefusedError(field, `--${field} ${String(given)} contradicts the enrollment file (${String(theirs)}); leave it out, the office sets it`, {
        say: say("node.enrollmentClash", { field, given: String(given), theirs: String(theirs) }),
      });
    }
  };
  clash("agent", options.agent, e.agent);
  clash("customer-prefix", options.customerPrefix, e.customerPrefix);
  clash("customer-digits", options.customerDigits, e.customerDigits);
  clash("order-type", options.orderType, e.orderType);
  return { ...options, agent: e.agent, customerPrefix: e.customerPrefix, customerDigits: e.customerDigits, orderType: e.orderType };
}

/**
 * Projection columns added after a database was created (a rebuild would create them too):
 * `agents.customer_digits` (6, what every agent numbered before it existed), `customer_departures`,
 * `customer_renames` (filled from the log's renames, as a rebuild would).
 */
function addMissingColumns(db: Database.Database): void {
  const columns = (db.prepare(`SELECT name FROM pragma_table_info('agents')`).all() as Array<{ name: string }>).map((c) => c.name);
  if (columns.length > 0 && !columns.includes("customer_digits")) {
    db.exec(`ALTER TABLE agents ADD COLUMN customer_digits INTEGER NOT NULL DEFAULT 6`);
  }
  db.exec(DEPARTURES_DDL);
  if (db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'customer_renames'`).get() === undefined) {
    db.exec(RENAMES_DDL);
    const put = db.prepare(RECORD_RENAME);
    const renames = db.prepare(`SELECT id, data FROM events WHERE type = 'CustomerRenamed' AND pos NOT IN (SELECT pos FROM quarantined) ORDER BY pos`).all() as Array<{ id: string; data: string }>;
    for (const r of renames) {
      const d = decodePayload(r.data) as { code: string; newCode: string; createdBy: string; agent: string | null };
      put.run(d.code, d.createdBy, d.newCode, d.agent, r.id);
    }
  }
}

/** Database and key files are the owner's only (DESIGN §7); an older, wider file is narrowed. */
function ownerOnly(file: string): void {
  if (file === ":memory:") return;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
    } catch {
      // not there, or not ours to change: SQLite creates -wal and -shm with the database's mode
    }
  }
}

function openSqlite(file: string, create: boolean): Database.Database {
  if (!create && file !== ":memory:") {
    // Refuse a file that is not SQLite before better-sqlite3 gets to it, with a plain message.
    const fd = openSync(file, "r");
    const head = Buffer.alloc(16);
    const n = readSync(fd, head, 0, 16, 0);
    closeSync(fd);
    if (n < 16 || head.toString("latin1") !== SQLITE_MAGIC) {
      throw new RefusedError("db", `open ${file}: not a sincro node database (not an SQLite file)`, { code: "NOT_A_NODE", say: say("node.notSqlite", { file }) });
    }
  }
  return new Database(file, { fileMustExist: !create });
}

/** Pragmas of a node database; applied only once the file is known to be a node (WAL mode writes to the file). */
function tune(db: Database.Database): Database.Database {
  db.pragma("journal_mode = WAL");
  // WAL + NORMAL survives a process crash at any point; only an OS crash can lose the last commits.
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = OFF");
  db.pragma("busy_timeout = 5000");
  // Fewer, larger checkpoints: each one fsyncs, and one-event transactions would otherwise pay for it often.
  db.pragma("wal_autocheckpoint = 4000");
  return db;
}

/**
 * `VACUUM INTO file` from `db` (this node's connection, or another one on the same file, as a
 * backup run from another process while the node syncs), then clears the copy's claim of a
 * running sync: a copy taken during a sync and put back later must not say that a sync is
 * running (the claiming process may be this one, or its number reused by another). The copy is
 * marked as one (`restore.check`): put back, its first sync looks for segments this PC parked
 * after the copy that the office has not read yet (see ship/restore.ts).
 */
export function writeBackup(db: Database.Database, file: string): void {
  db.prepare(`VACUUM INTO ?`).run(file);
  const copy = new Database(file);
  try {
    copy.prepare(`DELETE FROM sync_lock`).run();
    // Put back one day, its first sync looks for work this PC parked after the copy (ship/restore.ts).
    copy.prepare(`INSERT INTO node_config (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(RESTORE_CHECK_KEY);
  } finally {
    copy.close();
  }
}
