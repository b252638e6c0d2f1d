import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../shared/clock.js';
import { ManualClock } from '../../../shared/clock.js';
import type { Heartbeat } from '../../../shared/protocol/v1/heartbeat.js';
import { Spool } from '../../../shared/spool/spool.js';
import type { AgentState } from '../../../agent/src/state.js';
import { Transport } from '../../../agent/src/transport.js';
import { tempDir } from '../../helpers/net.js';
import { parseExposition } from '../../unit/collector/exposition.js';
import { collectorFixture, AS_ADMIN } from '../../unit/collector/fixture.js';
import { result, scriptedCollector, status, type Seen } from './scripted-collector.js';

const dir = tempDir();
const silent = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const SPOOL = { batches: 0, bytes: 0, oldestAgeSeconds: 0, droppedBatches: 0, droppedSamples: 0 };
/** A heartbeat as agent/src/main.ts sends it; `spool: null` plays a caller without spool figures. */
const hb = (agentId: string, at: number, spool: Heartbeat['spool'] | null = SPOOL): Heartbeat => ({
  agentId,
  sentAt: at,
  agentVersion: 't',
  uptimeSeconds: 1,
  queuedBatches: 0,
  intervalSeconds: 15,
  checks: [],
  ...(spool ? { spool } : {}),
});
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});
afterAll(() => dir.remove());

function agent(name: string, state: Omit<AgentState, 'lastSeq' | 'clientId' | 'siteId'>, clock: Clock, batchMaxSamples = 1) {
  const spool = new Spool({ dir: join(dir.path, name), fsync: 1000, maxBytes: 8 << 20, maxAgeMs: 86_400_000 }, clock, silent);
  const t = new Transport({ ...state, clientId: 'acme', siteId: 'hq', lastSeq: 0 }, spool, clock, silent, { batchMaxSamples, replayRate: 1000 });
  stops.push(async () => (await t.close(), spool.close()));
  return t;
}
/** The optional fields each heartbeat request carried, in order. */
const optionalFields = (seen: readonly Seen[]) => seen.filter((s) => s.path === '/api/v1/heartbeat').map((s) => ['spool', 'send'].filter((k) => k in s.body));

