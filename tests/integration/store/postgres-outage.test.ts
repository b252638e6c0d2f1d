/** The collector (`vigil collector run`, HTTP on loopback) on a real PostgreSQL SIGKILLed while it runs, as a crash or an OOM kill would do. */
import { mkdirSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/net.js';
import { startPostgres, type Postgres } from '../../helpers/postgres.js';
import { startReceiver, type Receiver } from '../notify/receiver.js';
import { alive, backendsOf, enrollAgent, startCollectorProcess, type CollectorProcess } from './collector-process.js';
import { type CheckView, type DeliveryView, faultFile, masked, PASSWORD, withPassword } from './fault-kit.js';

const newDir = faultFile();

describe('PostgreSQL lost while the collector runs', () => {
  let server: Postgres;
  let collector: CollectorProcess | undefined;
  let receiver: Receiver | undefined;
  beforeAll(async () => {
    server = await startPostgres({ maxConnections: 50 });
  });
  afterEach(async () => {
    if (server.pid() === undefined) await server.restart(); // a test that failed mid-outage leaves the next one a server
    await collector?.stop();
    collector = undefined;
    await receiver?.close();
    receiver = undefined;
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Asserts the collector is the process it was, still running. */
  const stillAlive = (c: CollectorProcess, pid: number) => {
    expect(c.exit(), c.output().slice(-4000)).toBeUndefined();
    expect(c.pid).toBe(pid);
    expect(alive(pid)).toBe(true);
  };

  /** SIGKILL to the postmaster; resolves once no backend of `db` is left either (none can commit anything any more). */
  const crash = async (db: string) => {
    expect(backendsOf(db).length, 'the collector holds connections to its database').toBeGreaterThan(0);
    await server.kill();
    await waitFor(() => backendsOf(db).length === 0 || undefined, `the backends of ${db} to exit`, 20_000);
  };

  /** Sends `batch` until it is accepted, as an agent's transport retries; every refusal on the way must be a clean 503. */
  const sendUntilAccepted = async (c: CollectorProcess, token: string, batch: unknown) => {
    const refusals: Array<{ status: number; code: unknown; retryAfter: string | null }> = [];
    const ok = await waitFor(
      async () => {
        const r = await c.post('/api/v1/ingest', batch, token);
        if (r.status === 200) return r;
        refusals.push({ status: r.status, code: r.body?.error?.code, retryAfter: r.headers.get('retry-after') });
        return undefined;
      },
      'the collector to accept the batch after the restart',
      25_000,
      200,
    );
    for (const f of refusals) expect(f).toEqual({ status: 503, code: 'VIGIL_ERR_STORE_UNAVAILABLE', retryAfter: '5' });
    return ok;
  };

  const check = (checkId: string, ts: number, status: 'up' | 'down') => ({
    kind: 'check',
    checkId,
    type: 'http',
    ts,
    status,
    durationMs: 12,
    ...(status === 'down' ? { reason: 'refused' } : {}),
  });

  it('answers 503 + Retry-After while PostgreSQL is down, recovers on its own, and stores every batch exactly once', async () => {
    const db = 'faults_outage';
    const url = await server.createDatabase(db);
    collector = await startCollectorProcess(newDir(), [
      `store: { type: postgres, url: "${withPassword(server, db)}", poolSize: 4 }`,
      'state: { confirmDown: 1, confirmUp: 1, sweepInterval: 200ms }',
      'log: { level: warn }',
    ]);
    const c = collector;
    const pid = c.pid;
    const agent = await enrollAgent(c, 'acme', 'hq');
    const t0 = Date.now() - 10_000;
    const batch1 = {
      agentId: agent.agentId,
      seq: 1,
      sentAt: t0,
      samples: [check('web-1', t0, 'up'), check('web-2', t0, 'up'), { kind: 'metric', name: 'host_cpu_usage_ratio', ts: t0, value: 0.25 }],
    };
    const batch2 = {
      agentId: agent.agentId,
      seq: 2,
      sentAt: t0 + 2000,
      samples: [check('web-1', t0 + 1000, 'down'), check('web-2', t0 + 1000, 'up'), check('web-1', t0 + 2000, 'down')],
    };
    const heartbeat = { agentId: agent.agentId, sentAt: t0 + 2000, agentVersion: 'test', uptimeSeconds: 10, queuedBatches: 1, intervalSeconds: 15, checks: [] };

    const first = await c.post('/api/v1/ingest', batch1, agent.token);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ agentId: agent.agentId, seq: 1, stored: true, accepted: 3 });

    // the crash meets batch 2 inside its transaction: a lock of ours holds it at its first INSERT
    const locker = await server.connect(db);
    locker.on('error', () => undefined); // the crash ends this connection too
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE batches IN ACCESS EXCLUSIVE MODE');
    const inFlight = c.post('/api/v1/ingest', batch2, agent.token);
    inFlight.catch(() => undefined); // awaited below; a failure before that must not go unhandled
    // watched from a third connection: pg_stat_activity is a snapshot for the length of a transaction, so not from the locker's
    const watcher = await server.connect(db);
    watcher.on('error', () => undefined);
    await waitFor(
      async () =>
        (
          await watcher.query(
            "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'vigil-collector' AND NOT l.granted AND l.relation = 'batches'::regclass",
          )
        ).rowCount === 1 || undefined,
      'batch 2 to wait for the lock',
    );
    const sweepsFailed = c.logged('sweep failed');
    await crash(db);

    const refused = await inFlight;
    expect(refused.status, JSON.stringify(refused.body)).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body.error.code).toBe('VIGIL_ERR_STORE_UNAVAILABLE');
    expect(refused.body.error.message).toContain(masked(server.port, db));
    expect(JSON.stringify(refused.body)).not.toContain(PASSWORD);
    const hb = await c.post('/api/v1/heartbeat', heartbeat, agent.token);
    expect(hb.status, JSON.stringify(hb.body)).toBe(503);
    expect(hb.body.error.code).toBe('VIGIL_ERR_STORE_UNAVAILABLE');
    // the periodic sweep meets the outage too (the outbox has no channel here, so it does not query), and the process lives on
    await waitFor(() => c.logged('sweep failed') > sweepsFailed + 1 || undefined, 'sweeps to fail', 20_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${c.output().slice(-6000)}`);
    });
    stillAlive(c, pid);
    // sent again while the server is still down: refused before the transaction
    const again = await c.post('/api/v1/ingest', batch2, agent.token);
    expect([again.status, again.headers.get('retry-after'), again.body.error?.code]).toEqual([503, '5', 'VIGIL_ERR_STORE_UNAVAILABLE']);

    await server.restart();
    const accepted = await sendUntilAccepted(c, agent.token, batch2);
    expect(accepted.body).toEqual({ agentId: agent.agentId, seq: 2, stored: true, accepted: 3 });
    stillAlive(c, pid);
    const hbBack = await c.post('/api/v1/heartbeat', heartbeat, agent.token);
    expect(hbBack.status, JSON.stringify(hbBack.body)).toBe(200);

    const replay = await c.post('/api/v1/ingest', batch2, agent.token);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ agentId: agent.agentId, seq: 2, stored: false, accepted: 0 });

    // what the database holds, read on a connection of our own: each batch once, every sample once
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const rows = async (sql: string) => (await client.query(sql)).rows.map((r) => ({ ...r }));
      expect(await rows('SELECT agent_id, seq::int AS seq, samples FROM batches ORDER BY seq')).toEqual([
        { agent_id: agent.agentId, seq: 1, samples: 3 },
        { agent_id: agent.agentId, seq: 2, samples: 3 },
      ]);
      expect(await rows('SELECT check_id, (ts - ' + t0 + ')::int AS at, status FROM results ORDER BY ts, check_id')).toEqual([
        { check_id: 'web-1', at: 0, status: 'up' },
        { check_id: 'web-2', at: 0, status: 'up' },
        { check_id: 'web-1', at: 1000, status: 'down' },
        { check_id: 'web-2', at: 1000, status: 'up' },
        { check_id: 'web-1', at: 2000, status: 'down' },
      ]);
      expect(await rows('SELECT name, value FROM host_metrics')).toEqual([{ name: 'host_cpu_usage_ratio', value: 0.25 }]);
      // the attempt cut off in its transaction left no trace in the engine's memory: the down transition is written once, by the accepted attempt
      expect(await rows('SELECT check_id, (ts - ' + t0 + ')::int AS at, state FROM transitions ORDER BY id')).toEqual([
        { check_id: 'web-1', at: 0, state: 'up' },
        { check_id: 'web-2', at: 0, state: 'up' },
        { check_id: 'web-1', at: 1000, state: 'down' },
      ]);
    } finally {
      await client.end();
    }
    const checks = await c.get('/api/v1/checks?client=acme');
    expect(checks.body.checks.map((x: CheckView) => [x.check, x.state, (x.lastTs ?? 0) - t0])).toEqual([
      ['web-1', 'down', 2000],
      ['web-2', 'up', 1000],
    ]);
    stillAlive(c, pid);
  }, 60_000);

  it('keeps sweeping and notifying after the outage: an incident opened after recovery reaches the webhook', async () => {
    const db = 'faults_loops';
    await server.createDatabase(db);
    // the first notification is refused: only the outbox's own timer (not the kick of a new enqueue) sends it again
    let answered = 0;
    receiver = await startReceiver((_req, res) => void res.writeHead(answered++ === 0 ? 500 : 200).end());
    const dir = newDir();
    mkdirSync(`${dir}/sla`);
    writeFileSync(
      `${dir}/sla/acme.yaml`,
      'client: acme\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, members: [web-1], downtime: { when: { membersDown: 1 } } }\n',
    );
    collector = await startCollectorProcess(dir, [
      `store: { type: postgres, url: "${withPassword(server, db)}", poolSize: 4 }`,
      'slaDir: ./sla',
      'state: { confirmDown: 1, confirmUp: 1, sweepInterval: 200ms }',
      'log: { level: warn }',
      `notifications: { webhooks: [ { name: noc, url: "${receiver.url}" } ], retry: { baseDelay: 200ms } }`,
    ]);
    const c = collector;
    const pid = c.pid;
    const agent = await enrollAgent(c, 'acme', 'hq');
    const events = () =>
      receiver!.requests.map((r) => ({
        ...(JSON.parse(r.body) as { event: string; client: string; service: string; incident: { id: number } }),
        delivery: r.headers['x-vigil-delivery'],
      }));
    const t0 = Date.now();
    const up1 = await c.post('/api/v1/ingest', { agentId: agent.agentId, seq: 1, sentAt: t0, samples: [check('web-1', t0, 'up')] }, agent.token);
    expect(up1.body.stored).toBe(true);

    const sweepsFailed = c.logged('sweep failed');
    const ticksFailed = c.logged('outbox tick failed');
    await crash(db);
    await waitFor(
      () => (c.logged('sweep failed') > sweepsFailed + 1 && c.logged('outbox tick failed') > ticksFailed + 1) || undefined,
      'sweeps and outbox rounds to fail',
      20_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${c.output().slice(-6000)}`);
    });
    stillAlive(c, pid);
    await server.restart();

    // after recovery: DOWN opens an incident; its refused first notification is retried by the outbox's timer
    const t1 = Date.now();
    const down = await sendUntilAccepted(c, agent.token, { agentId: agent.agentId, seq: 2, sentAt: t1, samples: [check('web-1', t1, 'down')] });
    expect(down.body.stored).toBe(true);
    await waitFor(
      () => events().filter((e) => e.event === 'incident.opened').length === 2 || undefined,
      'the incident.opened webhook, sent again after a 500',
      20_000,
    ).catch(async (e: Error) => {
      const list = await c.get('/api/v1/incidents?client=acme');
      const id = list.body.incidents?.[0]?.id;
      const d = id === undefined ? undefined : await c.get(`/api/v1/incidents/${id}`);
      throw new Error(`${e.message}\nwebhooks: ${JSON.stringify(events())}\nincident: ${JSON.stringify(d?.body)}\n${c.output().slice(-4000)}`);
    });
    const [refusedHook, opened] = events() as [ReturnType<typeof events>[number], ReturnType<typeof events>[number]];
    expect([opened.client, opened.service]).toEqual(['acme', 'web']);
    expect(opened.delivery).toBe(refusedHook.delivery);
    const t2 = Date.now();
    const up2 = await c.post('/api/v1/ingest', { agentId: agent.agentId, seq: 3, sentAt: t2, samples: [check('web-1', t2, 'up')] }, agent.token);
    expect(up2.body.stored).toBe(true);
    const resolved = await waitFor(() => events().find((e) => e.event === 'incident.resolved'), 'the incident.resolved webhook', 20_000);
    expect(resolved.incident.id).toBe(opened.incident.id);
    expect(events().map((e) => e.event)).toEqual(['incident.opened', 'incident.opened', 'incident.resolved']);
    // the outcome is written back to the database as well
    const detail = await waitFor(
      async () => {
        const d = await c.get(`/api/v1/incidents/${opened.incident.id}`);
        return d.body.deliveries?.length === 2 && d.body.deliveries.every((x: DeliveryView) => x.status === 'delivered') ? d : undefined;
      },
      'both deliveries recorded as delivered',
      20_000,
    );
    expect(detail.body.deliveries.map((x: DeliveryView) => [x.event, x.channel, x.status, x.attempts])).toEqual([
      ['incident.opened', 'noc', 'delivered', 2],
      ['incident.resolved', 'noc', 'delivered', 1],
    ]);

    // and the sweep runs again: a check whose results stop goes unknown once it is stale (3 × its 0.5 s interval)
    const hb = await c.post(
      '/api/v1/heartbeat',
      {
        agentId: agent.agentId,
        sentAt: Date.now(),
        agentVersion: 'test',
        uptimeSeconds: 10,
        queuedBatches: 0,
        intervalSeconds: 15,
        checks: [{ id: 'web-1', type: 'http', intervalSeconds: 0.5, timeoutSeconds: 0.2 }],
      },
      agent.token,
    );
    expect(hb.status, JSON.stringify(hb.body)).toBe(200);
    await waitFor(
      async () => (await c.get('/api/v1/checks?client=acme')).body.checks.find((x: CheckView) => x.check === 'web-1' && x.state === 'unknown'),
      'the sweep to mark web-1 stale',
      20_000,
    );
    const client = await server.connect(db);
    try {
      const last = (await client.query('SELECT state, reason FROM transitions ORDER BY id DESC LIMIT 1')).rows[0];
      expect(last).toEqual({ state: 'unknown', reason: 'stale' });
    } finally {
      await client.end();
    }
    stillAlive(c, pid);
  }, 60_000);
});
