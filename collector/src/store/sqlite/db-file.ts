import BetterSqlite3 from 'better-sqlite3';
import { closeSync, fsyncSync, openSync, readSync, statSync } from 'node:fs';
import { VigilError } from '../../../../shared/errors.js';
import type { DatabaseFacts } from '../backup-types.js';

const MAGIC = 'SQLite format 3\0';
/** Tables every Vigil database has had since the first release: a SQLite file without them is someone else's. */
const VIGIL_TABLES = ['schema_version', 'agents', 'checks', 'results', 'transitions', 'incidents', 'settings'];
/** At most this many lines of a failed integrity check go into the message. */
const MAX_PROBLEMS = 5;

const invalid = (path: string, why: string, cause?: unknown) =>
  new VigilError('BACKUP_INVALID', `${path} ${why}`, [], cause === undefined ? undefined : { cause });

/**
 * The 100-byte SQLite header, read without SQLite: what is not a SQLite file, or is shorter
 * than its header says (a copy cut off by a full disk or an interrupted transfer), is refused
 * here with a message that says which, before any SQLite error text could blur it.
 */
export function readHeader(path: string): { pageSize: number; pages: number; bytes: number } {
  const bytes = statSync(path).size;
  if (bytes < 100) throw invalid(path, `is not a SQLite database (${bytes} bytes; a database has at least a 100-byte header)`);
  const head = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1', 0, 16) !== MAGIC) throw invalid(path, 'is not a SQLite database (its first bytes are not "SQLite format 3")');
  const raw = head.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw invalid(path, `has a damaged header (page size ${raw})`);
  // the page count at offset 28 counts only when the change counter (24) matches "version valid for" (92)
  const counted = head.readUInt32BE(24) === head.readUInt32BE(92) ? head.readUInt32BE(28) : 0;
  const pages = counted > 0 ? counted : Math.floor(bytes / pageSize);
  if (bytes < pages * pageSize || bytes % pageSize !== 0)
    throw invalid(path, `is truncated: its header says ${pages} pages of ${pageSize} bytes (${pages * pageSize} bytes), the file has ${bytes}`);
  return { pageSize, pages, bytes };
}

/**
 * Opens a copy that is this process's own (a backup being made, a file being restored) and
 * refuses it unless it is a whole Vigil database this collector can run: SQLite header,
 * `PRAGMA integrity_check`, Vigil's tables, a schema version not newer than `knownVersion`.
 * Leaves it as one self-contained file (rollback journal mode, no -wal beside it).
 */
export function checkOwnCopy(path: string, knownVersion: number): DatabaseFacts {
  const header = readHeader(path);
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(path, { fileMustExist: true });
    // a backup of a WAL database says "WAL" in its header; as a file on its own it needs no -wal
    db.pragma('journal_mode = DELETE');
    const problems = (db.pragma(`integrity_check(${MAX_PROBLEMS})`) as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    if (problems.length !== 1 || problems[0] !== 'ok') throw invalid(path, `fails SQLite's integrity check: ${problems.join('; ')}`);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
    const missing = VIGIL_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) throw invalid(path, `is a SQLite database but not a Vigil one (no ${missing.join(', ')} table${missing.length === 1 ? '' : 's'})`);
    const rows = db.prepare('SELECT version FROM schema_version').all() as Array<{ version: unknown }>;
    const version = rows.length === 1 ? rows[0]!.version : undefined;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
      throw invalid(path, 'has no valid schema version (schema_version must hold one row)');
    if (version > knownVersion)
      throw new VigilError(
        'STORE_SCHEMA',
        `${path} has schema version ${version}; this collector knows ${knownVersion}. Restore it with the collector version that made it, or a newer one.`,
      );
    const last = db.prepare('SELECT ts FROM results ORDER BY rowid DESC LIMIT 1').get() as { ts: number } | undefined;
    const pages = (db.pragma('page_count', { simple: true }) as number) ?? header.pages;
    return { schemaVersion: version, pages, bytes: statSync(path).size, lastResultAt: last?.ts ?? null };
  } catch (e) {
    if (e instanceof VigilError) throw e;
    // SQLITE_NOTADB, SQLITE_CORRUPT and the like: a damaged file, not a fault of this collector
    throw invalid(path, `cannot be read as a SQLite database: ${(e as Error).message}`, e);
  } finally {
    db?.close();
  }
}

/** Flushes a file (or a directory's entries, after a rename) to disk. */
export function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
