import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition, type Series } from './exposition.js';
import { collectorFixture, AS_ADMIN } from './fixture.js';

let f: Awaited<ReturnType<typeof collectorFixture>>;
afterEach(async () => f?.close());

const SPOOL = { batches: 3, bytes: 40_960, oldestAgeSeconds: 12.5, droppedBatches: 2, droppedSamples: 150, corruptRecords: 1, tornRecords: 1 };
const FIGURES = {
  vigil_agent_spool_batches: 3,
  vigil_agent_spool_bytes: 40_960,
  vigil_agent_spool_oldest_age_seconds: 12.5,
  vigil_agent_spool_dropped_batches_total: 2,
  vigil_agent_spool_dropped_samples_total: 150,
  vigil_agent_spool_corrupt_records_total: 1,
};
const scrape = async () => parseExposition((await f.app.inject({ headers: AS_ADMIN, url: '/metrics' })).body);
const spoolOf = (series: Series[], agent: string) =>
  Object.fromEntries(series.filter((s) => s.name.startsWith('vigil_agent_spool_') && s.labels.agent === agent).map((s) => [s.name, s.value]));

describe("agents' spool figures", () => {
  it('shows a heartbeat’s spool figures on /metrics (client, site, agent) and in GET /api/v1/agents; an agent that sends none shows none', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a', 'acme', 'hq');
    const b = await f.enroll('site-b', 'acme', 'branch');
    expect((await f.heartbeat(a, [], { spool: SPOOL })).statusCode).toBe(200);
    expect((await f.heartbeat(b)).statusCode).toBe(200);

    const { series, types } = await scrape();
    expect(spoolOf(series, a.agentId)).toEqual(FIGURES);
    expect(series.find((s) => s.name === 'vigil_agent_spool_bytes')!.labels).toEqual({ client: 'acme', site: 'hq', agent: a.agentId });
    expect(spoolOf(series, b.agentId)).toEqual({});
    expect(types.get('vigil_agent_spool_batches')).toBe('gauge');
    expect(types.get('vigil_agent_spool_dropped_samples_total')).toBe('counter');

    const agents = (await f.app.inject({ headers: AS_ADMIN, url: '/api/v1/agents' })).json().agents as Array<{ id: string; spool: unknown }>;
    expect(agents.find((x) => x.id === a.agentId)!.spool).toEqual({
      batches: 3,
      bytes: 40_960,
      oldestAgeSeconds: 12.5,
      droppedBatches: 2,
      droppedSamples: 150,
      corruptRecords: 1,
      at: f.clock.now(),
    });
    expect(agents.find((x) => x.id === b.agentId)!.spool).toBeNull();
  });

  it('follows the latest heartbeat: new figures replace the old, a heartbeat without any clears them, corruptRecords only when sent', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    await f.heartbeat(a, [], { spool: SPOOL });
    f.clock.advance(15_000);
    const { corruptRecords: _, tornRecords: __, ...older } = SPOOL; // an agent version without the damage counters
    await f.heartbeat(a, [], { spool: { ...older, batches: 0, bytes: 0, oldestAgeSeconds: 0 } });
    expect(spoolOf((await scrape()).series, a.agentId)).toEqual({
      vigil_agent_spool_batches: 0,
      vigil_agent_spool_bytes: 0,
      vigil_agent_spool_oldest_age_seconds: 0,
      vigil_agent_spool_dropped_batches_total: 2,
      vigil_agent_spool_dropped_samples_total: 150,
    });
    f.clock.advance(15_000);
    await f.heartbeat(a);
    expect(spoolOf((await scrape()).series, a.agentId)).toEqual({});
    expect((await f.store.agents.get(a.agentId))!.spool).toBeNull();
  });

  it('passes promtool check metrics', async () => {
    f = await collectorFixture();
    await f.heartbeat(await f.enroll('site-a'), [], { spool: SPOOL });
    const body = (await f.app.inject({ headers: AS_ADMIN, url: '/metrics' })).body;
    // only the spool families: the rest of the exposition is not this test's
    const families = body
      .split(/\n(?=# HELP )/)
      .filter((block) => block.startsWith('# HELP vigil_agent_spool_'))
      .join('\n');
    expect(families.match(/^# HELP /gm)).toHaveLength(6);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: `${families.trimEnd()}\n`, encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });
});
