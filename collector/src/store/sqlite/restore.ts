import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { VigilError } from '../../../../shared/errors.js';
import type { RestoreResult } from '../backup-types.js';
import { companions } from './backup.js';
import { checkOwnCopy, readHeader, syncPath } from './db-file.js';
import { processesHolding } from './holders.js';
import { SQLITE_MIGRATIONS } from './migrations/index.js';

export interface RestoreOptions {
  /** Replace a database that exists (it is kept aside, never deleted). */
  force: boolean;
  /** The moment that names the kept database (`<db>.before-restore-<time>`). */
  now: number;
  /**
   * Where /proc cannot say whether a collector has the database open (not Linux): the caller's
   * own check (the config's listen address answering), which throws when one runs.
   */
  otherwiseCheck?: () => Promise<void>;
}

/** `2026-10-02T03:15:00.000Z` → `20261002T031500Z`: sorts by time, no characters a shell or Windows share minds. */
const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/**
 * Puts the backup `sourcePath` in place as the database `dbPath`. Refuses while any process
 * has the database open (a collector: two writers on one file that is swapped under one of
 * them is how databases get lost), when a database is there and `force` is not given, and any
 * file that is not a whole Vigil database of a schema version this collector knows. The
 * backup itself is never changed: a copy of it is checked and renamed into place. The database
 * it replaces (with its -wal) is renamed to `<db>.before-restore-<time>`, not deleted.
 */
export async function restoreSqlite(dbPath: string, sourcePath: string, opts: RestoreOptions): Promise<RestoreResult> {
  const db = resolve(dbPath);
  const source = resolve(sourcePath);
  if (!existsSync(source) || !statSync(source).isFile()) throw new VigilError('NOT_FOUND', `there is no backup file at ${source}`);
  if (companions(db).includes(source)) throw new VigilError('QUERY_INVALID', `${source} is the database itself: name a backup file`);
  await refuseWhileHeld(db, opts);
  const present = companions(db).filter((f) => existsSync(f));
  if (existsSync(db) && !opts.force)
    throw new VigilError('CONFLICT', `${db} exists: add --force to replace it (it is kept as ${db}.before-restore-<time>, not deleted)`);
  // refused before anything is copied: what is not a database, or a cut-off copy
  readHeader(source);
  const dir = dirname(db);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const copy = `${db}.restoring-${process.pid}`;
  rmSync(copy, { force: true });
  try {
    copyFileSync(source, copy);
    chmodSync(copy, 0o600);
    const facts = checkOwnCopy(copy, SQLITE_MIGRATIONS.length);
    syncPath(copy);
    // an old -wal left beside the new file would be replayed into it: it goes aside with its database
    const keptAs = present.length > 0 ? `${db}.before-restore-${stamp(opts.now)}` : undefined;
    if (keptAs) {
      if (existsSync(keptAs)) throw new VigilError('CONFLICT', `${keptAs} exists already: move it away and try again`);
      for (const f of present) renameSync(f, keptAs + f.slice(db.length));
    }
    renameSync(copy, db);
    syncPath(dir);
    return { ...facts, path: db, ...(keptAs ? { keptAs } : {}) };
  } catch (e) {
    rmSync(copy, { force: true });
    rmSync(`${copy}-journal`, { force: true });
    throw e;
  }
}

async function refuseWhileHeld(db: string, opts: RestoreOptions): Promise<void> {
  const holders = processesHolding(companions(db));
  if (holders === undefined) return opts.otherwiseCheck?.();
  if (holders.length === 0) return;
  const who = holders.map((h) => `pid ${h.pid} (${h.command})`).join(', ');
  throw new VigilError('STORE_IN_USE', `${db} is open in ${who}: stop the collector (e.g. systemctl stop vigil-collector), then restore`);
}
