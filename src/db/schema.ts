/**
 * The one SQLite file of a node (DESIGN §1): config, the event log, the projections and,
 * later, shipping state. `SCHEMA_VERSION` is stored in `node_config` as `schema`.
 */
export const DB_SCHEMA_VERSION = 1;

export const LOG_DDL = `
CREATE TABLE IF NOT EXISTS node_config (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS events (
  pos    INTEGER PRIMARY KEY,          -- local append order: replaying by pos reproduces the projections
  id     TEXT NOT NULL,                -- unique: see receivedIdIndex
  origin TEXT NOT NULL,
  seq    INTEGER NOT NULL,
  hlc    TEXT NOT NULL,
  at     TEXT NOT NULL,
  type   TEXT NOT NULL,
  v      INTEGER NOT NULL,
  data   TEXT NOT NULL,
  prev   TEXT NOT NULL,
  hash   TEXT NOT NULL,
  UNIQUE (origin, seq)
) STRICT;

CREATE TRIGGER IF NOT EXISTS events_refuse_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'the event log is append-only: UPDATE of events is refused');
END;

CREATE TRIGGER IF NOT EXISTS events_refuse_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'the event log is append-only: DELETE from events is refused');
END;

-- Received events the domain refuses (DESIGN §7, "Quarantine"): kept in the log, so their
-- origin's hash chain goes on, but never projected and never part of the clock. Rows are only
-- added, as events are.
-- At the sede: agents' orders an agent changed (amended or cancelled) after the sede had received
-- them, decided when the change arrives (a change in the same segment as the order is not one),
-- so the office knows to fix its ERP. Rows are only added.
CREATE TABLE IF NOT EXISTS orders_changed_after_receipt (
  order_id TEXT PRIMARY KEY,           -- the OrderPlaced event id
  event_id TEXT NOT NULL,              -- the first change received after the order
  at       TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS quarantined (
  pos    INTEGER PRIMARY KEY,          -- the event's position in events
  reason TEXT NOT NULL,
  at     TEXT NOT NULL
) STRICT;

`;

/**
 * Event ids are unique in a node's log, enforced in two halves so that recording a local
 * command writes one b-tree page fewer (a sixth of its commit):
 * - this node's own ids strictly increase with its seq (see `SincroNode`), so they cannot repeat;
 * - ids of received events are indexed here, and one that repeats another received event's id
 *   is refused. (A received event could only carry one of this node's own ids if its producer
 *   copied it; it is then stored, and `sincro audit` reports the repeated id.)
 * `node` is the node's own id, checked against NODE_ID before it gets here.
 */
export function receivedIdIndex(node: string): string {
  return `CREATE UNIQUE INDEX IF NOT EXISTS events_received_id ON events (id) WHERE origin <> '${node}';`;
}

/** Read models (DESIGN §5). Dropped and recreated by `rebuild`. */
export const PROJECTION_TABLES = [
  "agents",
  "order_types",
  "products",
  "price_lists",
  "prices",
  "customers",
  "special_prices",
  "orders",
  "order_lines",
  "conflicts",
  "customer_departures",
  "customer_renames",
] as const;

export type ProjectionTable = (typeof PROJECTION_TABLES)[number];

/**
 * Customers that left an agent (moved to another, or renamed): the agent's snapshot tells a PC
 * that may still hold them to drop them, and no code once used is numbered again.
 */
export const DEPARTURES_DDL = `
CREATE TABLE IF NOT EXISTS customer_departures (
  agent      TEXT NOT NULL,
  code       TEXT NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (agent, code, created_by)
) STRICT, WITHOUT ROWID;
`;

/**
 * Every rename of a customer code applied here, so that a customer whose creation is applied
 * after its rename (an office or PC put back from a backup takes its own events back before the
 * other side's) still takes its new code, on rebuild too.
 */
export const RENAMES_DDL = `
CREATE TABLE IF NOT EXISTS customer_renames (
  code       TEXT NOT NULL,
  created_by TEXT NOT NULL,
  new_code   TEXT NOT NULL,
  agent      TEXT,
  event_id   TEXT NOT NULL,
  PRIMARY KEY (code, created_by)
) STRICT, WITHOUT ROWID;
`;

export const PROJECTION_DDL = DEPARTURES_DDL + RENAMES_DDL + `
CREATE TABLE IF NOT EXISTS agents (
  code            TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  order_type      TEXT NOT NULL,
  customer_prefix TEXT NOT NULL,
  customer_digits INTEGER NOT NULL DEFAULT 6,
  event_id        TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS order_types (
  code        TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  agent       TEXT,
  origin      TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS products (
  code        TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  unit        TEXT NOT NULL,
  vat         TEXT NOT NULL,
  active      INTEGER NOT NULL,
  event_id    TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS price_lists (
  code        TEXT PRIMARY KEY,
  description TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS prices (
  list     TEXT NOT NULL,
  product  TEXT NOT NULL,
  price    TEXT NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (list, product)
) STRICT, WITHOUT ROWID;

-- A customer is keyed by code and the node that created it: a duplicate code that reaches the
-- sede is kept beside the first one and reported in conflicts (DESIGN §3), never merged.
CREATE TABLE IF NOT EXISTS customers (
  code       TEXT NOT NULL,
  created_by TEXT NOT NULL,
  name       TEXT NOT NULL,
  agent      TEXT,
  list       TEXT,
  vat_number TEXT,
  city       TEXT,
  event_id   TEXT NOT NULL,
  PRIMARY KEY (code, created_by)
) STRICT, WITHOUT ROWID;

-- Last writer wins by (hlc, origin, event_id); a removal is a tombstone (removed = 1).
CREATE TABLE IF NOT EXISTS special_prices (
  customer  TEXT NOT NULL,
  product   TEXT NOT NULL,
  price     TEXT,
  discounts TEXT NOT NULL,
  removed   INTEGER NOT NULL,
  hlc       TEXT NOT NULL,
  origin    TEXT NOT NULL,
  event_id  TEXT NOT NULL,
  PRIMARY KEY (customer, product)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS orders (
  id       TEXT PRIMARY KEY,            -- the OrderPlaced event id
  type     TEXT NOT NULL,
  number   INTEGER NOT NULL,
  year     INTEGER NOT NULL,
  date     TEXT NOT NULL,
  customer TEXT NOT NULL,
  agent    TEXT,
  origin   TEXT NOT NULL,
  status   TEXT NOT NULL,               -- placed | amended | cancelled
  event_id TEXT NOT NULL                -- the last event that changed it
) STRICT;
CREATE INDEX IF NOT EXISTS orders_by_number ON orders (type, number);

CREATE TABLE IF NOT EXISTS order_lines (
  order_id  TEXT NOT NULL,
  line_no   INTEGER NOT NULL,
  product   TEXT NOT NULL,
  qty       TEXT NOT NULL,
  price     TEXT NOT NULL,
  discounts TEXT NOT NULL,
  PRIMARY KEY (order_id, line_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS conflicts (
  id        INTEGER PRIMARY KEY,
  kind      TEXT NOT NULL,              -- customer-code | order-number | order-type | special-price
  key       TEXT NOT NULL,
  detail    TEXT NOT NULL,
  event_id  TEXT NOT NULL,
  other_id  TEXT,
  winner_id TEXT
) STRICT;
`;
