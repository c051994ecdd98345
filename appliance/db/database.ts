// Opens the appliance database: WAL so the admin CLI can work while the server runs (one writer
// at a time, readers never blocked), synchronous=FULL so an answered request survives power loss.
// Every transaction that reads before it writes is BEGIN IMMEDIATE: a deferred one would fail
// (SQLITE_BUSY_SNAPSHOT) instead of waiting when the other process wrote in between.
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { chmodSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { ApplianceError } from '../errors/index.js';
import { migrate } from './schema.js';

export type { Db };
export const DB_FILE = 'appliance.db';

export function openDatabase(dataDir: string): Db {
  const file = join(dataDir, DB_FILE);
  // Escrowed keys and BEEMO_AES live here: owner only. SQLite gives -wal and -shm the same mode.
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // The CLI and the server share the file: wait for the other's write instead of failing.
    db.pragma('busy_timeout = 10000');
    if (!migrate(db)) throw new ApplianceError('DATA_DAMAGED', { path: file, reason: 'the database was written by a newer version of the appliance' });
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
