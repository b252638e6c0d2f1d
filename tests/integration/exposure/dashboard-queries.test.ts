import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboards } from '../../../dashboards/src/generate.js';
import { targetsOf } from '../../../dashboards/src/lint.js';
import { startPrometheus, type Prometheus } from '../../helpers/prometheus.js';
import { tempDir, waitFor } from '../../helpers/net.js';
import { FED_METRICS_TOKEN, type FedAgent, fedCollector } from './fed-collector.js';
import { feedOnce, history } from './feed.js';
import { everySecond, ruleFiles } from './rule-files.js';

const recorded = ruleFiles().flatMap((f) =>
  (parse(readFileSync(f, 'utf8')) as { groups: Array<{ rules: Array<{ record?: string }> }> }).groups.flatMap((g) =>
    g.rules.flatMap((r) => (r.record ? [r.record] : [])),
  ),
);
/** The values the variables take here: the one client; every other variable at "All". */
const VALUES: Record<string, string> = { client: 'acme', site: '.*', service: '.*', check: '.*', job: '.*', instance: '.*' };
const fill = (expr: string, values = VALUES) => expr.replace(/\$([a-z]+)/g, (_, v: string) => values[v] ?? `$${v}`);
/** A stat's `or vector(0)` would answer anything: the query must have data without it. */
const strict = (expr: string) => expr.replace(/ or vector\(0\)$/, '');

describe('every dashboard query returns data through a real Prometheus scraping a real collector', () => {
  let prom: Prometheus;
  let collector: Awaited<ReturnType<typeof fedCollector>> | undefined;
  let receiver: Server | undefined;
  let hq: FedAgent;
  const rules = tempDir();
  let step = 0;
  /** One round of the agent's reports (a growing link, counters that move), as a real one sends them, and the collector's periodic work. */
  const tick = async () => {
    await feedOnce(hq, ++step);
    await collector!.sweep(); // edge-2 went silent: branch becomes unreachable after 2 s
    await collector!.warn();
    await collector!.deliver();
  };

  beforeAll(async () => {
    // a webhook receiver, so notifications (and their time to notify) are real
    receiver = createServer((req, res) => req.resume().on('end', () => res.end())).listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    collector = await fedCollector(
      'client: acme\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, members: [web-1, tcp-1] }\n  - { id: voip, target: 99.9, members: [sbc-1, ping-1] }\n',
      {
        state: { confirmDown: 1, confirmUp: 1, heartbeatLostAfter: '2s' },
        notifications: { channels: [{ type: 'webhook', name: 'noc', url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/` }] },
      },
    );
    hq = await collector.agent('hq', 'edge-1');
    const branch = await collector.agent('branch', 'edge-2');
    await branch.ingest([
      { kind: 'check', checkId: 'br-1', type: 'tcp', ts: Date.now() - 1000, status: 'up', durationMs: 2, metrics: {}, labels: { service: 'net' } },
    ]);
    await branch.heartbeat();
    // 15 minutes of history; web-1 down for the last 5 (an outage, burn-rate warnings, notifications)
    await hq.ingest(history(Date.now()));
    await hq.heartbeat();
    await tick();
    prom = await startPrometheus([collector.target], { ruleFiles: everySecond(rules.path), bearer: FED_METRICS_TOKEN });
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    await collector?.close();
    receiver?.close();
    rules.remove();
  });

  const empty = async (exprs: ReadonlyArray<{ what: string; expr: string }>) => {
    const out: string[] = [];
    for (const { what, expr } of exprs) if ((await prom.query(expr)).length === 0) out.push(`${what}: ${expr}`);
    return out;
  };
  const waitForData = async (exprs: ReadonlyArray<{ what: string; expr: string }>, what: string) => {
    // each poll is also a round of reports: Prometheus sees the figures move between its scrapes
    await waitFor(async () => (await tick(), (await empty(exprs)).length === 0) || undefined, what, 45_000, 500).catch(async (e) => {
      throw new Error(`${(e as Error).message}; still empty:\n${(await empty(exprs)).join('\n')}`);
    });
  };

  it('has data for every recording rule, each with exactly the labels its level names', async () => {
    expect(recorded.length).toBeGreaterThanOrEqual(50);
    await waitForData(
      recorded.map((r) => ({ what: r, expr: r })),
      'every recording rule to have data',
    );
    const wrong: string[] = [];
    for (const r of recorded) {
      const level = r.split(':')[0]!.split('_').sort();
      for (const s of await prom.query(r)) {
        const labels = Object.keys(s.metric)
          .filter((k) => k !== '__name__')
          .sort();
        if (labels.join(',') !== level.join(',')) wrong.push(`${r}: {${labels.join(',')}}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('has data for every panel query of every dashboard (stats without their `or vector(0)`)', async () => {
    const exprs = dashboards().flatMap((d) => targetsOf(d).map((t) => ({ what: `${d.uid} / ${t.panel}`, expr: strict(fill(t.expr)) })));
    expect(exprs.length).toBeGreaterThanOrEqual(140);
    await waitForData(exprs, 'every panel query to have data');
  }, 60_000);

  it('answers every template variable the way Grafana asks (label values), along the chain client → site → service → check', async () => {
    const values = async (query: string, vals: Record<string, string>) => {
      const m = /^label_values\((.+), *([a-z_]+)\)$/.exec(query);
      if (!m) throw new Error(`not a label_values query: ${query}`);
      const res = await fetch(`${prom.url}/api/v1/label/${m[2]}/values?match[]=${encodeURIComponent(fill(m[1]!, vals))}`);
      return ((await res.json()) as { data: string[] }).data;
    };
    const chain = { client: 'acme', site: 'hq', service: 'web', check: '.*', job: 'vigil', instance: '.*' };
    const got: Record<string, string[]> = {};
    for (const d of dashboards()) for (const v of d.templating?.list ?? []) got[`${d.uid}/${v.name}`] = await values(String(v.query), chain);
    expect(got['vigil-drill-down/client']).toEqual(['acme']);
    expect(got['vigil-drill-down/site']).toEqual(['branch', 'hq']);
    expect(got['vigil-drill-down/service']).toEqual(['voip', 'web']); // the services with checks at hq
    expect(got['vigil-drill-down/check']).toEqual(['tcp-1', 'web-1', 'web-2']); // web's checks at hq
    expect(got['vigil-client-sla/service']).toEqual(['voip', 'web']);
    expect(got['vigil-collector-health/job']).toEqual(['vigil']);
    expect(Object.entries(got).filter(([, v]) => v.length === 0)).toEqual([]);
  }, 30_000);
});
