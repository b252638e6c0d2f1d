import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres, type Postgres } from './postgres.js';

/**
 * The e2e suites run once on the embedded SQLite store and once (`VIGIL_E2E_STORE=postgres`,
 * set by `npm run test:all`) with the collector on a real PostgreSQL started here. The
 * collector picks it up from VIGIL_STORE_URL, as an operator would set it. `agents()` reads
 * the store the collector really used, so a run can prove where its data went.
 */
export async function e2eStore(
  dataDir: string,
): Promise<{ name: 'sqlite' | 'postgres'; env: Record<string, string>; agents(): Promise<number>; stop(): Promise<void> }> {
  if (process.env.VIGIL_E2E_STORE !== 'postgres') {
    return {
      name: 'sqlite',
      env: {},
      stop: async () => undefined,
      async agents() {
        const db = new BetterSqlite3(join(dataDir, 'vigil.db'), { readonly: true });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM agents').get() as { n: number }).n;
        } finally {
          db.close();
        }
      },
    };
  }
  const server: Postgres = await startPostgres();
  const url = await server.createDatabase();
  return {
    name: 'postgres',
    env: { VIGIL_STORE_URL: url },
    stop: () => server.stop(),
    async agents() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return Number((await c.query<{ n: string }>('SELECT COUNT(*) AS n FROM agents')).rows[0]!.n);
      } finally {
        await c.end();
      }
    },
  };
}
