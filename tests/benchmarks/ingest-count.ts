/**
 * How many check results a collector's store holds, read after the collector has stopped.
 * There is no count in the API yet, so this opens the store itself (read-only for SQLite);
 * it is the one place to switch to the Store API once it has one.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

export type StoreEngine = 'sqlite' | 'postgres';

/** `location`: the SQLite data dir (or its vigil.db), or a postgres:// URL. */
export async function countStoredResults(engine: StoreEngine, location: string): Promise<number> {
  if (engine === 'sqlite') {
    const file = existsSync(location) && statSync(location).isDirectory() ? join(location, 'vigil.db') : location;
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: location, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>('SELECT COUNT(*) AS n FROM results')).rows[0]!.n);
  } finally {
    await client.end();
  }
}
