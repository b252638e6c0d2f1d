import BetterSqlite3 from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { VigilError } from '../../../../shared/errors.js';
import type { BackupProgressFn, BackupResult } from '../backup-types.js';
import { checkOwnCopy, syncPath } from './db-file.js';
import { SQLITE_MIGRATIONS } from './migrations/index.js';

/** Pages per step when the caller does not say: 1 MiB at the default 4 KiB page, about a millisecond of copying per turn of the event loop. */
const STEP_PAGES = 256;

/** The database file and the two SQLite keeps beside it in WAL mode. */
export const companions = (db: string) => [db, `${db}-wal`, `${db}-shm`];

/**
 * Backs up the live SQLite database at `dbPath` to `dest` while the collector keeps writing.
 *
 * The copy runs on a connection of its own (read-only) inside one read transaction: in WAL
 * mode that is a snapshot, so every step copies pages of the same consistent state however many
 * batches the collector commits meanwhile, and writers are never blocked. Without the open
 * transaction SQLite's backup restarts from the first page whenever another connection writes,
 * and under sustained ingest it never finishes (tried: 3,247 restarts, no end).
 *
 * The copy goes to a temporary file (0600) beside `dest`, is checked (integrity, Vigil schema,
 * a version this collector knows) and only then renamed to `dest`: a file at `dest` is always
 * a whole verified backup; an older one there is replaced only by a good new one.
 */
export async function backupSqlite(dbPath: string, destPath: string, onProgress?: BackupProgressFn): Promise<BackupResult> {
  const started = performance.now();
  const source = resolve(dbPath);
  const dest = resolve(destPath);
  if (companions(source).includes(dest)) throw new VigilError('QUERY_INVALID', `the backup cannot go onto the database itself (${dest}): name another file`);
  if (!existsSync(source)) throw new VigilError('NOT_FOUND', `there is no database at ${source}: check dataDir in the config`);
  const dir = dirname(dest);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new VigilError('NOT_FOUND', `the directory ${dir} does not exist: create it first`);
  if (existsSync(dest) && !statSync(dest).isFile()) throw new VigilError('QUERY_INVALID', `${dest} exists and is not a file`);
  const tmp = `${dest}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  // created 0600 before SQLite opens it; its journal takes the same mode
  writeFileSync(tmp, '', { mode: 0o600, flag: 'wx' });
  try {
    await copySnapshot(source, tmp, onProgress);
    const facts = checkOwnCopy(tmp, SQLITE_MIGRATIONS.length);
    syncPath(tmp);
    renameSync(tmp, dest);
    syncPath(dir);
    return { ...facts, path: dest, source, durationMs: Math.round(performance.now() - started) };
  } catch (e) {
    for (const f of [...companions(tmp), `${tmp}-journal`]) rmSync(f, { force: true });
    throw e;
  }
}

/** The page copy itself, from one read snapshot of `source` into the empty file `tmp`. */
async function copySnapshot(source: string, tmp: string, onProgress: BackupProgressFn | undefined): Promise<void> {
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(source, { readonly: true, fileMustExist: true, timeout: 5000 });
  } catch (e) {
    throw new VigilError('STORE_UNAVAILABLE', `cannot open the database ${source} to back it up: ${(e as Error).message}`, [], { cause: e });
  }
  try {
    db.exec('BEGIN');
    // the first read fixes the snapshot every step copies from; it also tells a Vigil database from another
    try {
      db.prepare('SELECT version FROM schema_version').get();
    } catch (e) {
      throw new VigilError('BACKUP_INVALID', `${source} is not a Vigil database: ${(e as Error).message}`, [], { cause: e });
    }
    await db.backup(tmp, { progress: (p) => onProgress?.(p) ?? STEP_PAGES });
    db.exec('COMMIT');
  } catch (e) {
    if (e instanceof VigilError) throw e;
    throw new VigilError('STORE_UNAVAILABLE', `the backup of ${source} failed: ${(e as Error).message}`, [], { cause: e });
  } finally {
    db.close();
  }
}
