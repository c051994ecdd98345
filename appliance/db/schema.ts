// The appliance database's schema and forward migrations. PRAGMA user_version counts the
// migrations that ran; a database newer than this code is refused (unlike the engine's catalog,
// this database is the truth for tokens, machines, escrowed keys and deletions: never rebuilt).
import type { Database } from 'better-sqlite3';

/**
 * Migration i brings the database from version i to i + 1. Never edit a released migration.
 *
 * Why the shapes:
 * - times are INTEGER milliseconds of the appliance clock; events keep the machine's own ISO text.
 * - machines.used_bytes: the quota counter (bytes of visible objects), kept in the same
 *   transactions as the objects rows, so an upload never sums 100 000 rows.
 * - objects WITHOUT ROWID keyed (machine, kind, name): a list page is a range scan in name order.
 * - deletions: one open request per object at most (partial unique index); applied and
 *   cancelled ones stay as history. 'applying' marks a request whose bytes are being removed, so an
 *   upload of the same object from another process waits instead of racing the removal.
 * - events: a machine may send a second event with a seq already stored (a break, or a rewritten
 *   log): seq is not unique, so events carry their own id in arrival order.
 * - alerts.open: one open alert per (type, machine) for conditions (silence, quota, lockout);
 *   delivery is per alert, with the sinks already served in delivered_to.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    secret_hash BLOB NOT NULL,
    created     INTEGER NOT NULL,
    expires     INTEGER NOT NULL,
    used_at     INTEGER,
    machine_id  TEXT,
    revoked_at  INTEGER,
    note        TEXT
  );
  CREATE TABLE machines (
    id                TEXT PRIMARY KEY,
    host              TEXT NOT NULL,
    user              TEXT NOT NULL,
    enrolled          INTEGER NOT NULL,
    token_id          TEXT NOT NULL,
    cert_fingerprint  TEXT NOT NULL UNIQUE,
    cert_expires      INTEGER NOT NULL,
    revoked_at        INTEGER,
    repo_id           TEXT NOT NULL,
    escrow            TEXT NOT NULL,
    beemo_aes         BLOB NOT NULL,
    quota_bytes       INTEGER,
    max_silence_hours REAL NOT NULL,
    used_bytes        INTEGER NOT NULL DEFAULT 0,
    last_seen         INTEGER,
    last_status       TEXT,
    last_config       TEXT,
    event_seq         INTEGER NOT NULL DEFAULT 0,
    event_hash        TEXT NOT NULL DEFAULT '${'0'.repeat(64)}'
  );
  CREATE INDEX machines_user ON machines(user, enrolled);
  CREATE TABLE accounts (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('user', 'admin')),
    machine_id   TEXT UNIQUE REFERENCES machines(id),
    auth_salt    BLOB NOT NULL,
    auth_hash    BLOB NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    lock_count   INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER
  );
  CREATE TABLE admin_keys (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    appliance_id TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    private_key  TEXT NOT NULL
  );
  CREATE TABLE sessions (
    hash       BLOB PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('user', 'admin')),
    machine_id TEXT,
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL
  );
  CREATE INDEX sessions_expires ON sessions(expires);
  CREATE TABLE objects (
    machine_id       TEXT NOT NULL,
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    size             INTEGER NOT NULL,
    created          INTEGER NOT NULL,
    pending_deletion INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (machine_id, kind, name)
  ) WITHOUT ROWID;
  CREATE TABLE deletions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    machine_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    requested   INTEGER NOT NULL,
    apply_after INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'applying', 'applied', 'cancelled')),
    by          TEXT NOT NULL,
    decided     INTEGER,
    decided_by  TEXT
  );
  CREATE INDEX deletions_due ON deletions(state, apply_after);
  CREATE UNIQUE INDEX deletions_one_pending ON deletions(machine_id, kind, name) WHERE state IN ('pending', 'applying');
  CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    machine_id TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    time       TEXT NOT NULL,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL,
    prev       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    chain_ok   INTEGER NOT NULL,
    received   INTEGER NOT NULL
  );
  CREATE INDEX events_machine ON events(machine_id, seq, hash);
  CREATE TABLE alerts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    time         INTEGER NOT NULL,
    type         TEXT NOT NULL,
    machine_id   TEXT,
    message      TEXT NOT NULL,
    open         INTEGER NOT NULL,
    closed_at    INTEGER,
    delivery     TEXT NOT NULL CHECK (delivery IN ('pending', 'delivered', 'none')),
    delivered_to TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    next_attempt INTEGER NOT NULL
  );
  CREATE INDEX alerts_open ON alerts(type, machine_id) WHERE open = 1;
  CREATE INDEX alerts_delivery ON alerts(delivery, next_attempt);
  CREATE TABLE log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    machine_id TEXT,
    detail     TEXT NOT NULL
  );
  CREATE INDEX log_machine ON log(machine_id, id);
  `,
  // 2: fleet tokens (issue 8): one token enrolls up to max_uses machines (an MSI command line or a
  // policy for a whole wave); used_at and machine_id name the last use.
  `
  ALTER TABLE tokens ADD COLUMN max_uses INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE tokens ADD COLUMN uses INTEGER NOT NULL DEFAULT 0;
  UPDATE tokens SET uses = 1 WHERE used_at IS NOT NULL;
  `,
  // 3: restore passwords set after enrollment (issue 8): a silent enrollment's password is random
  // and forgotten (password_set = 0) until the machine sets the user's first one.
  `
  ALTER TABLE accounts ADD COLUMN password_set INTEGER NOT NULL DEFAULT 1;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Runs the migrations this database has not seen; returns false when it is newer than this code. */
export function migrate(db: Database): boolean {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) return false;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return true;
}
