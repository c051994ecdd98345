// Turns SQLite failures into HavreError. The catalog is only a cache of the repository, so the
// way out of a damaged or unreadable one is to rebuild it, and the message says so.
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { HavreError, isHavreError, localFailure } from '../errors/index.js';


// Result codes that mean "this file cannot serve as a catalog"; extended codes share the prefix.
const DAMAGED = ['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_READONLY'];

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A full disk or a folder Havre may not write is not a damaged catalog: rebuilding it would not
 * help. SQLite does not say which (SQLITE_CANTOPEN, SQLITE_READONLY), so the folder is asked.
 */
function localCause(file: string, e: unknown): HavreError | null {
  const direct = localFailure(e, dirname(file));
  if (direct) return direct;
  if (e instanceof Database.SqliteError && (e.code === 'SQLITE_FULL' || e.code.startsWith('SQLITE_FULL_'))) return new HavreError('LOCAL_DISK_FULL', { path: dirname(file) }, { cause: e });
  for (const p of [dirname(file), file]) {
    try {
      accessSync(p, constants.W_OK);
    } catch (err) {
      const refused = localFailure(err, p);
      if (refused) return refused;
    }
  }
  return null;
}

/** Any failure while opening: the file is unusable as it is. */
export function openFailure(file: string, e: unknown): HavreError {
  if (isHavreError(e)) return e;
  return localCause(file, e) ?? new HavreError('CATALOG_DAMAGED', { file, reason: message(e) }, { cause: e });
}

/**
 * A failure during use. SQLite errors become HavreError (with the repair advice when the file is
 * damaged); anything else is a programming error and is thrown as it is.
 */
export function useFailure(file: string, e: unknown): unknown {
  if (!(e instanceof Database.SqliteError)) return e;
  if (e.code === 'SQLITE_BUSY' || e.code.startsWith('SQLITE_BUSY_')) {
    return new HavreError('LOCKED', { holder: `another process has the catalog ${file} open for writing` }, { cause: e });
  }
  const local = localCause(file, e);
  if (local) return local;
  const damaged = DAMAGED.some((c) => e.code === c || e.code.startsWith(`${c}_`));
  if (damaged) return new HavreError('CATALOG_DAMAGED', { file, reason: `${e.message} [${e.code}]` }, { cause: e });
  return new HavreError('INTERNAL', { reason: `catalog ${file}: ${e.message} [${e.code}]` }, { cause: e });
}
