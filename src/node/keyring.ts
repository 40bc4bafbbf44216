import type Database from "better-sqlite3";
import { generateKeys, type KeyPairs, type PublicKeys } from "../wire/keys.js";

export type PeerState = "active" | "retiring" | "revoked" | "retired";

export interface PeerKeys extends PublicKeys {
  node: string;
  state: PeerState;
  since: string;
  until: string | null;
}

interface PeerRow {
  node: string;
  sign_public: string;
  box_public: string;
  state: PeerState;
  since: string;
  until: string | null;
}

const toPeer = (r: PeerRow): PeerKeys => ({ node: r.node, signPublic: r.sign_public, boxPublic: r.box_public, state: r.state, since: r.since, until: r.until });

/**
 * The keys a node holds (DESIGN §7): its own pair, and the public keys it trusts for the
 * other nodes — at an agent the sede's, at the sede every enrolled agent's.
 */
export class Keyring {
  constructor(private readonly db: Database.Database) {}

  /** This node's own keys, or undefined on a node that has none yet (an agent not enrolled). */
  own(): KeyPairs | undefined {
    const row = this.db.prepare(`SELECT sign_public, sign_private, box_public, box_private FROM node_keys`).get() as
      | { sign_public: string; sign_private: string; box_public: string; box_private: string }
      | undefined;
    return row && { signPublic: row.sign_public, signPrivate: row.sign_private, boxPublic: row.box_public, boxPrivate: row.box_private };
  }

  /** Stores this node's keys (replacing any). */
  setOwn(keys: KeyPairs, at: string): void {
    this.db
      .prepare(
        `INSERT INTO node_keys (one, sign_public, sign_private, box_public, box_private, created) VALUES (1, ?, ?, ?, ?, ?)
         ON CONFLICT (one) DO UPDATE SET sign_public = excluded.sign_public, sign_private = excluded.sign_private,
           box_public = excluded.box_public, box_private = excluded.box_private, created = excluded.created`,
      )
      .run(keys.signPublic, keys.signPrivate, keys.boxPublic, keys.boxPrivate, at);
  }

  /** Creates keys for this node if it has none; returns them. */
  ensureOwn(at: string): KeyPairs {
    const existing = this.own();
    if (existing) return existing;
    const keys = generateKeys();
    this.setOwn(keys, at);
    return keys;
  }

  /** The keys `node` reads with: its active ones, if any. */
  current(node: string): PeerKeys | undefined {
    return this.all(node).find((k) => k.state === "active");
  }

  /**
   * The signing keys accepted from `node`: its active key, and keys being replaced or retired
   * until the end of the next sync (which still receives what was parked with them).
   */
  signers(node: string): string[] {
    return this.all(node)
      .filter((k) => k.state === "active" || k.state === "retiring")
      .map((k) => k.signPublic);
  }

  /** Every key ever trusted for `node`, newest first. */
  all(node: string): PeerKeys[] {
    return (
      this.db.prepare(`SELECT * FROM peer_keys WHERE node = ? ORDER BY since DESC, sign_public`).all(node) as PeerRow[]
    ).map(toPeer);
  }

  /** Every node with active keys (not retiring), by node id: the readers of what is written from now on. */
  active(): PeerKeys[] {
    // One query: sealing a catalogue file asks for every reader.
    return (
      this.db.prepare(`SELECT * FROM peer_keys WHERE state = 'active' ORDER BY node, since DESC, sign_public`).all() as PeerRow[]
    )
      .filter((r, i, rows) => i === 0 || rows[i - 1]?.node !== r.node)
      .map(toPeer);
  }


  /**
   * Trusts `keys` for `node` from now on. Its previous keys are no longer read with, and are
   * accepted for signatures only until the end of the next sync, then revoked.
   */
  vouch(node: string, keys: PublicKeys, at: string): void {
    this.db.transaction(() => {
      this.db.prepare(`UPDATE peer_keys SET state = 'retiring', until = ? WHERE node = ? AND state = 'active'`).run(at, node);
      this.db
        .prepare(
          `INSERT INTO peer_keys (node, sign_public, box_public, state, since, until) VALUES (?, ?, ?, 'active', ?, NULL)
           ON CONFLICT (node, sign_public) DO UPDATE SET box_public = excluded.box_public, state = 'active', since = excluded.since, until = NULL`,
        )
        .run(node, keys.signPublic, keys.boxPublic, at);
    })();
  }

  /**
   * `node` is retired: from now on nothing is written for it, and after the next sync (which
   * still receives what it had parked, see {@link finishRetirements}) nothing it signs is accepted.
   */
  retire(node: string, at: string): void {
    const changed = this.db.prepare(`UPDATE peer_keys SET state = 'retiring', until = ? WHERE node = ? AND state = 'active'`).run(at, node).changes;
    // An agent retired before it was ever enrolled keeps a row, so that it stays retired.
    if (changed === 0 && this.all(node).length === 0) {
      this.db.prepare(`INSERT INTO peer_keys (node, sign_public, box_public, state, since, until) VALUES (?, '', '', 'retired', ?, ?)`).run(node, at, at);
    }
  }

  /** Agents whose retirement waits for the end of a sync. */
  retiring(): string[] {
    return (this.db.prepare(`SELECT DISTINCT node FROM peer_keys WHERE state = 'retiring' ORDER BY node`).all() as Array<{ node: string }>).map((r) => r.node);
  }

  /** Records keys `node` had before (state revoked): an agent PC reads its predecessor's leftovers with them. */
  remember(node: string, signPublic: string, at: string): void {
    this.db
      .prepare(`INSERT OR IGNORE INTO peer_keys (node, sign_public, box_public, state, since, until) VALUES (?, ?, '', 'revoked', ?, ?)`)
      .run(node, signPublic, at, at);
  }

  /**
   * After a sync that received what they had parked: keys being replaced are revoked, those of a
   * retired agent retired for good, but for the agents in `waiting` (whose stream stopped on an
   * upload that could not be read yet): their keys stay retiring, so the file is read once it is
   * readable again.
   */
  finishRetirements(waiting: ReadonlySet<string> = new Set()): void {
    const held = JSON.stringify([...waiting]);
    this.db.transaction(() => {
      this.db
        .prepare(`UPDATE peer_keys SET state = 'revoked' WHERE state = 'retiring' AND node IN (SELECT node FROM peer_keys WHERE state = 'active') AND node NOT IN (SELECT value FROM json_each(?))`)
        .run(held);
      this.db.prepare(`UPDATE peer_keys SET state = 'retired' WHERE state = 'retiring' AND node NOT IN (SELECT value FROM json_each(?))`).run(held);
    })();
  }

  /** Retired, or retiring with no active keys: nothing new is written for it. */
  isRetiring(node: string): boolean {
    const rows = this.all(node);
    return rows.length > 0 && !rows.some((r) => r.state === "active") && rows.some((r) => r.state === "retiring" || r.state === "retired");
  }

  /** Retired for good: no active or retiring keys, and retired ones. */
  isRetired(node: string): boolean {
    const rows = this.all(node);
    return rows.length > 0 && rows.every((r) => r.state !== "active" && r.state !== "retiring") && rows.some((r) => r.state === "retired");
  }
}
