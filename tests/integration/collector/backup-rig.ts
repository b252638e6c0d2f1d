/**
 * For the backup test: a real collector (`vigil collector run`, its own process, from source),
 * one enrolled agent, and a stream of its batches over real HTTP — a first part with an outage
 * of web-1 (a down interval and an incident), then steady "up" results for as long as the test
 * keeps the loop running. Sample times are dated so that every batch's samples are later than
 * all of the previous batch's: "results up to the last one a backup holds" is then exactly
 * "the batches up to the last one it holds".
 */
import BetterSqlite3 from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startChild, waitFor, type Child } from '../../helpers/net.js';

export const ADMIN = 'backup-admin-token-0123456789';
export const CHECKS = ['web-1', 'web-2', 'db-1', 'db-2'] as const;
export const DEFINITION = `client: acme
timezone: UTC
services:
  - { id: web, target: 99.9, members: [web-1, web-2], downtime: { when: { membersDown: 1 } } }
  - { id: db, target: 99.5, members: [db-1, db-2], downtime: { when: { membersDown: 2 } } }
`;
const MINUTE = 60_000;
/** First part: 120 one-minute steps; web-1 is down from step 30 to step 45 (15 minutes). */
export const OUTAGE = { from: 30, to: 45, steps: 120 };

/** A collector config in `dir` (listen port, its data dir `dir/<name>`, the definitions in `dir/sla`). */
export function writeConfig(dir: string, name: string, port: number): string {
  mkdirSync(join(dir, 'sla'), { recursive: true });
  writeFileSync(join(dir, 'sla', 'acme.yaml'), DEFINITION);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      listen: { host: '127.0.0.1', port },
      dataDir: join(dir, name),
      adminToken: ADMIN,
      slaDir: join(dir, 'sla'),
      // the stream's samples span days ahead of and behind the wall clock; nothing is swept stale meanwhile
      state: { confirmDown: 1, confirmUp: 1, sweepInterval: '1h' },
      limits: { batchesPerSecond: 10_000, futureTolerance: '3d', maxSampleAge: '3d' },
      notifications: { earlyWarning: { enabled: false } },
      log: { level: 'warn' },
    }),
  );
  return file;
}

/** `vigil ARGS` from source, to its end: exit code and output. */
export function vigil(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/vigil.ts', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `vigil collector run -c config`, ready once /healthz answers. */
export async function startCollectorProcess(config: string, base: string): Promise<Child> {
  const child = startChild(process.execPath, ['--import', 'tsx', 'cli/vigil.ts', 'collector', 'run', '-c', config], process.cwd());
  await waitFor(
    async () => {
      if (child.proc.exitCode !== null) throw new Error(`the collector exited: ${child.output()}`);
      return (
        (await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )) || undefined
      );
    },
    'the collector to answer /healthz',
    40_000,
  );
  return child;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of a few shapes, read field by field
async function post(url: string, body: unknown, token: string): Promise<{ status: number; body: any }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: r.status, body: await r.json() };
}

/** The agent's batches, in order, and a loop that sends them one after the other. */
export class Stream {
  /** Batches acknowledged so far (200 with every sample accepted). */
  acked = 0;
  private seq = 0;
  private step = 0;
  private running: Promise<void> | undefined;
  private stopping = false;
  private failed: Error | undefined;

  private constructor(
    private readonly base: string,
    private readonly agentId: string,
    private readonly token: string,
    readonly t0: number,
  ) {}

  static async enroll(base: string, t0: number): Promise<Stream> {
    const t = await post(`${base}/api/v1/admin/enrollment-tokens`, { clientId: 'acme', siteId: 'hq' }, ADMIN);
    const a = await post(`${base}/api/v1/enroll`, { token: t.body.token, hostname: 'edge-1', agentVersion: 'backup-test' }, '');
    if (a.status !== 201) throw new Error(`enroll: ${a.status} ${JSON.stringify(a.body)}`);
    return new Stream(base, a.body.agentId, a.body.agentToken, t0);
  }

  /** Time of step `i`: one-minute steps through the outage part, one-second steps after it. */
  tsOf(i: number, check: number): number {
    const first = Math.min(i, OUTAGE.steps) * MINUTE;
    return this.t0 + first + Math.max(0, i - OUTAGE.steps) * 1000 + check;
  }

  /** Sends the next batch of `steps` steps (every check once per step). */
  async send(steps: number): Promise<void> {
    const samples = [];
    for (let k = 0; k < steps; k++, this.step++)
      for (const [c, checkId] of CHECKS.entries()) {
        const down = checkId === 'web-1' && this.step >= OUTAGE.from && this.step < OUTAGE.to;
        samples.push({
          kind: 'check',
          checkId,
          type: 'http',
          ts: this.tsOf(this.step, c),
          status: down ? 'down' : 'up',
          ...(down ? { reason: 'timeout' } : {}),
          durationMs: 12.5 + c,
          metrics: { total_seconds: 0.0125 + c / 1000, status_code: 200 },
        });
      }
    const r = await post(`${this.base}/api/v1/ingest`, { agentId: this.agentId, seq: ++this.seq, sentAt: Date.now(), samples }, this.token);
    if (r.status !== 200 || r.body.accepted !== samples.length) throw new Error(`batch ${this.seq}: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
    this.acked++;
  }

  /** Sends batches of `steps` steps one after another until stop(). */
  loop(steps: number): void {
    this.running = (async () => {
      while (!this.stopping) await this.send(steps);
    })().catch((e: Error) => {
      this.failed = e;
    });
  }

  /** Resolves once `n` batches in all are acknowledged; fails at once if the loop failed. */
  waitAcked(n: number): Promise<number> {
    return waitFor(
      () => {
        if (this.failed) throw this.failed;
        return this.acked >= n ? this.acked : undefined;
      },
      `${n} acknowledged batches`,
      40_000,
      20,
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    if (this.failed) throw this.failed;
  }
}

/** Rows of a table in a stopped collector's database (or a backup), in storage order. */
export function rows(file: string, sql: string): unknown[] {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}
