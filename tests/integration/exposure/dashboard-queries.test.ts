import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import { parseDefinition } from '../../../shared/sla/definition.js';
import { buildApp } from '../../../collector/src/app.js';
import { parseCollectorConfig } from '../../../collector/src/config.js';
import { SqliteStore } from '../../../collector/src/store/sqlite-store.js';
import { generatedFiles } from '../../../dashboards/src/generate.js';
import { startPrometheus, type Prometheus } from '../../helpers/prometheus.js';
import { tempDir, waitFor } from '../../helpers/net.js';

const ADMIN = 'prom-admin-token-0123456789';

describe('every dashboard query returns data through a real Prometheus', () => {
  const dir = tempDir();
  let prom: Prometheus;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const config = parseCollectorConfig({ dataDir: dir.path, adminToken: ADMIN, state: { confirmDown: 1, confirmUp: 1 } }, 'test');
    const store = new SqliteStore(config.dataDir);
    const def = parseDefinition('client: acme\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, members: [web-1, tcp-1] }\n', 'acme.yaml');
    const { app } = buildApp({ config, store, clock: systemClock, logger: silentLogger(), definitions: () => [def] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    close = async () => { await app.close(); store.close(); };
    const post = async (path: string, body: unknown, token = ADMIN) =>
      (await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<any>;
    const t = await post('/api/v1/admin/enrollment-tokens', { clientId: 'acme', siteId: 'hq' });
    const a = await post('/api/v1/enroll', { token: t.token, hostname: 'edge-1', agentVersion: 't' });
    const now = Date.now();
    const labels = { client: 'acme', site: 'hq', service: 'web' };
    const check = (checkId: string, type: string, ts: number, status: string, metrics: Record<string, number>) => ({ kind: 'check', checkId, type, ts, status, durationMs: 12, metrics, labels });
    const metric = (name: string, value: number, ts: number, l: Record<string, string> = {}) => ({ kind: 'metric', name, ts, value, labels: l });
    const samples = (ts: number, i: number) => [
      check('web-1', 'http', ts, i === 1 ? 'down' : 'up', { connect_seconds: 0.002, first_byte_seconds: 0.01, total_seconds: 0.012 }),
      check('tcp-1', 'tcp', ts, 'up', { connect_seconds: 0.001 }),
      check('ping-1', 'icmp', ts, 'up', { loss_ratio: 0, rtt_avg_seconds: 0.02, jitter_seconds: 0.002, mos: 4.3 }),
      check('m365.status', 'statuspage', ts, i === 2 ? 'degraded' : 'up', { vendor_status_level: i === 2 ? 1 : 0, vendor_affected_count: i === 2 ? 1 : 0 }),
      check('m365.login', 'http', ts, 'up', { first_byte_seconds: 0.05, total_seconds: 0.06 }),
      metric('host_cpu_usage_ratio', 0.3, ts), metric('host_memory_used_bytes', 2e9, ts),
      metric('host_disk_used_bytes', 4e10, ts, { mount: '/' }), metric('host_disk_size_bytes', 1e11, ts, { mount: '/' }), metric('host_disk_full_days', 180, ts, { mount: '/' }),
      metric('host_network_receive_bits_per_second', 1e6, ts, { interface: 'eth0' }), metric('host_network_transmit_bits_per_second', 5e5, ts, { interface: 'eth0' }),
    ];
    for (let i = 0; i < 3; i++) await post('/api/v1/ingest', { agentId: a.agentId, seq: i + 1, sentAt: now, samples: samples(now - (3 - i) * 60_000, i) }, a.agentToken);
    await post('/api/v1/heartbeat', { agentId: a.agentId, sentAt: now, agentVersion: 't', uptimeSeconds: 1, queuedBatches: 0, intervalSeconds: 15, checks: [] }, a.agentToken);
    prom = await startPrometheus([base.replace('http://', '')]);
    await waitFor(async () => (await prom.query('vigil_check_up')).length > 0 || undefined, 'first scrape', 30_000);
    await new Promise((r) => setTimeout(r, 2500)); // a few scrapes so rate() has two points
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    await close?.();
    dir.remove();
  });

  it('has data for every panel target', async () => {
    const dash = JSON.parse(generatedFiles()['vigil-noc-overview.json']!);
    const exprs: Array<{ panel: string; expr: string }> = [];
    for (const p of dash.panels) for (const t of p.targets ?? []) exprs.push({ panel: p.title, expr: t.expr.replaceAll('$client', '.*') });
    expect(exprs.length).toBeGreaterThan(15);
    const empty: string[] = [];
    for (const { panel, expr } of exprs) if ((await prom.query(expr)).length === 0) empty.push(`${panel}: ${expr}`);
    expect(empty).toEqual([]);
  });
});
