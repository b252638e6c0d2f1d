import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { tempDir, VIGIL } from '../../helpers/net.js';
import type { Postgres } from '../../helpers/postgres.js';

/** Shared by the PostgreSQL fault files (postgres-start, postgres-outage). */
export const PASSWORD = 's3cret-pw';
/** The URL of `database` on `server` with a password in it (trust auth ignores it; the collector must never print it). */
export const withPassword = (server: Postgres, database: string) => `postgres://vigil:${PASSWORD}@127.0.0.1:${server.port}/${database}`;
export const masked = (port: number, database: string) => `postgres://vigil:***@127.0.0.1:${port}/${database}`;

/** What GET /api/v1/checks and /api/v1/incidents/:id show of a check and of a delivery (the fields read here). */
export type CheckView = { check: string; state: string; lastTs: number | null };
export type DeliveryView = { event: string; channel: string; status: string; attempts: number };

/** Registers the file's hooks (the CLI is built; temp dirs removed afterwards) and returns a maker of temp dirs. */
export function faultFile(): () => string {
  const dirs: Array<ReturnType<typeof tempDir>> = [];
  afterAll(() => {
    for (const d of dirs) d.remove();
  });
  beforeAll(() => {
    expect(existsSync(VIGIL), 'build first: npm run build').toBe(true);
  });
  return () => {
    const d = tempDir();
    dirs.push(d);
    return d.path;
  };
}
