/**
 * The collector as an operator runs it (`vigil collector run`, a real process on a loopback
 * port), for the PostgreSQL fault tests; and the one-shot CLI commands beside it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, VIGIL, waitFor } from '../../helpers/net.js';

export const ADMIN = 'faults-admin-token-0123456789';

/** This process's environment without the variables that would override a test's config file. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['VIGIL_STORE_URL', 'VIGIL_ADMIN_TOKEN', 'VIGIL_LOG_LEVEL']) delete env[k];
  return { ...env, ...extra };
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `vigil ARGS` to its end; a run that outlives `timeoutMs` is killed and fails the test. */
export function runVigil(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VIGIL, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vigil ${args.join(' ')} still running after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of many shapes, read field by field by the tests
  body: any;
}

export interface CollectorProcess {
  base: string;
  proc: ChildProcess;
  pid: number;
  /** Everything it wrote (pino JSON lines on stdout, anything else on stderr). */
  output(): string;
  /** How many log lines so far carry this `msg`. */
  logged(msg: string): number;
  /** Set once the process has exited: a collector must survive a lost database. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  post(path: string, body: unknown, token?: string): Promise<Reply>;
  get(path: string): Promise<Reply>;
  stop(): Promise<void>;
}

/** Writes `collector.yaml` (the given lines plus listen/dataDir/adminToken) into `dir` and starts `vigil collector run` on it. */
export async function startCollectorProcess(dir: string, configLines: string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<CollectorProcess> {
  const port = await freePort();
  const file = join(dir, 'collector.yaml');
  writeFileSync(file, [`listen: { host: 127.0.0.1, port: ${port} }`, 'dataDir: ./data', `adminToken: ${ADMIN}`, ...configLines].join('\n') + '\n');
  const proc = spawn(process.execPath, [VIGIL, 'collector', 'run', '-c', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  proc.once('exit', (code, signal) => (exited = { code, signal }));
  const base = `http://127.0.0.1:${port}`;
  const call = async (path: string, init: RequestInit): Promise<Reply> => {
    const res = await fetch(base + path, { ...init, signal: AbortSignal.timeout(15_000) }).catch((e: Error) => {
      const cause = (e.cause as Error | undefined)?.message;
      throw new Error(
        `${init.method} ${path}: ${e.message}${cause ? ` (${cause})` : ''}; the collector ${exited ? `exited ${JSON.stringify(exited)}` : 'is running'}\n${out.slice(-4000)}`,
        { cause: e },
      );
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (metrics, plain text): kept as text
    }
    return { status: res.status, headers: res.headers, body };
  };
  const c: CollectorProcess = {
    base,
    proc,
    pid: proc.pid!,
    output: () => out,
    logged: (msg) => out.split('\n').filter((l) => l.includes(`"msg":${JSON.stringify(msg)}`)).length,
    exit: () => exited,
    post: (path, body, token = ADMIN) =>
      call(path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    get: (path) => call(path, { method: 'GET', headers: { authorization: `Bearer ${ADMIN}` } }),
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
  await waitFor(
    async () => {
      if (exited) throw new Error(`the collector exited (${JSON.stringify(exited)})`);
      return (await fetch(`${base}/healthz`)).ok || undefined;
    },
    'the collector to listen',
    30_000,
  ).catch((e: Error) => {
    proc.kill('SIGKILL');
    throw new Error(`${e.message}\n${out}`);
  });
  return c;
}

/** An enrollment token from the admin API, then an enrolled agent, as `vigil agent enroll` does it. */
export async function enrollAgent(c: CollectorProcess, clientId: string, siteId: string): Promise<{ agentId: string; token: string }> {
  const t = await c.post('/api/v1/admin/enrollment-tokens', { clientId, siteId });
  if (t.status !== 201) throw new Error(`enrollment token: ${t.status} ${JSON.stringify(t.body)}`);
  const a = await c.post('/api/v1/enroll', { token: t.body.token, hostname: 'edge-1', agentVersion: 'test' });
  if (a.status !== 201) throw new Error(`enroll: ${a.status} ${JSON.stringify(a.body)}`);
  return { agentId: a.body.agentId, token: a.body.agentToken };
}

/**
 * PIDs of the server processes serving `database` (PostgreSQL titles a backend
 * `postgres: USER DATABASE HOST(PORT) STATE`). After a crash of the postmaster its backends
 * linger until they notice; a test waits for none before it says the server is gone.
 */
export function backendsOf(database: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let title: string;
    try {
      title = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    if (new RegExp(`^postgres: \\S+ ${database} `).test(title)) pids.push(Number(name));
  }
  return pids;
}

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
