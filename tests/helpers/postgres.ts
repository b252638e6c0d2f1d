/**
 * A real PostgreSQL 15 for tests (PEERS.md): initdb + postgres in a fresh temp dir on a free
 * 127.0.0.1 port. PostgreSQL refuses to run as root, so when we are root both run as the
 * `postgres` system user. Every server is also started under `setpriv --pdeathsig KILL`
 * (it execs, so the pid is the postmaster's): if the test process dies without cleaning up,
 * even by SIGKILL, the kernel kills the postmaster and its backends follow — no server
 * outlives its test. A normal exit is covered by a process 'exit' hook as well.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, tempDir, waitFor } from './net.js';

export const POSTGRES_BIN_DIR = '/usr/lib/postgresql/15/bin';
const bin = (name: string) => join(POSTGRES_BIN_DIR, name);
const SETPRIV = '/usr/bin/setpriv';

export interface PostgresOptions {
  /** `fsync` on or off; off (the default) where a test does not measure durability. */
  fsync?: boolean;
  /** `max_connections`; default 200 (a pool per test file adds up). */
  maxConnections?: number;
  /** Further `-c name=value` server settings. */
  settings?: Record<string, string | number>;
  /** How long to wait for initdb and for the server to accept connections; default 60 s. */
  timeoutMs?: number;
}

export interface Postgres {
  /** `postgres://vigil@127.0.0.1:PORT/postgres` (superuser `vigil`, trust auth, loopback only). */
  url: string;
  port: number;
  /** The temp dir: cluster in `DIR/pg`, unix socket in `DIR`. */
  dir: string;
  /** The postmaster's pid while it runs. */
  pid(): number | undefined;
  /** The server's recent log lines, for error messages. */
  output(): string;
  /** The URL of `database` on this server. */
  urlOf(database: string): string;
  /** CREATE DATABASE (a fresh one per test); a unique name when none is given. Returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** A connected `pg` client (the caller ends it); database `postgres` unless told. */
  connect(database?: string): Promise<pg.Client>;
  /** Fast shutdown (SIGINT), wait for the exit, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** A crash: SIGKILL to the postmaster; resolves once it has exited. The data dir stays. */
  kill(): Promise<void>;
  /** Stops the server if it runs and starts it again on the same data dir and port. */
  restart(): Promise<void>;
}

/** Whether PostgreSQL 15's server binaries are installed (install/test-peers.sh installs them). */
export function postgresAvailable(): boolean {
  return ['initdb', 'postgres', 'pg_isready'].every((b) => existsSync(bin(b)));
}

/** uid/gid of the `postgres` system user from /etc/passwd; only needed (and used) when we are root. */
function postgresIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined)
    throw new Error('PostgreSQL refuses to run as root and there is no `postgres` user: install the postgresql package (install/test-peers.sh)');
  return { uid: Number(uid), gid: Number(gid) };
}

interface Proc {
  child: ChildProcess;
  exited: Promise<number | null>;
}

const isRunning = (c: ChildProcess | undefined): c is ChildProcess => !!c && c.exitCode === null && c.signalCode === null;

const pgIsReady = (port: number) =>
  new Promise<boolean>((resolve) => {
    execFile(bin('pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'vigil', '-d', 'postgres', '-t', '2'], { timeout: 5000 }, (err) => resolve(!err));
  });

/** Starts a real PostgreSQL 15 in a fresh temp dir on a free loopback port; resolves once `pg_isready` says so. */
export async function startPostgres(opts: PostgresOptions = {}): Promise<Postgres> {
  if (!postgresAvailable()) throw new Error(`PostgreSQL 15 is not installed (${POSTGRES_BIN_DIR}): run install/test-peers.sh`);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const ids = postgresIds();
  const tmp = tempDir();
  chmodSync(tmp.path, 0o777); // initdb and postgres run as `postgres` and write here
  const pgdata = join(tmp.path, 'pg');
  const port = await freePort();
  let log = '';
  let current: Proc | undefined;
  let removed = false;

  const run = (name: string, args: string[]): Proc => {
    const [cmd, argv] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', bin(name), ...args]] : [bin(name), args];
    const child = spawn(cmd, argv, {
      cwd: tmp.path,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(ids ?? {}),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
    });
    const keep = (d: Buffer) => (log = (log + d.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', (e) => {
        log += `\n${name}: ${e.message}`;
        resolve(-1);
      });
    });
    return { child, exited };
  };

  // Last resort on a normal exit of the test process (an uncaught error, process.exit): no stray server, no temp dir.
  const onExit = () => {
    if (isRunning(current?.child)) current.child.kill('SIGKILL');
    rmSync(tmp.path, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  const settings: Record<string, string | number> = { fsync: opts.fsync ? 'on' : 'off', max_connections: opts.maxConnections ?? 200, ...opts.settings };
  const serverArgs = [
    '-D',
    pgdata,
    '-k',
    tmp.path,
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];

  /** Starts the postmaster; a start that fails early (e.g. the backends of a killed server still hold its shared memory) is retried. */
  const startServer = async () => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const p = run('postgres', serverArgs);
      current = p;
      // one wait for either outcome: accepting connections, or the postmaster gone
      const ready = await waitFor(
        async () => (!isRunning(p.child) ? 'exited' : (await pgIsReady(port)) || undefined),
        `PostgreSQL on port ${port}`,
        Math.max(1000, until - Date.now()),
        100,
      ).catch((e: Error) => e);
      if (ready === true) return;
      if (ready instanceof Error) {
        p.child.kill('SIGKILL');
        await p.exited;
        throw new Error(`${ready.message}\n${log}`);
      }
      await p.exited;
      if (Date.now() > until) throw new Error(`PostgreSQL exited during start-up (code ${p.child.exitCode})\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const signal = async (sig: NodeJS.Signals) => {
    const p = current;
    if (!p || !isRunning(p.child)) return;
    const force = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
    p.child.kill(sig);
    await p.exited;
    clearTimeout(force);
  };

  try {
    const init = run('initdb', ['-D', pgdata, '-A', 'trust', '-U', 'vigil', '-E', 'UTF8', '--locale=C', ...(opts.fsync ? [] : ['--no-sync'])]);
    const timer = setTimeout(() => init.child.kill('SIGKILL'), timeoutMs);
    const code = await init.exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`initdb failed (exit ${code})\n${log}`);
    await startServer();
  } catch (e) {
    onExit();
    process.off('exit', onExit);
    throw e;
  }

  const urlOf = (database: string) => `postgres://vigil@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const connect = async (database = 'postgres') => {
    const client = new pg.Client({ connectionString: urlOf(database), connectionTimeoutMillis: 10_000 });
    await client.connect();
    return client;
  };
  let dbCounter = 0;

  return {
    url: urlOf('postgres'),
    port,
    dir: tmp.path,
    pid: () => (isRunning(current?.child) ? current.child.pid : undefined),
    output: () => log,
    urlOf,
    connect,
    async createDatabase(name = `test_${process.pid}_${++dbCounter}_${Date.now().toString(36)}`) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name ${JSON.stringify(name)}: use [a-z_][a-z0-9_]{0,62}`);
      const client = await connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    async stop() {
      await signal('SIGINT');
      if (removed) return;
      removed = true;
      process.off('exit', onExit);
      rmSync(tmp.path, { recursive: true, force: true });
    },
    kill: () => signal('SIGKILL'),
    async restart() {
      if (removed) throw new Error('restart() after stop(): the data dir is gone');
      await signal('SIGINT');
      await startServer();
    },
  };
}