describe('agent transport: send figures in the heartbeat', () => {
  it('end to end: what a real collector refused and what was too large for it reach its /metrics through the heartbeat', async () => {
    const f = await collectorFixture(); // bodyLimitBytes 64 KiB
    stops.push(() => f.close());
    const a = await f.enroll('edge');
    await f.app.listen({ port: 0, host: '127.0.0.1' });
    const collectorUrl = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
    const t = agent('e2e', { agentId: a.agentId, agentToken: a.token, collectorUrl }, f.clock, 10);
    const now = f.clock.now();
    const sample = (ts: number, checkId: string, message?: string) => ({ ...result(ts, checkId, message), type: 'tcp' });
    for (const s of [sample(now, 'fw-1'), sample(now - 30 * 86_400_000, 'sw-1'), sample(now, 'sw-2', 'x'.repeat(70_000)), sample(now, 'sw-1')]) t.add(s);
    await t.flush();
    expect(t.queuedBatches).toBe(0);
    expect(t.stats).toMatchObject({ refusedSamples: 1, tooLargeSamples: 1, rejectedSamples: 0 });

    expect(await t.heartbeat(hb(a.agentId, f.clock.now()))).toBe(true); // spool figures first: a collector that takes them may take send figures
    expect(await t.heartbeat(hb(a.agentId, f.clock.now()))).toBe(true);
    const { series } = parseExposition((await f.app.inject({ headers: AS_ADMIN, url: '/metrics' })).body);
    const mine = (name: string) => series.find((s) => s.name === name && s.labels.agent === a.agentId)?.value;
    expect(mine('vigil_agent_send_refused_samples_total')).toBe(1);
    expect(mine('vigil_agent_send_too_large_samples_total')).toBe(1);
    expect(mine('vigil_agent_send_rejected_samples_total')).toBe(0);
    // the collector's own count of the same refusal, by code
    expect(series.find((s) => s.name === 'vigil_ingest_samples_refused_total' && s.labels.code === 'VIGIL_ERR_SAMPLE_TIME')?.value).toBe(1);
  });

  it('sends its own counts (refused in a 200, 413 alone, 400 whole) once the collector took spool figures', async () => {
    const clock = new ManualClock(T0);
    const c = scriptedCollector(clock);
    const port = await c.listen();
    stops.push(() => c.close());
    c.ingest = (b) => {
      const s = b.body.samples[0]!;
      if (s.message === 'big') return status(413, undefined, { error: { code: 'VIGIL_ERR_BODY_TOO_LARGE' } });
      if (s.checkId === 'bad') return status(400, undefined, { error: { code: 'VIGIL_ERR_BODY_INVALID' } });
      return { kind: 'store', refuse: (x) => (x.ts === 2 ? 'VIGIL_ERR_SAMPLE_TIME' : undefined) };
    };
    const t = agent('counts', { agentId: 'acme.counts', agentToken: 'c'.repeat(64), collectorUrl: `http://127.0.0.1:${port}` }, clock);
    for (const s of [result(1), result(2), result(3, 'web-1', 'big'), result(4, 'bad')]) t.add(s);
    await t.flush();
    expect(t.queuedBatches).toBe(0);
    expect(await t.heartbeat(hb('acme.counts', T0))).toBe(true);
    expect(await t.heartbeat(hb('acme.counts', T0))).toBe(true);
    expect(optionalFields(c.seen)).toEqual([['spool'], ['spool', 'send']]);
    const beats = c.seen.filter((s) => s.path === '/api/v1/heartbeat');
    expect(beats[1]!.body.send).toEqual({ refusedSamples: 1, tooLargeSamples: 1, rejectedSamples: 1 });
    expect(beats[1]!.body.spool).toEqual(SPOOL);
  });

  it('a collector that takes spool figures but not send figures (400 on the field): the same heartbeat again without them, and never again', async () => {
    const clock = new ManualClock(T0);
    const c = scriptedCollector(clock);
    const port = await c.listen();
    stops.push(() => c.close());
    c.heartbeat = (s) =>
      'send' in s.body ? status(400, undefined, { error: { code: 'VIGIL_ERR_BODY_INVALID' } }) : status(200, undefined, { serverTime: T0 });
    const t = agent('spool-only', { agentId: 'acme.spool-only', agentToken: 's'.repeat(64), collectorUrl: `http://127.0.0.1:${port}` }, clock);
    for (let i = 0; i < 4; i++) expect(await t.heartbeat(hb('acme.spool-only', T0 + i))).toBe(true);
    expect(optionalFields(c.seen)).toEqual([['spool'], ['spool', 'send'], ['spool'], ['spool'], ['spool']]);
    expect(c.seen.filter((s) => s.path === '/api/v1/heartbeat').map((s) => s.body.sentAt)).toEqual([T0, T0 + 1, T0 + 1, T0 + 2, T0 + 3]);
  });

  it('a 400 at every level is about something else: nothing is turned off; without spool figures no optional field at all', async () => {
    const clock = new ManualClock(T0);
    const c = scriptedCollector(clock);
    const port = await c.listen();
    stops.push(() => c.close());
    let refuse = true;
    c.heartbeat = () => (refuse ? status(400, undefined, { error: { code: 'VIGIL_ERR_BODY_INVALID' } }) : status(200, undefined, { serverTime: T0 }));
    const t = agent('other-400', { agentId: 'acme.other-400', agentToken: 'o'.repeat(64), collectorUrl: `http://127.0.0.1:${port}` }, clock);
    expect(await t.heartbeat(hb('acme.other-400', T0))).toBe(false);
    refuse = false;
    expect(await t.heartbeat(hb('acme.other-400', T0))).toBe(true);
    expect(await t.heartbeat(hb('acme.other-400', T0))).toBe(true);
    expect(await t.heartbeat(hb('acme.other-400', T0, null))).toBe(true);
    expect(optionalFields(c.seen)).toEqual([['spool'], [], ['spool'], ['spool', 'send'], []]);
  });
});
