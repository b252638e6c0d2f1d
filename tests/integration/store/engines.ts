import { PostgresStore } from '../../../collector/src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../../collector/src/store/sqlite/sqlite-store.js';
import type { Store } from '../../../collector/src/store/types.js';
import { tempDir } from '../../helpers/net.js';
import { startPostgres, type Postgres } from '../../helpers/postgres.js';

/** One engine under test: fresh empty stores, a second connection to the same data, and a way to cut connections. */
export interface Engine {
  name: 'sqlite' | 'postgres';
  /** A new, empty, migrated store; `open()` again on the same handle opens a second connection to the same data. */
  fresh(): Promise<{ store: Store; open(): Promise<Store>; cut?: (store: Store) => Promise<void> }>;
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
      return { store: await open(), open };
    },
    async close() {
      await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
      for (const d of dirs) d.remove();
    },
  };
}

/** A real PostgreSQL started for the file; each `fresh()` is a new database on it. */
export function postgresEngine(): Engine {
  let pg: Postgres | undefined;
  const opened: Store[] = [];
  return {
    name: 'postgres',
    async fresh() {
      pg ??= await startPostgres();
      const url = await pg.createDatabase();
      const open = async () => {
        const s = await PostgresStore.open({ url, poolSize: 4 });
        opened.push(s);
        return s;
      };
      const server = pg;
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
      return { store: await open(), open, cut };
    },
    async close() {
      await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
      await pg?.stop();
    },
  };
}
