import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition, type Series } from './exposition.js';
import { collectorFixture, AS_ADMIN } from './fixture.js';

let f: Awaited<ReturnType<typeof collectorFixture>>;
afterEach(async () => f?.close());

const SPOOL = { batches: 0, bytes: 0, oldestAgeSeconds: 0, droppedBatches: 0, droppedSamples: 0 };
const SEND = { refusedSamples: 7, tooLargeSamples: 2, rejectedSamples: 40 };
const FIGURES = {
  vigil_agent_send_refused_samples_total: 7,
  vigil_agent_send_too_large_samples_total: 2,
  vigil_agent_send_rejected_samples_total: 40,
};
const scrape = async () => parseExposition((await f.app.inject({ headers: AS_ADMIN, url: '/metrics' })).body);
const sendOf = (series: Series[], agent: string) =>
  Object.fromEntries(series.filter((s) => s.name.startsWith('vigil_agent_send_') && s.labels.agent === agent).map((s) => [s.name, s.value]));

describe("agents' send figures (heartbeat `send`)", () => {
  it('shows what the agent dropped after the collector’s answers on /metrics as counters (client, site, agent); an agent that sends none shows none', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a', 'acme', 'hq');
    const b = await f.enroll('site-b', 'acme', 'branch');
    expect((await f.heartbeat(a, [], { spool: SPOOL, send: SEND })).statusCode).toBe(200);
    expect((await f.heartbeat(b, [], { spool: SPOOL })).statusCode).toBe(200);

    const { series, types } = await scrape();
    expect(sendOf(series, a.agentId)).toEqual(FIGURES);
    expect(series.find((s) => s.name === 'vigil_agent_send_too_large_samples_total')!.labels).toEqual({ client: 'acme', site: 'hq', agent: a.agentId });
    expect(sendOf(series, b.agentId)).toEqual({});
    for (const name of Object.keys(FIGURES)) expect(types.get(name)).toBe('counter');
  });

  it('follows the latest heartbeat: new counts replace the old (a restarted agent counts from 0), a heartbeat without them clears them', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    await f.heartbeat(a, [], { spool: SPOOL, send: SEND });
    f.clock.advance(15_000);
    await f.heartbeat(a, [], { spool: SPOOL, send: { refusedSamples: 0, tooLargeSamples: 1, rejectedSamples: 0 } });
    expect(sendOf((await scrape()).series, a.agentId)).toEqual({
      vigil_agent_send_refused_samples_total: 0,
      vigil_agent_send_too_large_samples_total: 1,
      vigil_agent_send_rejected_samples_total: 0,
    });
    f.clock.advance(15_000);
    await f.heartbeat(a, [], { spool: SPOOL });
    expect(sendOf((await scrape()).series, a.agentId)).toEqual({});
  });

  it('refuses a malformed `send` whole (400, nothing taken) and keeps the figures it had', async () => {
    f = await collectorFixture();
    const a = await f.enroll('site-a');
    await f.heartbeat(a, [], { send: SEND });
    for (const send of [
      { ...SEND, refusedSamples: -1 },
      { ...SEND, tooLargeSamples: 1.5 },
      { refusedSamples: 1, tooLargeSamples: 1 },
      { ...SEND, other: 1 },
    ]) {
      const r = await f.heartbeat(a, [], { send });
      expect(r.statusCode, JSON.stringify(send)).toBe(400);
      expect(r.json().error.code).toBe('VIGIL_ERR_BODY_INVALID');
    }
    expect(sendOf((await scrape()).series, a.agentId)).toEqual(FIGURES);
  });

  it('passes promtool check metrics', async () => {
    f = await collectorFixture();
    await f.heartbeat(await f.enroll('site-a'), [], { spool: SPOOL, send: SEND });
    const body = (await f.app.inject({ headers: AS_ADMIN, url: '/metrics' })).body;
    const families = body
      .split(/\n(?=# HELP )/)
      .filter((block) => block.startsWith('# HELP vigil_agent_send_'))
      .join('\n');
    expect(families.match(/^# HELP /gm)).toHaveLength(3);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: `${families.trimEnd()}\n`, encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });
});
