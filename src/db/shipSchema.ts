/** Shipping state in the node's database (DESIGN §4): routing, sealed files, cursors. */
export const SHIP_DDL = `
-- The sync running on this node, if any (one row at most): its process and a token of its own.
CREATE TABLE IF NOT EXISTS sync_lock (
  one     INTEGER PRIMARY KEY CHECK (one = 1),
  pid     INTEGER NOT NULL,
  token   TEXT NOT NULL,
  since   TEXT NOT NULL
) STRICT;

-- Each shipped event's gapless offset in its stream, assigned in the transaction that appends it.
CREATE TABLE IF NOT EXISTS stream_entries (
  stream TEXT NOT NULL,
  offset INTEGER NOT NULL,
  pos    INTEGER NOT NULL,
  PRIMARY KEY (stream, offset)
) STRICT, WITHOUT ROWID;

-- Sealed files of the streams this node produces; the bytes are kept so a retry uploads them again.
CREATE TABLE IF NOT EXISTS outbox_files (
  stream   TEXT NOT NULL,
  kind     TEXT NOT NULL,              -- segment | snapshot
  number   INTEGER NOT NULL,
  first    INTEGER NOT NULL,
  last     INTEGER NOT NULL,
  sha256   TEXT NOT NULL,
  bytes    BLOB,                       -- dropped once pruned from the server
  size     INTEGER NOT NULL,
  sealed   TEXT NOT NULL,
  uploaded TEXT,
  pruned   TEXT,
  PRIMARY KEY (stream, kind, number)
) STRICT, WITHOUT ROWID;

-- What this node has applied of each stream it reads.
CREATE TABLE IF NOT EXISTS inbox_cursors (
  stream      TEXT PRIMARY KEY,
  segment     INTEGER NOT NULL,        -- last segment applied (or covered by the snapshot applied)
  offset      INTEGER NOT NULL,
  sha256      TEXT NOT NULL,           -- hash of that segment: the next one must chain to it
  acked       INTEGER NOT NULL DEFAULT -1,  -- last segment number written in our ack file
  blocked     TEXT,                    -- why the stream is stopped, until resolved
  last_sync   TEXT
) STRICT, WITHOUT ROWID;

-- Snapshots applied here, kept so rebuild and auditors replay snapshot + events.
CREATE TABLE IF NOT EXISTS inbox_snapshots (
  sha256  TEXT PRIMARY KEY,
  stream  TEXT NOT NULL,
  number  INTEGER NOT NULL,
  bytes   BLOB NOT NULL
) STRICT, WITHOUT ROWID;

-- Where numbering continues on a reinstalled agent PC (DESIGN §4.4, README): what the sede
-- already holds from this agent code. kind: seq (value = last seq, text = its hash),
-- segment (value = last segment, text = "offset:sha256"), order (key = type), customer.
CREATE TABLE IF NOT EXISTS numbering_base (
  kind  TEXT NOT NULL,
  key   TEXT NOT NULL,
  value INTEGER NOT NULL,
  text  TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (kind, key)
) STRICT, WITHOUT ROWID;

-- Received events whose HLC was far ahead of this PC's clock (applied, and reported).
CREATE TABLE IF NOT EXISTS clock_skew (
  origin   TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  ahead_ms INTEGER NOT NULL,
  seen     TEXT NOT NULL,
  PRIMARY KEY (origin, seq)
) STRICT, WITHOUT ROWID;

-- What the readers of our streams last acknowledged (read from their ack files).
CREATE TABLE IF NOT EXISTS reader_acks (
  stream  TEXT NOT NULL,
  reader  TEXT NOT NULL,
  segment INTEGER NOT NULL,
  at      TEXT NOT NULL,
  PRIMARY KEY (stream, reader)
) STRICT, WITHOUT ROWID;

-- At the sede, per agent: when a sync of the office last found something new the agent wrote
-- (a segment, a snapshot or an ack that moved), for status ("last heard from").
CREATE TABLE IF NOT EXISTS agent_heard (
  agent TEXT PRIMARY KEY,
  at    TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- This node's own keys (DESIGN §7): Ed25519 to sign what it writes, X25519 to open what is
-- written for it; base64 of the raw 32-byte keys. The file is owner-only (0600).
CREATE TABLE IF NOT EXISTS node_keys (
  one          INTEGER PRIMARY KEY CHECK (one = 1),
  sign_public  TEXT NOT NULL,
  sign_private TEXT NOT NULL,
  box_public   TEXT NOT NULL,
  box_private  TEXT NOT NULL,
  created      TEXT NOT NULL
) STRICT;

-- The public keys this node trusts for other nodes: at an agent, the sede's (from enrollment);
-- at the sede, every agent's it enrolled. One active (or retiring) row per node at most;
-- re-enrolling revokes the previous keys. Retiring an agent marks its keys 'retiring': the next
-- sync still receives what it had parked, then they are 'retired' for good.
CREATE TABLE IF NOT EXISTS peer_keys (
  node        TEXT NOT NULL,
  sign_public TEXT NOT NULL,
  box_public  TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('active', 'retiring', 'revoked', 'retired')),
  since       TEXT NOT NULL,
  until       TEXT,
  PRIMARY KEY (node, sign_public)
) STRICT, WITHOUT ROWID;

-- At the sede: the readers each produced folder's files were last encrypted for (a digest of
-- their keys), so a change of readers (enrollment, retirement) re-encrypts what is on the server.
CREATE TABLE IF NOT EXISTS folder_readers (
  folder  TEXT PRIMARY KEY,
  digest  TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- The doorbell (README, "The doorbell"). At the sede, per agent: the names of its bells in
-- SincroBell ('' none) seen before its folder was last read, and when that was.
CREATE TABLE IF NOT EXISTS bell_heard (
  agent  TEXT PRIMARY KEY,
  names  TEXT NOT NULL,
  read   TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- At an agent (one row at most): the bell names it may have left in SincroBell (JSON array),
-- and whether it wrote into its folder since it last rang (1: it rings at the end of the sync).
CREATE TABLE IF NOT EXISTS bell_rung (
  one    INTEGER PRIMARY KEY CHECK (one = 1),
  names  TEXT NOT NULL,
  owed   INTEGER NOT NULL
) STRICT;

-- Conflicts a person has marked as seen (sincro conflicts --ack). Kept apart from the conflicts
-- projection, which a rebuild replays: a conflict is named by its kind, key and the event that
-- revealed it, which a replay gives again.
CREATE TABLE IF NOT EXISTS conflicts_seen (
  kind     TEXT NOT NULL,
  key      TEXT NOT NULL,
  event_id TEXT NOT NULL,
  seen     TEXT NOT NULL,
  PRIMARY KEY (kind, key, event_id)
) STRICT, WITHOUT ROWID;

-- At an agent: the office's segments it applied (catalogue and its own stream), as received
-- (sealed by the office over path and bytes, encrypted for the office too): a restored
-- office recovers its own events from them (README, "The office PC restored from a backup").
-- Kept recover.keep-days days (default 180).
CREATE TABLE IF NOT EXISTS office_files (
  stream    TEXT NOT NULL,
  number    INTEGER NOT NULL,
  path      TEXT NOT NULL,
  box       BLOB NOT NULL,
  kept      TEXT NOT NULL,
  PRIMARY KEY (stream, number)
) STRICT, WITHOUT ROWID;
`;
