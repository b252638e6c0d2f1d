import { Type } from 'typebox';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import { type CheckConfig, DEFAULT_CONFIRM_ON, parseAgentConfig } from '../../../agent/src/config.js';
import type { ProbeRegistry } from '../../../agent/src/probes/registry.js';
import { ProbeRuntime } from '../../../agent/src/probes/runtime.js';
import type { Probe } from '../../../agent/src/probes/types.js';
import { Scheduler } from '../../../agent/src/scheduler.js';

afterEach(() => vi.useRealTimers());
const runtime = new ProbeRuntime({ loadNative: () => null });

/** One probe whose target is down while `down(now)` says so; each run takes `ms`; records starts, ends and overlaps. */
function target(down: (now: number) => boolean, ms = 5, reason: 'refused' | 'status' | 'reset' = 'refused') {
  const t = { starts: [] as number[], running: 0, maxRunning: 0 };
  const probe: Probe = {
    type: 'web',
    options: Type.Object({}),
    describe: () => 'web',
    run: () =>
      new Promise((resolve) => {
        const at = Date.now();
        t.starts.push(at);
        t.maxRunning = Math.max(t.maxRunning, ++t.running);
        setTimeout(() => {
          t.running--;
          resolve(down(at) ? { status: 'down', reason, durationMs: ms, metrics: {} } : { status: 'up', durationMs: ms, metrics: {} });
        }, ms);
      }),
  };
  const registry: ProbeRegistry = new Map([['web', probe]]);
  return { ...t, t, registry };
}
const check = (o: Partial<CheckConfig> = {}): CheckConfig => ({
  id: 'web-1',
  type: 'web',
  intervalMs: 10_000,
  timeoutMs: 5000,
  retries: 0,
  retryIntervalMs: 2000,
  confirmRetries: 1,
  confirmOn: DEFAULT_CONFIRM_ON,
  labels: {},
  options: {},
  ...o,
});
function run(c: CheckConfig, x: ReturnType<typeof target>) {
  const reported: Array<{ ts: number; status: string; urgent: boolean }> = [];
  const s = new Scheduler(
    [c],
    x.registry,
    runtime,
    systemClock,
    silentLogger(),
    (r, _idle, urgent) => reported.push({ ts: r.ts, status: r.status, urgent }),
    10_000,
  );
  return { s, reported };
}

