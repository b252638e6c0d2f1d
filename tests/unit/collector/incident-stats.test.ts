import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentRow } from '../../../collector/src/store/types.js';
import { incidentFigures, percentile, summarize } from '../../../collector/src/incidents/stats.js';
import { parseDefinition } from '../../../shared/sla/definition.js';
import { collectorFixture, AS_ADMIN } from './fixture.js';
import { testChannel } from './test-channel.js';

const DEF = parseDefinition(
  `client: acme
timezone: UTC
services:
  - id: network
    target: 99.9
    priority: p1
    members: [fw-1]
    incidentTargets: { p1: { notify: 15m, response: 30m, resolution: 4h }, p3: { resolution: 1d } }
`,
  'acme.yaml',
);
const T0 = Date.parse('2026-10-05T10:00:00Z');
const M = 60_000;
const row = (o: Partial<IncidentRow>): IncidentRow => ({
  id: 1,
  client: 'acme',
  service: 'network',
  kind: 'service-down',
  status: 'resolved',
  priority: 'p1',
  site: null,
  startedAt: T0,
  detectedAt: T0 + 30_000,
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  resolveDetectedAt: null,
  escalationLevel: 0,
  muted: false,
  members: ['fw-1'],
  ...o,
});

describe('incident figures against the contract', () => {
  it('measures from the start of the outage and judges each target; undecided measures are pending', () => {
    const now = T0 + 20 * M;
    const met = incidentFigures(row({ acknowledgedAt: T0 + 10 * M, resolvedAt: T0 + 2 * 60 * M }), T0 + 40_000, DEF, now);
    expect(met).toMatchObject({
      timeToDetectSeconds: 30,
      timeToNotifySeconds: 40,
      timeToAcknowledgeSeconds: 600,
      timeToResolveSeconds: 7200,
      within: { notify: true, response: true, resolution: true },
    });
    // still open, 20 min in, never notified, nobody acknowledged: notify missed (15 min passed), response and resolution still possible
    const open = incidentFigures(row({ status: 'open' }), null, DEF, now);
    expect(open.within).toEqual({ notify: false, response: null, resolution: null });
    // recovered on its own after 5 min before anybody acknowledged: the recovery is the response
    const self = incidentFigures(row({ resolvedAt: T0 + 5 * M }), T0 + 60_000, DEF, now);
    expect(self).toMatchObject({ timeToAcknowledgeSeconds: null, within: { notify: true, response: true, resolution: true } });
    // resolved without ever notifying: notification missed even inside 15 min
    expect(incidentFigures(row({ resolvedAt: T0 + 2 * M }), null, DEF, now).within.notify).toBe(false);
    // late on every count
    expect(incidentFigures(row({ acknowledgedAt: T0 + 45 * M, resolvedAt: T0 + 5 * 60 * M }), T0 + 16 * M, DEF, now).within).toEqual({
      notify: false,
      response: false,
      resolution: false,
    });
    // a priority without targets is judged on nothing
    expect(incidentFigures(row({ priority: 'p4', resolvedAt: T0 + M }), null, DEF, now).within).toEqual({ notify: null, response: null, resolution: null });
  });

  it('aggregates p50/p95 (nearest rank), MTTA, MTTR and adherence per measure and priority', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
    expect(percentile([], 0.5)).toBeNull();
    const now = T0 + 10 * 60 * M;
    const rows = [
      row({ id: 1, acknowledgedAt: T0 + 10 * M, resolvedAt: T0 + 60 * M }), // notify 1 min ✓, ack 10 ✓, resolve 60 ✓
      row({ id: 2, acknowledgedAt: T0 + 40 * M, resolvedAt: T0 + 5 * 60 * M }), // notify 20 ✗, ack 40 ✗, resolve 300 ✗
      row({ id: 3, priority: 'p3', resolvedAt: T0 + 30 * M }), // only resolution targeted (1 d) ✓
    ].map((incident, i) => ({ incident, figures: incidentFigures(incident, [T0 + M, T0 + 20 * M, null][i]!, DEF, now) }));
    const s = summarize(rows);
    expect(s).toMatchObject({ count: 3, open: 0, byPriority: { p1: 2, p3: 1 }, mttaSeconds: (600 + 2400) / 2, mttrSeconds: (3600 + 18_000 + 1800) / 3 });
    expect(s.timeToResolve).toMatchObject({ count: 3, p50: 3600, p95: 18_000, max: 18_000 });
    expect(s.adherence.notify).toMatchObject({ percent: 50, within: 1, total: 2, pending: 0 });
    expect(s.adherence.resolution).toMatchObject({ percent: (2 / 3) * 100, within: 2, total: 3 });
    expect(s.adherence.resolution.byPriority).toMatchObject({ p1: { percent: 50 }, p3: { percent: 100 } });
  });
});

describe('early warning', () => {
  let f: Awaited<ReturnType<typeof collectorFixture>> | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('warns of a fast burn and a projected breach once each, through the channels, and clears the burn when it stops', async () => {
    const noc = testChannel('noc');
    f = await collectorFixture(
      { state: { confirmDown: 1, confirmUp: 1 } },
      'client: acme\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, priority: p2, members: [web-1], downtime: { when: { membersDown: 1 } } }\n',
      { channels: [noc.routed] },
    );
    const a = await f.enroll('site-a');
    const t0 = f.clock.now();
    const at = (ms: number, status: 'up' | 'down') => {
      f!.clock.set(t0 + ms);
      return f!.ingest(a, [{ check: 'web-1', status, ts: t0 + ms }]);
    };
    await at(0, 'up');
    await at(2 * 60 * M, 'down'); // down for the last hour of three
    f.clock.set(t0 + 3 * 60 * M);
    await f.incidents.earlyWarning.evaluate();
    f.clock.advance(30_000);
    await f.incidents.earlyWarning.evaluate();
    await f.incidents.outbox.tick();
    const warnings = noc.delivered.filter((m) => m.event.startsWith('sla.'));
    expect(warnings.map((m) => m.event)).toEqual(['sla.burn_rate', 'sla.projected_breach']);
    expect(warnings[0]!.title).toBe('FAST BURN acme/web: error budget burning 1000.0× over 1h');
    expect(warnings[0]!.severity).toBe('critical');
    expect(warnings[1]!.title).toMatch(/^acme\/web will breach 99\.9 % (now: the error budget is used up|in about \d+ (s|min|h|d) at the current rate)$/);
    const open = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/incidents?status=open' }))
      .json()
      .incidents.map((i: { kind: string }) => i.kind)
      .sort();
    expect(open).toEqual(['burn-rate', 'projected-breach', 'service-down']);
    const metrics = (await f.app.inject({ headers: AS_ADMIN, url: '/metrics' })).body;
    expect(metrics).toMatch(/vigil_incidents_open\{client="acme",service="web",kind="burn-rate",priority="p2",acknowledged="false"\} 1/);
    expect(metrics).toMatch(/vigil_sla_burn_rate\{client="acme",service="web",window="5m"\} 1000/);

    await at(3 * 60 * M + 60_000, 'up');
    f.clock.set(t0 + 10 * 60 * M); // 7 h later: every short window is clean again
    await f.incidents.earlyWarning.evaluate();
    await f.incidents.outbox.tick();
    const burn = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/incidents?kind=burn-rate' })).json().incidents;
    expect(burn).toHaveLength(1);
    expect(burn[0].status).toBe('resolved');
    expect(noc.delivered.filter((m) => m.incident.kind === 'burn-rate').map((m) => m.event)).toEqual(['sla.burn_rate', 'incident.resolved']);
  });
});
