import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CheckSeries } from '../../../collector/src/exposition/check-series.js';
import { exposition, Family, labelPairs } from '../../../collector/src/exposition/text.js';
import { timedStore } from '../../../collector/src/exposition/timed-store.js';
import type { AgentRow, CheckRow, HostMetricRow, Store } from '../../../collector/src/store/types.js';

const VALUES = [0, 1, 0.1 + 0.2, -2.5e-7, 1e21, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const NASTY = ['plain', 'back\\slash', 'new\nline', 'a "quote"', 'ünïcödé ✓', ''];

const check = (checkId: string, over: Partial<CheckRow> = {}): CheckRow => ({
  clientId: 'acme',
  checkId,
  agentId: 'a1',
  siteId: 'hq',
  type: 'http',
  target: null,
  labels: { service: 'web' },
  intervalMs: null,
  timeoutMs: null,
  lastTs: 1,
  lastStatus: 'up',
  lastDurationMs: 12,
  lastMetrics: { first_byte_seconds: 0.05 },
  state: 'up',
  stateSince: null,
  runStatus: null,
  runCount: 0,
  runStart: null,
  recentDurationsMs: [],
  ...over,
});

describe('the text exposition written from rows (collector/src/exposition)', () => {
  it('writes the same bytes as prom-client for the same series: escaping, numbers, headers, blank lines between families', async () => {
    const reg = new Registry();
    const g = new Gauge({ name: 'vigil_x', help: 'A help with \\ and\na newline', labelNames: ['client', 'check'], registers: [reg] });
    const c = new Counter({ name: 'vigil_y_total', help: 'Counted', registers: [reg] });
    const ours = new Family('vigil_x', 'A help with \\ and\na newline');
    NASTY.forEach((v, i) => {
      g.set({ client: v, check: `c${i}` }, VALUES[i]!);
      ours.add(
        labelPairs([
          ['client', v],
          ['check', `c${i}`],
        ]),
        VALUES[i]!,
      );
    });
    c.inc(3);
    const theirs = new Family('vigil_y_total', 'Counted', 'counter');
    theirs.add('', 3);
    expect(exposition([ours.bytes(), theirs.bytes()]).toString()).toBe(await reg.metrics());
    // an empty family is its header only, as prom-client writes one
    const empty = new Registry();
    new Gauge({ name: 'vigil_z', help: 'None yet', labelNames: ['client'], registers: [empty] }); // labelled: no series until set
    expect(exposition([new Family('vigil_z', 'None yet').bytes()]).toString()).toBe(await empty.metrics());
  });

  it('joins prom-client text and our families into one body with a blank line between families', async () => {
    const reg = new Registry();
    new Histogram({ name: 'vigil_h', help: 'H', buckets: [1], registers: [reg] }).observe(0.5);
    const f = new Family('vigil_g', 'G');
    f.add('a="1"', 2);
    const body = exposition([await reg.metrics(), f.bytes()]).toString();
    expect(body).toBe(`${(await reg.metrics()).trimEnd()}\n\n# HELP vigil_g G\n# TYPE vigil_g gauge\nvigil_g{a="1"} 2\n`);
  });

  it('keeps a family of 50,000 lines whole across its buffer growing', () => {
    const f = new Family('vigil_big', 'Big');
    for (let i = 0; i < 50_000; i++) f.add(`i="${i}",v="ü"`, i);
    const lines = f.bytes().toString().split('\n');
    expect(lines.length).toBe(50_002);
    expect(lines[2]).toBe('vigil_big{i="0",v="ü"} 0');
    expect(lines.at(-1)).toBe('vigil_big{i="49999",v="ü"} 49999');
  });

  it('lets the event loop run while it writes 20,000 checks, and rebuilds a check’s labels when its service changes', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => check(`c${i}`));
    let ran = 0;
    const ticker = setInterval(() => ran++, 0);
    const series = new CheckSeries();
    const families = await series.render(rows, () => true, new Map(), []);
    clearInterval(ticker);
    expect(ran).toBeGreaterThan(0); // timers ran before the render finished
    const text = () => exposition(families.map((f) => f.bytes())).toString();
    expect(text()).toContain('vigil_check_state{client="acme",site="hq",service="web",check="c7",type="http",state="down"} 0');
    expect(text()).toContain('vigil_probe_first_byte_seconds{client="acme",site="hq",service="web",check="c19999",type="http"} 0.05');
    const moved = await series.render(
      [check('c7', { labels: { service: 'api' }, state: 'down', lastStatus: 'down', lastMetrics: {} })],
      () => true,
      new Map(),
      [],
    );
    const body = exposition(moved.map((f) => f.bytes())).toString();
    expect(body).toContain('vigil_check_up{client="acme",site="hq",service="api",check="c7",type="http"} 0');
    expect(body).toContain('state="down"} 1');
    expect(body).not.toContain('service="web"');
    expect(body).not.toContain('vigil_probe_first_byte_seconds{'); // no figure: no series (the family's gone too)
  });

  it('writes host metrics of agents not revoked, one label shape per family, each series once', async () => {
    const agent = { id: 'a1', clientId: 'acme', siteId: 'hq', revokedAt: null } as AgentRow;
    const host: HostMetricRow[] = [
      { agentId: 'a1', name: 'host_disk_used_bytes', labels: { mount: '/' }, ts: 1, value: 5 },
      { agentId: 'a1', name: 'host_disk_used_bytes', labels: { mount: '/', client: 'spoofed' }, ts: 1, value: 6 }, // same series once client is dropped
      { agentId: 'a1', name: 'host_disk_used_bytes', labels: { device: 'sda' }, ts: 1, value: 7 }, // another shape: left out
      { agentId: 'gone', name: 'host_cpu_usage_ratio', labels: {}, ts: 1, value: 0.5 },
    ];
    const families = await new CheckSeries().render([], () => true, new Map([['a1', agent]]), host);
    const body = exposition(families.map((f) => f.bytes())).toString();
    expect(body.split('\n').filter((l) => l.startsWith('vigil_host_'))).toEqual(['vigil_host_disk_used_bytes{client="acme",site="hq",agent="a1",mount="/"} 5']);
  });

  it('times every store call by operation and passes results, errors and `this` through', async () => {
    const h = new Histogram({ name: 'vigil_store_operation_duration_seconds', help: 'h', labelNames: ['operation'], registers: [] });
    const checks = {
      secret: 41,
      async list(this: { secret: number }) {
        return this.secret + 1;
      },
      async boom() {
        throw new Error('down');
      },
      plain: () => 'sync',
    };
    const store = timedStore({ engine: 'sqlite', checks, transaction: async (fn: (s: unknown) => Promise<unknown>) => fn(store) } as unknown as Store, h);
    expect(await (store.checks as unknown as typeof checks).list()).toBe(42);
    await expect((store.checks as unknown as typeof checks).boom()).rejects.toThrow('down');
    expect((store.checks as unknown as typeof checks).plain()).toBe('sync');
    await store.transaction(async () => 1);
    expect(store.engine).toBe('sqlite');
    const counts = Object.fromEntries((await h.get()).values.filter((v) => v.metricName?.endsWith('_count')).map((v) => [v.labels.operation, v.value]));
    expect(counts).toEqual({ 'checks.list': 1, 'checks.boom': 1, transaction: 1 });
  });
});
