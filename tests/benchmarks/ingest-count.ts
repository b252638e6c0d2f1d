/**
 * How many check results a collector's store holds, read through the Store contract after
 * the collector has stopped (the same code the collector uses, so the count check trusts no
 * second reading of the schema).
 */
import { openStore } from '../../collector/src/store/open-store.js';

export type StoreEngine = 'sqlite' | 'postgres';

/** `location`: the SQLite data dir, or a postgres:// URL. */
export async function countStoredResults(engine: StoreEngine, location: string): Promise<number> {
  const store = await openStore(engine === 'sqlite' ? { type: 'sqlite', dataDir: location } : { type: 'postgres', url: location, poolSize: 1 });
  try {
    return await store.checks.countResults();
  } finally {
    await store.close();
  }
}
