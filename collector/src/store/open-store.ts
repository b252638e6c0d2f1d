import type { Logger } from '../../../shared/logger.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './types.js';

export type StoreConfig = { type: 'sqlite'; dataDir: string } | { type: 'postgres'; url: string; poolSize?: number };

/** The engine the config names, opened and migrated. */
export async function openStore(c: StoreConfig, logger?: Logger): Promise<Store & { appliedAtOpen: number[] }> {
  if (c.type === 'postgres') return PostgresStore.open({ url: c.url, ...(c.poolSize ? { poolSize: c.poolSize } : {}), ...(logger ? { logger } : {}) });
  return SqliteStore.open(c.dataDir);
}
