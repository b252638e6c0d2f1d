import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type Clock } from '../../../shared/clock.js';
import type { Heartbeat } from '../../../shared/protocol/v1/heartbeat.js';
import { Spool } from '../../../shared/spool/spool.js';
import { offeredVersion } from '../../../agent/src/remote-config.js';
import { Transport } from '../../../agent/src/transport.js';
import { tempDir } from '../../helpers/net.js';
import { AS_ADMIN, collectorFixture } from '../../unit/collector/fixture.js';
import { scriptedCollector, status, type Seen } from './scripted-collector.js';

const dir = tempDir();
const silent = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const SPOOL = { batches: 0, bytes: 0, oldestAgeSeconds: 0, droppedBatches: 0, droppedSamples: 0 };
const CONFIG = { source: 'central', version: '0123456789abcdef', state: 'applied' } as const;
const hb = (agentId: string, at: number): Heartbeat => ({
  agentId,
  sentAt: at,
  agentVersion: 't',
  uptimeSeconds: 1,
  queuedBatches: 0,
  intervalSeconds: 15,
  checks: [],
  spool: SPOOL,
  config: CONFIG,
  os: 'linux 6.1.0 x64',
});
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});
afterAll(() => dir.remove());

function transport(name: string, agentId: string, token: string, collectorUrl: string, clock: Clock) {
  const spool = new Spool({ dir: join(dir.path, name), fsync: 1000, maxBytes: 8 << 20, maxAgeMs: 86_400_000 }, clock, silent);
  const t = new Transport({ agentId, agentToken: token, collectorUrl, clientId: 'acme', siteId: 'hq', lastSeq: 0 }, spool, clock, silent, {
    batchMaxSamples: 10,
    replayRate: 1000,
  });
  stops.push(async () => (await t.close(), spool.close()));
  return t;
}
const fields = (seen: readonly Seen[]) =>
  seen.filter((s) => s.path === '/api/v1/heartbeat').map((s) => ['spool', 'send', 'config', 'os'].filter((k) => k in s.body));

describe('agent transport: the configuration report in the heartbeat', () => {
  it('reaches a real collector with the OS once it took send figures; the answer names the version the collector holds', async () => {
    const cfgDir = tempDir();
    stops.push(async () => cfgDir.remove());
    const f = await collectorFixture({ fleet: { configDir: cfgDir.path, reloadInterval: 0 } });
    stops.push(() => f.close());
    const a = await f.enroll('edge');
    await f.app.listen({ port: 0, host: '127.0.0.1' });
    const t = transport('real', a.agentId, a.token, `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`, f.clock);
    for (let i = 0; i < 3; i++) expect(await t.heartbeat(hb(a.agentId, f.clock.now()))).toBe(true);
    const expected = (await f.app.inject({ url: `/api/v1/fleet/agents/${a.agentId}/config`, headers: AS_ADMIN })).json().version;
    expect(offeredVersion(t.heartbeatAck)).toBe(expected);
    const view = (await f.app.inject({ url: '/api/v1/fleet', headers: AS_ADMIN })).json().agents[0];
    expect(view).toMatchObject({ os: 'linux 6.1.0 x64', config: { source: 'central', version: CONFIG.version, state: 'applied', expected, pending: true } });
  });

  it('an older collector that refuses `config` (400 on the field): the same heartbeat again without it and the OS, and never again', async () => {
    const clock = new ManualClock(T0);
    const c = scriptedCollector(clock);
    const port = await c.listen();
    stops.push(() => c.close());
    c.heartbeat = (s) =>
      'config' in s.body || 'os' in s.body ? status(400, undefined, { error: { code: 'VIGIL_ERR_BODY_INVALID' } }) : status(200, undefined, { serverTime: T0 });
    const t = transport('old', 'acme.old', 'o'.repeat(64), `http://127.0.0.1:${port}`, clock);
    for (let i = 0; i < 4; i++) expect(await t.heartbeat(hb('acme.old', T0 + i))).toBe(true);
    expect(fields(c.seen)).toEqual([['spool'], ['spool', 'send'], ['spool', 'send', 'config', 'os'], ['spool', 'send'], ['spool', 'send']]);
    expect(offeredVersion(t.heartbeatAck)).toBeUndefined();
  });
});
