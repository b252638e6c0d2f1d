import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore } from '../../../collector/src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../../collector/src/store/sqlite/sqlite-store.js';
import type { Store } from '../../../collector/src/store/types.js';
import { tempDir } from '../../helpers/net.js';
import { startPostgres, type Postgres } from '../../helpers/postgres.js';

/** One engine under test: fresh empty stores, a second connection to the same data, and a way to cut connections. */
export interface Engine {
  name: 'sqlite' | 'postgres';
  /** A new, empty, migrated store; `open()` again on the same handle opens a second connection to the same data. */
  fresh(): Promise<{ store: Store; open(): Promise<Store>; cut?: (store: Store) => Promise<void>; raw(sql: string): Promise<void> }>;
  close(): Promise<void>;
}

export function sqliteEngine(): Engine {
  const dirs: Array<ReturnType<typeof tempDir>> = [];
  const opened: Store[] = [];
  return {
    name: 'sqlite',
    async fresh() {
      const dir = tempDir();
      dirs.push(dir);
      const open = async () => {
        const s = await SqliteStore.open(dir.path);
        opened.push(s);
        return s;
      };
      // SQL straight to the file, past the Store (what a local user with the file could try)
      const raw = async (sql: string) => {
        const db = new BetterSqlite3(join(dir.path, 'vigil.db'));
        try {
          db.exec(sql);
        } finally {
          db.close();
        }
      };
      return { store: await open(), open, raw };
    },
    async close() {
      await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
      for (const d of dirs) d.remove();
    },
  };
}

/** A real PostgreSQL started for the file; each `fresh()` is a new database on it. */
export function postgresEngine(): Engine {
  let server0: Postgres | undefined;
  const opened: Store[] = [];
  return {
    name: 'postgres',
    async fresh() {
      server0 ??= await startPostgres();
      const url = await server0.createDatabase();
      const open = async () => {
        const s = await PostgresStore.open({ url, poolSize: 4 });
        opened.push(s);
        return s;
      };
      const server = server0;
      // ends every connection of this database from the server side, as a lost network or a restart would
      const cut = async () => {
        const c = await server.connect();
        try {
          await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
            new URL(url).pathname.slice(1),
          ]);
        } finally {
          await c.end();
        }
      };
      const raw = async (sql: string) => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          await c.query(sql);
        } finally {
          await c.end();
        }
      };
      return { store: await open(), open, cut, raw };
    },
    async close() {
      await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
      await server0?.stop();
    },
  };
}
