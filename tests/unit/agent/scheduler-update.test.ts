import { Type } from 'typebox';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import { type CheckConfig, DEFAULT_CONFIRM_ON } from '../../../agent/src/config.js';
import type { ProbeRegistry } from '../../../agent/src/probes/registry.js';
import { ProbeRuntime } from '../../../agent/src/probes/runtime.js';
import type { Probe } from '../../../agent/src/probes/types.js';
import { diffChecks } from '../../../agent/src/remote-config-diff.js';
import { Scheduler } from '../../../agent/src/scheduler.js';

afterEach(() => vi.useRealTimers());
const runtime = new ProbeRuntime({ loadNative: () => null });

/** A probe that records every run (`id`, the option `v`, start ms) and answers `down` while `down(id, now)`, after `ms`. */
function probes(down: (id: string, now: number) => boolean = () => false, ms = (_id: string) => 5) {
  const runs: Array<{ id: string; v: unknown; at: number }> = [];
  const active = new Map<string, number>();
  let overlap = 0;
  const probe: Probe = {
    type: 'web',
    options: Type.Object({}),
    describe: () => 'web',
    run: (o) =>
      new Promise((resolve) => {
        const { id, v } = o as { id: string; v?: unknown };
        const at = Date.now();
        runs.push({ id, v, at });
        active.set(id, (active.get(id) ?? 0) + 1);
        if (active.get(id)! > 1) overlap++;
        setTimeout(() => {
          active.set(id, active.get(id)! - 1);
          resolve(down(id, at) ? { status: 'down', reason: 'refused', durationMs: 1, metrics: {} } : { status: 'up', durationMs: 1, metrics: {} });
        }, ms(id));
      }),
  };
  const registry: ProbeRegistry = new Map([['web', probe]]);
  return { registry, runs, overlaps: () => overlap };
}
const check = (id: string, o: Partial<CheckConfig> & { v?: number } = {}): CheckConfig => {
  const { v, ...rest } = o;
  return {
    id,
    type: 'web',
    intervalMs: 10_000,
    timeoutMs: 9000,
    retries: 0,
    retryIntervalMs: 2000,
    confirmRetries: 1,
    confirmOn: DEFAULT_CONFIRM_ON,
    labels: {},
    options: { id, ...(v === undefined ? {} : { v }) },
    ...rest,
  };
};
const startAt = (t: number) => vi.useFakeTimers({ now: t });
const at = (runs: Array<{ id: string; at: number }>, id: string) => runs.filter((r) => r.id === id).map((r) => r.at);

describe('scheduler.update: a new check list applied by id, without a restart', () => {
  it('unchanged checks keep their timer and phase, a changed one runs with its new options, a removed one stops, a new one starts within its slot', async () => {
    startAt(0);
    const p = probes();
    const reported: string[] = [];
    const s = new Scheduler(
      [check('a'), check('b', { v: 1 }), check('c')],
      p.registry,
      runtime,
      systemClock,
      silentLogger(),
      (r) => reported.push(r.checkId),
      10_000,
    );
    s.start();
    await vi.advanceTimersByTimeAsync(25_000); // runs at 0, 10 s, 20 s
    // the same entries as fresh objects (as a re-parsed document gives them), b changed, c gone, d new at another interval
    const d = s.update([check('a'), check('b', { v: 2 }), check('d', { intervalMs: 60_000 })]);
    expect({ added: d.added.map((c) => c.id), changed: d.changed.map((c) => c.id), removed: d.removed.map((c) => c.id), unchanged: d.unchanged }).toEqual({
      added: ['d'],
      changed: ['b'],
      removed: ['c'],
      unchanged: ['a'],
    });
    await vi.advanceTimersByTimeAsync(40_000); // to 65 s
    s.close();
    expect(at(p.runs, 'a')).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000]); // no extra run, no gap
    expect(at(p.runs, 'c')).toEqual([0, 10_000, 20_000]);
    expect(p.runs.filter((r) => r.id === 'b').map((r) => [r.at, r.v])).toEqual([
      [0, 1],
      [10_000, 1],
      [20_000, 1],
      [30_000, 2],
      [40_000, 2],
      [50_000, 2],
      [60_000, 2],
    ]);
    // a 60 s check added at 25 s runs at the next slot boundary (30 s), then on its own phase
    expect(at(p.runs, 'd')[0]).toBe(30_000);
    expect(at(p.runs, 'd').length).toBeGreaterThanOrEqual(1);
    expect(new Set(s.checks.map((c) => c.id))).toEqual(new Set(['a', 'b', 'd']));
    expect(reported.filter((id) => id === 'c')).toHaveLength(3);
  });

  it('a failing unchanged check keeps its failure streak: the re-probe armed before the update still comes; a removed one’s does not', async () => {
    startAt(0);
    const p = probes(() => true); // every run fails (refused): each failure streak re-probes once, 2 s later
    const s = new Scheduler([check('a'), check('c')], p.registry, runtime, systemClock, silentLogger(), () => undefined, 10_000);
    s.start();
    await vi.advanceTimersByTimeAsync(1000); // both failed at 0; re-probes armed for 2 s
    s.update([check('a')]);
    await vi.advanceTimersByTimeAsync(20_500);
    s.close();
    expect(at(p.runs, 'a')).toEqual([0, 2005, 10_000, 20_000]); // the streak's one re-probe 2 s after the first result (5 ms), then the schedule
    expect(at(p.runs, 'c')).toEqual([0]);
  });

  it('a run in progress is not aborted: an unchanged check’s run reports up; a changed check’s old run reports and the new one never overlaps it', async () => {
    startAt(0);
    const p = probes(undefined, (id) => (id === 'slow' ? 12_000 : 5)); // `slow` runs past its next due time
    const reported: Array<[string, string, number]> = [];
    const s = new Scheduler(
      [check('a', { timeoutMs: 9000 }), check('slow', { v: 1, timeoutMs: 15_000, intervalMs: 20_000 })],
      p.registry,
      runtime,
      systemClock,
      silentLogger(),
      (r) => reported.push([r.checkId, r.status, r.ts]),
      10_000,
    );
    s.start();
    await vi.advanceTimersByTimeAsync(3000); // `slow` (v1) is running since 0
    s.update([check('a', { timeoutMs: 9000 }), check('slow', { v: 2, timeoutMs: 15_000, intervalMs: 20_000 })]);
    await vi.advanceTimersByTimeAsync(40_000);
    s.close();
    expect(reported.find((r) => r[0] === 'slow' && r[2] === 0)).toEqual(['slow', 'up', 0]); // the old run reported, not aborted
    expect(p.overlaps()).toBe(0);
    expect(p.runs.filter((r) => r.id === 'slow').map((r) => r.v)).toEqual([1, 2, 2]);
    expect(at(p.runs, 'a')).toEqual([0, 10_000, 20_000, 30_000, 40_000]);
  });

  it('diffChecks compares whole resolved entries: key order is no change, any value is', () => {
    const a = check('a', { labels: { service: 'web', site: 'hq' } });
    const reordered = { ...a, labels: { site: 'hq', service: 'web' }, options: { ...a.options } };
    expect(diffChecks([a], [reordered]).unchanged).toEqual(['a']);
    expect(diffChecks([a], [{ ...a, timeoutMs: 4000 }]).changed.map((c) => c.id)).toEqual(['a']);
    expect(diffChecks([a], [{ ...a, labels: { service: 'db', site: 'hq' } }]).changed).toHaveLength(1);
    expect(diffChecks([a], []).removed.map((c) => c.id)).toEqual(['a']);
  });
});
