import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startChild, VIGIL, waitFor, type Child } from '../helpers/net.js';
import type { Target } from './detect-targets.js';

const ADMIN = 'bench-detect-admin-token-0123456789';
/**
 * Reads carry the admin token: a collector with access control answers an anonymous read 401,
 * and counts it against the source address, which is the agent's too (127.0.0.1).
 */
const admin = { authorization: `Bearer ${ADMIN}` };
const CLIENT = 'bench';

export interface VigilSide {
  base: string;
  /** Which notification config `vigil collector check-config` accepted. */
  notificationConfig: 'channels' | 'webhooks';
  /** Service-down incidents by service: startedAt / detectedAt in ms. */
  incidents(): Promise<Array<{ service: string; startedAt: number; detectedAt: number }>>;
}

/** What a Vigil instance of the bench watches: a name (check id = SLA service id) and a URL. */
export type Watched = Pick<Target, 'name' | 'url'>;

export interface VigilOptions {
  /** Extra top-level lines for agent.yaml (e.g. `defaults: { confirmRetries: 0 }`). */
  agentLines?: readonly string[];
  /** Path on the bench's receiver the webhook posts to (default `/vigil`). */
  hookPath?: string;
  /** Sent as `x-bench-side` with every probe, so a flapping target can tell the watchers apart. */
  side?: string;
}

const ms = (v: unknown): number => (typeof v === 'number' ? v : Date.parse(String(v)));

/**
 * A real collector and an enrolled agent as separate processes (built CLI), one http check
 * per target every `intervalS`, one SLA service per target (membersDown 1, minDuration 0),
 * and a webhook to the bench. Everything else is the product's default, notably
 * state.confirmDown = 2, the agent's send.flushInterval = 2 s and its re-probe after a failed
 * result (retryInterval 2 s, confirmRetries 1), unless `opts.agentLines` overrides them.
 */
export async function startVigil(
  dir: string,
  targets: readonly Watched[],
  hookUrl: string,
  intervalS: number,
  children: Child[],
  opts: VigilOptions = {},
): Promise<VigilSide> {
  const hook = `${hookUrl}${opts.hookPath ?? '/vigil'}`;
  const headers = opts.side ? `, headers: { x-bench-side: ${opts.side} }` : '';
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  mkdirSync(join(dir, 'sla'), { recursive: true });
  writeFileSync(
    join(dir, 'sla', `${CLIENT}.yaml`),
    [
      `client: ${CLIENT}`,
      'timezone: UTC',
      'services:',
      ...targets.map((t) => `  - { id: ${t.name}, target: 99.9, members: [${t.name}], downtime: { when: { membersDown: 1 }, minDuration: 0s } }`),
    ].join('\n') + '\n',
  );
  const common = [`listen: { host: 127.0.0.1, port: ${port} }`, 'dataDir: ./data', `adminToken: ${ADMIN}`, 'slaDir: ./sla', 'log: { level: warn }'];
  const variants = {
    channels: `notifications: { channels: [ { name: bench, type: webhook, url: "${hook}" } ] }`,
    webhooks: `notifications: { webhooks: [ { name: bench, url: "${hook}" } ] }`,
  } as const;
  const config = join(dir, 'collector.yaml');
  let notificationConfig: VigilSide['notificationConfig'] | undefined;
  const rejected: string[] = [];
  for (const kind of ['channels', 'webhooks'] as const) {
    writeFileSync(config, [...common, variants[kind]].join('\n') + '\n');
    const r = spawnSync('node', [VIGIL, 'collector', 'check-config', '-c', config], { encoding: 'utf8' });
    if (r.status === 0) {
      notificationConfig = kind;
      break;
    }
    rejected.push(`${kind}: ${r.stdout}${r.stderr}`.trim());
  }
  if (!notificationConfig) throw new Error(`vigil collector check-config accepts neither notification shape:\n${rejected.join('\n')}`);

  const collector = startChild('node', [VIGIL, 'collector', 'run', '-c', config], dir);
  children.push(collector);
  await waitFor(async () => (await fetch(`${base}/healthz`)).ok || undefined, 'collector', 20_000).catch((e) => {
    throw new Error(`${(e as Error).message}\n${collector.output()}`);
  });
  const token = (await (
    await fetch(`${base}/api/v1/admin/enrollment-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: CLIENT, siteId: 'lab' }),
    })
  ).json()) as { token: string };
  const enroll = startChild('node', [
    VIGIL,
    'agent',
    'enroll',
    '--collector',
    base,
    '--token',
    token.token,
    '--state-dir',
    join(dir, 'agent'),
    '--name',
    'bench-agent',
  ]);
  children.push(enroll);
  await new Promise((r) => enroll.proc.once('exit', r));
  if (enroll.proc.exitCode !== 0) throw new Error(`agent enroll failed:\n${enroll.output()}`);

  writeFileSync(
    join(dir, 'agent.yaml'),
    [
      `collector: { url: "${base}" }`,
      'stateDir: ./agent',
      `labels: { client: ${CLIENT}, site: lab }`,
      'host: { enabled: false }',
      'log: { level: warn }',
      ...(opts.agentLines ?? []),
      'checks:',
      ...targets.map(
        (t) => `  - { id: ${t.name}, type: http, interval: ${intervalS}s, timeout: 5s, url: "${t.url}", labels: { service: ${t.name} }${headers} }`,
      ),
    ].join('\n') + '\n',
  );
  const agent = startChild('node', [VIGIL, 'agent', 'run', '-c', join(dir, 'agent.yaml')], dir);
  children.push(agent);

  const checksUp = async () => {
    const body = (await (await fetch(`${base}/api/v1/checks?client=${CLIENT}`, { headers: admin })).json()) as {
      checks: Array<{ check: string; state: string }>;
    };
    return body.checks.filter((c) => c.state === 'up').length;
  };
  await waitFor(async () => (await checksUp()) === targets.length || undefined, 'every Vigil check up', 3 * intervalS * 1000 + 10_000).catch(async (e) => {
    throw new Error(
      `${(e as Error).message} (${await checksUp().catch(() => '?')} of ${targets.length})\nagent: ${agent.output()}\ncollector: ${collector.output()}`,
    );
  });

  return {
    base,
    notificationConfig,
    async incidents() {
      const body = (await (await fetch(`${base}/api/v1/incidents?client=${CLIENT}`, { headers: admin })).json()) as {
        incidents: Array<Record<string, unknown>>;
      };
      return body.incidents
        .filter((i) => (i.kind ?? 'service-down') === 'service-down')
        .map((i) => ({ service: String(i.service), startedAt: ms(i.startedAt), detectedAt: ms(i.detectedAt) }));
    },
  };
}
