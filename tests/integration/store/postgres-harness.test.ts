import { execFileSync, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/net.js';
import { postgresAvailable, startPostgres, type Postgres } from '../../helpers/postgres.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The postmaster's children: its backends and background workers. */
const clusterPids = (postmaster: number) => {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' }).trim();
  return out ? out.split(/\s+/).map(Number) : [];
};
const count = async (url: string) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>('SELECT COUNT(*) AS n FROM marks')).rows[0]!.n);
  } finally {
    await c.end();
  }
};

describe('tests/helpers/postgres: a real PostgreSQL 15 on loopback', () => {
  let server: Postgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('finds the binaries that install/test-peers.sh installs', () => {
    expect(postgresAvailable()).toBe(true);
  });

  it('answers SELECT 1 through pg as the vigil superuser, not as root', async () => {
    expect(server.url).toBe(`postgres://vigil@127.0.0.1:${server.port}/postgres`);
    const c = await server.connect();
    try {
      const r = await c.query<{ one: number; who: string; fsync: string; max: string }>(
        "SELECT 1 AS one, current_user AS who, current_setting('fsync') AS fsync, current_setting('max_connections') AS max",
      );
      expect(r.rows[0]).toEqual({ one: 1, who: 'vigil', fsync: 'off', max: '200' });
    } finally {
      await c.end();
    }
    if (process.getuid?.() === 0) {
      const user = execFileSync('ps', ['-o', 'user=', '-p', String(server.pid())], { encoding: 'utf8' }).trim();
      expect(user).toBe('postgres');
    }
  });

  it('gives each test a fresh database and rejects a name that is not an identifier', async () => {
    const a = await server.createDatabase();
    const b = await server.createDatabase('harness_b');
    expect(a).not.toBe(b);
    expect(b).toBe(`postgres://vigil@127.0.0.1:${server.port}/harness_b`);
    for (const url of [a, b]) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query('CREATE TABLE marks (n INTEGER)');
      await c.end();
    }
    await expect(server.createDatabase('x"; DROP DATABASE postgres; --')).rejects.toThrow(/database name/);
  });

  it('keeps committed data over a restart (same port, same data dir)', async () => {
    const url = await server.createDatabase('harness_restart');
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('CREATE TABLE marks (n INTEGER)');
    await c.query('INSERT INTO marks SELECT generate_series(1, 500)');
    await c.end();
    const before = server.pid();
    await server.restart();
    expect(server.pid()).toBeDefined();
    expect(server.pid()).not.toBe(before);
    expect(await count(url)).toBe(500);
  });

  it('kill() crashes the server for real, and a restart recovers the committed rows', async () => {
    const url = await server.createDatabase('harness_crash');
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('CREATE TABLE marks (n INTEGER)');
    await c.query('INSERT INTO marks SELECT generate_series(1, 42)');
    c.on('error', () => {}); // the crash ends this connection
    const postmaster = server.pid()!;
    const backends = clusterPids(postmaster);
    expect(backends.length).toBeGreaterThan(0);
    await server.kill();
    expect(alive(postmaster)).toBe(false);
    expect(server.pid()).toBeUndefined();
    // the backends notice their postmaster is gone and exit too
    await waitFor(() => backends.every((p) => !alive(p)) || undefined, 'backends of the killed server to exit');
    await expect(count(url)).rejects.toThrow();
    await server.restart();
    expect(await count(url)).toBe(42);
  });

  it('stop() leaves no process and no temp dir behind', async () => {
    const other = await startPostgres({ maxConnections: 20 });
    const pid = other.pid()!;
    const backends = clusterPids(pid);
    expect(alive(pid)).toBe(true);
    expect(existsSync(other.dir)).toBe(true);
    await other.stop();
    expect(alive(pid)).toBe(false);
    expect(backends.filter(alive)).toEqual([]);
    expect(existsSync(other.dir)).toBe(false);
    await other.stop(); // idempotent
  });

  it('a server whose test process dies by SIGKILL does not outlive it', async () => {
    // a child node process starts a server and is killed without any cleanup
    const script = `
      import { startPostgres } from ${JSON.stringify(new URL('../../helpers/postgres.ts', import.meta.url).pathname)};
      const s = await startPostgres({ maxConnections: 10 });
      process.stdout.write(JSON.stringify({ pid: s.pid(), dir: s.dir }) + '\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const info = await waitFor(
      () => (out.includes('\n') ? (JSON.parse(out) as { pid: number; dir: string }) : undefined),
      'the child to start its server',
      60_000,
    );
    try {
      expect(alive(info.pid)).toBe(true);
      child.kill('SIGKILL');
      await waitFor(() => !alive(info.pid) || undefined, 'the orphaned postmaster to die', 20_000);
    } finally {
      if (alive(info.pid)) process.kill(info.pid, 'SIGKILL'); // this test failed: still leave nothing running
      rmSync(info.dir, { recursive: true, force: true }); // the one thing only a live process could remove
    }
  });
});