describe('scheduler: faster confirmation', () => {
  it('a failed result is re-probed after retryInterval, once per failure streak (confirmRetries 1), reported urgent; then the normal schedule; an up ends the streak', async () => {
    vi.useFakeTimers({ now: 0 }); // phase 0 with a 10 s slot: runs at 0, 10 s, 20 s …
    const x = target((now) => now < 25_000 || (now >= 35_000 && now < 55_000));
    const { s, reported } = run(check(), x);
    s.start();
    await vi.advanceTimersByTimeAsync(60_010); // the run at 60 s has reported
    s.close();
    expect(reported.map((r) => [r.ts, r.status, r.urgent])).toEqual([
      [0, 'down', false],
      [2005, 'down', true], // 2 s after the first failure's result (at 5 ms): its own ts
      [10_000, 'down', false], // the streak has used its re-probe
      [20_000, 'down', false],
      [30_000, 'up', false], // the streak ends
      [40_000, 'down', false],
      [42_005, 'down', true], // a new streak, a new re-probe
      [50_000, 'down', false],
      [60_000, 'up', false],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('confirmRetries 2 re-probes twice; a re-probe that finds the target up ends the streak; retryInterval 0 turns it off', async () => {
    vi.useFakeTimers({ now: 0 });
    const twice = target((now) => now < 3000);
    const a = run(check({ confirmRetries: 2 }), twice);
    a.s.start();
    await vi.advanceTimersByTimeAsync(20_010);
    a.s.close();
    expect(a.reported.map((r) => [r.ts, r.status, r.urgent])).toEqual([
      [0, 'down', false],
      [2005, 'down', true],
      [4010, 'up', true],
      [10_000, 'up', false],
      [20_000, 'up', false],
    ]);
    vi.useFakeTimers({ now: 0 });
    const off = target(() => true);
    const b = run(check({ retryIntervalMs: 0 }), off);
    b.s.start();
    await vi.advanceTimersByTimeAsync(20_000);
    b.s.close();
    expect(off.t.starts).toEqual([0, 10_000, 20_000]);
  });

  it('a re-probe never overlaps a run of the check: still going at the normal time, it stands in for that run; not armed when the normal run comes first', async () => {
    vi.useFakeTimers({ now: 0 });
    const slow = target(() => true, 6000); // a failing run takes 6 s (a timeout)
    const a = run(check(), slow);
    a.s.start();
    await vi.advanceTimersByTimeAsync(30_000);
    a.s.close();
    // 0 → result at 6 s, re-probe at 8 s (until 14 s): the run due at 10 s is skipped; then 20 s, 30 s
    expect(slow.t.starts).toEqual([0, 8000, 20_000, 30_000]);
    expect(slow.t.maxRunning).toBe(1);

    vi.useFakeTimers({ now: 0 });
    const fast = target(() => true, 1500);
    const b = run(check({ intervalMs: 3000, timeoutMs: 2000 }), fast);
    b.s.start();
    await vi.advanceTimersByTimeAsync(9000);
    b.s.close();
    expect(fast.t.starts).toEqual([0, 3000, 6000, 9000]); // 1.5 s + 2 s is past the next run at 3 s: no re-probe
  });

  it('close() cancels an armed re-probe: no run after it, no timer left', async () => {
    vi.useFakeTimers({ now: 0 });
    const x = target(() => true);
    const { s } = run(check(), x);
    s.start();
    await vi.advanceTimersByTimeAsync(1000); // the first run failed at 5 ms: re-probe armed for 2005
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    s.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(x.t.starts).toEqual([0]);
  });

  it('re-probes only failures that say nothing is serving (confirmOn): a 503 or a reset waits for the next normal run, unless confirmOn names it', async () => {
    for (const [reason, confirmOn, starts] of [
      ['status', DEFAULT_CONFIRM_ON, [0, 10_000, 20_000]],
      ['reset', DEFAULT_CONFIRM_ON, [0, 10_000, 20_000]],
      ['status', [...DEFAULT_CONFIRM_ON, 'status'], [0, 2005, 10_000, 20_000]],
      ['refused', DEFAULT_CONFIRM_ON, [0, 2005, 10_000, 20_000]],
    ] as const) {
      vi.useFakeTimers({ now: 0 });
      const x = target(() => true, 5, reason);
      const a = run(check({ confirmOn }), x);
      a.s.start();
      await vi.advanceTimersByTimeAsync(20_010);
      a.s.close();
      expect(x.t.starts, `${reason} with confirmOn ${confirmOn.join(',')}`).toEqual(starts);
    }
  });

  it('takes confirmOn per check and from defaults, and refuses an unknown reason', () => {
    const registry: ProbeRegistry = new Map([['web', target(() => false).registry.get('web')!]]);
    const file = (extra: object) => ({
      collector: { url: 'http://127.0.0.1:1' },
      stateDir: '/tmp/x',
      checks: [
        { id: 'a', type: 'web', ...extra },
        { id: 'b', type: 'web' },
      ],
    });
    const c = parseAgentConfig({ ...file({ confirmOn: ['status'] }), defaults: { confirmOn: ['refused'] } }, 'agent.yaml', registry);
    expect(c.checks.map((x) => x.confirmOn)).toEqual([['status'], ['refused']]);
    expect(parseAgentConfig(file({}), 'agent.yaml', registry).checks[0]!.confirmOn).toEqual(DEFAULT_CONFIRM_ON);
    expect(() => parseAgentConfig(file({ confirmOn: ['glitch'] }), 'agent.yaml', registry)).toThrow(
      expect.objectContaining({ code: 'VIGIL_ERR_CONFIG_INVALID' }),
    );
  });
});
