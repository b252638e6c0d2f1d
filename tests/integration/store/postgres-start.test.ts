/**
 * The collector on a real PostgreSQL that is not there at start, and `vigil collector migrate`.
 * The collector runs as production runs it: `vigil collector run`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATIONS } from '../../../collector/src/store/postgres/migrations/index.js';
import { freePort } from '../../helpers/net.js';
import { startPostgres, type Postgres } from '../../helpers/postgres.js';
import { cleanEnv, runVigil } from './collector-process.js';
import { faultFile, masked, PASSWORD, withPassword } from './fault-kit.js';

const newDir = faultFile();

describe('PostgreSQL unreachable at start', () => {
  let server: Postgres;
  beforeAll(async () => {
    server = await startPostgres({ maxConnections: 20 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const expectRefused = (r: Awaited<ReturnType<typeof runVigil>>, port: number) => {
    const all = r.stdout + r.stderr;
    expect(r.code, all).toBe(2);
    expect(r.stderr).toContain('VIGIL_ERR_STORE_UNAVAILABLE');
    expect(r.stderr).toContain(masked(port, 'vigil'));
    expect(all).not.toContain(PASSWORD);
  };

  it('`collector run` with store.url naming a port nobody listens on exits 2 with the URL masked', async () => {
    const port = await freePort();
    const dir = newDir();
    writeFileSync(
      `${dir}/collector.yaml`,
      [
        'listen: { host: 127.0.0.1, port: 0 }',
        'dataDir: ./data',
        'log: { level: warn }',
        `store: { type: postgres, url: "postgres://vigil:${PASSWORD}@127.0.0.1:${port}/vigil" }`,
      ].join('\n'),
    );
    const r = await runVigil(['collector', 'run', '-c', `${dir}/collector.yaml`], cleanEnv());
    expectRefused(r, port);
    // it did not fall back to the embedded store
    expect(existsSync(`${dir}/data`)).toBe(false);
  });

  it('`collector run` with VIGIL_STORE_URL naming a port nobody listens on exits 2 with the URL masked', async () => {
    const port = await freePort();
    const dir = newDir();
    writeFileSync(`${dir}/collector.yaml`, ['listen: { host: 127.0.0.1, port: 0 }', 'dataDir: ./data', 'log: { level: warn }'].join('\n'));
    const r = await runVigil(
      ['collector', 'run', '-c', `${dir}/collector.yaml`],
      cleanEnv({ VIGIL_STORE_URL: `postgres://vigil:${PASSWORD}@127.0.0.1:${port}/vigil` }),
    );
    expectRefused(r, port);
    expect(existsSync(`${dir}/data`)).toBe(false);
  });

  it('`collector migrate` applies the schema to a fresh database once, then says it is up to date', async () => {
    const db = 'faults_migrate';
    await server.createDatabase(db);
    const dir = newDir();
    writeFileSync(`${dir}/collector.yaml`, ['dataDir: ./data', `store: { type: postgres, url: "${withPassword(server, db)}" }`].join('\n'));
    const version = POSTGRES_MIGRATIONS.length;
    const all = Array.from({ length: version }, (_, i) => i + 1).join(', ');

    const first = await runVigil(['collector', 'migrate', '-c', `${dir}/collector.yaml`], cleanEnv());
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toBe(`postgres ${masked(server.port, db)}: schema version ${version} (applied ${all})\n`);

    const c = await server.connect(db);
    try {
      const schema = async () => ({
        versions: (await c.query('SELECT version FROM schema_version')).rows.map((r) => r.version),
        tables: (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows.map((r) => r.tablename),
      });
      const after = await schema();
      expect(after.versions).toEqual([version]);
      expect(after.tables).toEqual(expect.arrayContaining(['agents', 'batches', 'results', 'incidents', 'deliveries', 'schema_version']));

      const second = await runVigil(['collector', 'migrate', '-c', `${dir}/collector.yaml`], cleanEnv());
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(second.stdout).toBe(`postgres ${masked(server.port, db)}: schema version ${version} (up to date)\n`);
      expect(await schema()).toEqual(after);
      expect(first.stdout + first.stderr + second.stdout + second.stderr).not.toContain(PASSWORD);
    } finally {
      await c.end();
    }
  });
});
