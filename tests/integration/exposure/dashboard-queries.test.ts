import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedFiles } from '../../../dashboards/src/generate.js';
import { startPrometheus, type Prometheus } from '../../helpers/prometheus.js';
import { liveCollector, METRICS_TOKEN } from '../../helpers/live-collector.js';
import { waitFor } from '../../helpers/net.js';

describe('every dashboard query returns data through a real Prometheus', () => {
  let prom: Prometheus;
  let collector: Awaited<ReturnType<typeof liveCollector>> | undefined;
  let receiver: Server | undefined;
  let notified = 0;

  beforeAll(async () => {
    // a webhook receiver, so notifications (and their time to notify) are real
    receiver = createServer((req, res) => {
      req.resume().on('end', () => {
        notified++;
        res.end();
      });
    }).listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
    collector = await liveCollector(
      'client: acme\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, members: [web-1, tcp-1] }\n  - { id: voip, target: 99.9, members: [sbc-1] }\n',
      { notifications: { channels: [{ type: 'webhook', name: 'noc', url: hook }] } },
    );
    const now = Date.now();
    const labels = { client: 'acme', site: 'hq', service: 'web' };
    const check = (checkId: string, type: string, ts: number, status: string, metrics: Record<string, number>) => ({
      kind: 'check',
      checkId,
      type,
      ts,
      status,
      durationMs: 12,
      metrics,
      labels,
    });
    const metric = (name: string, value: number, ts: number, l: Record<string, string> = {}) => ({ kind: 'metric', name, ts, value, labels: l });
    const samples = (ts: number, i: number) => [
      check('web-1', 'http', ts, i === 1 ? 'down' : 'up', { connect_seconds: 0.002, first_byte_seconds: 0.01, total_seconds: 0.012 }),
      check('tcp-1', 'tcp', ts, 'up', { connect_seconds: 0.001 }),
      check('ping-1', 'icmp', ts, 'up', { loss_ratio: 0, rtt_avg_seconds: 0.02, jitter_seconds: 0.002, mos: 4.3 }),
      check('m365.status', 'statuspage', ts, i === 2 ? 'degraded' : 'up', { vendor_status_level: i === 2 ? 1 : 0, vendor_affected_count: i === 2 ? 1 : 0 }),
      check('m365.login', 'http', ts, 'up', { first_byte_seconds: 0.05, total_seconds: 0.06 }),
      check('sbc-1', 'voip', ts, i === 2 ? 'down' : 'up', { mos: i === 2 ? 1.5 : 4.3, loss_ratio: i === 2 ? 1 : 0 }), // still down: an open incident
      metric('host_cpu_usage_ratio', 0.3, ts),
      metric('host_memory_used_bytes', 2e9, ts),
      metric('host_disk_used_bytes', 4e10, ts, { mount: '/' }),
      metric('host_disk_size_bytes', 1e11, ts, { mount: '/' }),
      metric('host_disk_full_days', 180, ts, { mount: '/' }),
      metric('host_network_receive_bits_per_second', 1e6, ts, { interface: 'eth0' }),
      metric('host_network_transmit_bits_per_second', 5e5, ts, { interface: 'eth0' }),
    ];
    for (let i = 0; i < 3; i++) await collector.ingest(samples(now - (3 - i) * 60_000, i));
    await collector.heartbeat();
    await collector.deliver();
    expect(notified).toBeGreaterThanOrEqual(3); // web down, web resolved, voip down
    prom = await startPrometheus([collector.target], { bearer: METRICS_TOKEN });
    await waitFor(async () => (await prom.query('vigil_check_up')).length > 0 || undefined, 'first scrape', 30_000);
    await new Promise((r) => setTimeout(r, 2500)); // a few scrapes so rate() has two points
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    await collector?.close();
    receiver?.close();
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
