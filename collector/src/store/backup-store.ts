import { join } from 'node:path';
import { request } from 'undici';
import { VigilError } from '../../../shared/errors.js';
import type { BackupProgressFn, BackupResult, RestoreResult } from './backup-types.js';
import type { StoreConfig } from './open-store.js';
import { postgresBackupUnsupported } from './postgres/backup.js';
import { maskUrl } from './postgres/postgres-store.js';
import { backupSqlite } from './sqlite/backup.js';
import { restoreSqlite } from './sqlite/restore.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

/** The file SqliteStore keeps in `dataDir`. */
export const sqliteFileIn = (dataDir: string) => join(dataDir, 'vigil.db');

/**
 * `vigil collector backup`: a consistent copy of the configured store, taken while a collector
 * may be writing to it, without opening the store as a collector does (no migration is run
 * on a live database by a backup).
 */
export async function backupStore(store: StoreConfig, dest: string, onProgress?: BackupProgressFn): Promise<BackupResult> {
  if (store.type === 'postgres') throw postgresBackupUnsupported(maskUrl(store.url));
  return backupSqlite(sqliteFileIn(store.dataDir), dest, onProgress);
}

export interface RestoreStoreOptions {
  force: boolean;
  now: number;
  /** The collector's own address (listen in the config): asked where /proc cannot say who has the database open. */
  collectorUrl?: string;
}

/**
 * `vigil collector restore`: the backup in place of the configured SQLite database (see
 * restoreSqlite for what is refused), then opened once as the collector opens it, so a backup
 * of an older schema is migrated now and a file the collector could not start on is found now.
 */
export async function restoreStore(store: StoreConfig, source: string, opts: RestoreStoreOptions): Promise<RestoreResult & { applied: number[] }> {
  if (store.type === 'postgres') throw postgresBackupUnsupported(maskUrl(store.url), 'restore');
  const url = opts.collectorUrl;
  const restored = await restoreSqlite(sqliteFileIn(store.dataDir), source, {
    force: opts.force,
    now: opts.now,
    ...(url ? { otherwiseCheck: () => refuseIfAnswering(url) } : {}),
  });
  const opened = await SqliteStore.open(store.dataDir);
  const applied = opened.appliedAtOpen;
  await opened.close();
  return { ...restored, schemaVersion: restored.schemaVersion + applied.length, applied };
}

/** A collector answering /healthz at its configured address holds the database. */
async function refuseIfAnswering(base: string): Promise<void> {
  const answered = await request(new URL('/healthz', base), { headersTimeout: 2000, bodyTimeout: 2000 }).then(
    async (r) => {
      await r.body.dump();
      return r.statusCode === 200;
    },
    () => false,
  );
  if (answered) throw new VigilError('STORE_IN_USE', `a collector answers at ${base}: stop it (e.g. systemctl stop vigil-collector), then restore`);
}
