import { startPostgres, type Postgres } from './postgres.js';

/**
 * The e2e suites run once on the embedded SQLite store and once (`VIGIL_E2E_STORE=postgres`,
 * set by `npm run test:all`) with the collector on a real PostgreSQL started here. The
 * collector picks it up from VIGIL_STORE_URL, as an operator would set it.
 */
export async function e2eStore(): Promise<{ name: 'sqlite' | 'postgres'; env: Record<string, string>; stop(): Promise<void> }> {
  if (process.env.VIGIL_E2E_STORE !== 'postgres') return { name: 'sqlite', env: {}, stop: async () => undefined };
  const pg: Postgres = await startPostgres();
  const url = await pg.createDatabase();
  return { name: 'postgres', env: { VIGIL_STORE_URL: url }, stop: () => pg.stop() };
}
