import { Type } from 'typebox';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import type { CheckConfig } from '../../../agent/src/config.js';
import type { ProbeRegistry } from '../../../agent/src/probes/registry.js';
import { ProbeRuntime } from '../../../agent/src/probes/runtime.js';
import type { Probe } from '../../../agent/src/probes/types.js';
import { phaseOf, Scheduler } from '../../../agent/src/scheduler.js';

afterEach(() => vi.useRealTimers());

/** The fake probes here keep no state; the scheduler hands the runtime to each run. */
const runtime = new ProbeRuntime({ loadNative: () => null });

const check = (id: string, type: string, intervalMs = 10_000): CheckConfig => ({ id, type, intervalMs, timeoutMs: 1000, retries: 0, labels: {}, options: {} });

/** Probes that record when each check ran (wall ms) and take `ms` to finish. */
function recordingRegistry(ms = 5) {
  const runs: Array<{ id: string; at: number }> = [];
  const make = (type: string, paced: boolean): Probe => ({
    type,
    paced,
    options: Type.Object({}),
    describe: () => type,
    run: (o, ctx) =>
      new Promise((resolve) => {
        runs.push({ id: (o as { id?: string }).id ?? '?', at: Date.now() });
        setTimeout(() => resolve({ status: 'up', durationMs: ms, metrics: {} }), ms);
        void ctx;
      }),
  });
  const registry: ProbeRegistry = new Map([
    ['bulk', make('bulk', false)],
    ['stream', make('stream', true)],
  ]);
  return { registry, runs };
}
const withIds = (cs: CheckConfig[]) => cs.map((c) => ({ ...c, options: { id: c.id } }));

describe('scheduler: checks in coalesced groups', () => {
  it("phaseOf: slot 0 keeps each check's own offset; a slot rounds offsets to its boundaries, paced probes half a slot later", () => {
    const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const own = ids.map((id) => phaseOf({ id, intervalMs: 10_000 }, 0, false));
    expect(new Set(own).size).toBeGreaterThan(30);
    expect(new Set(ids.map((id) => phaseOf({ id, intervalMs: 10_000 }, 10_000, false)))).toEqual(new Set([0]));
    expect(new Set(ids.map((id) => phaseOf({ id, intervalMs: 10_000 }, 10_000, true)))).toEqual(new Set([5000]));
    const minute = new Set(ids.map((id) => phaseOf({ id, intervalMs: 60_000 }, 10_000, false)));
    expect([...minute].every((p) => p % 10_000 === 0 && p < 60_000)).toBe(true);
    expect(minute.size).toBeGreaterThan(1);
  });

  it('40 checks at 10 s wake the agent twice per interval (burst + paced), on wall-clock phases, each check once per interval', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 25, 12, 0, 3, 250) });
    const { registry, runs } = recordingRegistry();
    const checks = withIds([
      ...Array.from({ length: 30 }, (_, i) => check(`b${i}`, 'bulk')),
      ...Array.from({ length: 10 }, (_, i) => check(`s${i}`, 'stream')),
    ]);
    const results: string[] = [];
    const s = new Scheduler(checks, registry, runtime, systemClock, silentLogger(), (r) => results.push(r.checkId), 10_000);
    expect(s.groups.length).toBe(2);
    s.start();
    await vi.advanceTimersByTimeAsync(30_000);
    s.close();
    const times = [...new Set(runs.map((r) => r.at % 10_000))].sort((a, b) => a - b);
    expect(times).toEqual([0, 5000]);
    const perCheck = new Map<string, number>();
    for (const r of runs) perCheck.set(r.id, (perCheck.get(r.id) ?? 0) + 1);
    expect([...perCheck.values()].every((n) => n === 3)).toBe(true);
    expect(perCheck.size).toBe(40);
    expect(results.length).toBe(120);
  });

  it('slot 0: every check at its own offset (the old spread), still once per interval and without drift', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 25, 12, 0, 0, 0) });
    const { registry, runs } = recordingRegistry(40);
    const checks = withIds(Array.from({ length: 20 }, (_, i) => check(`b${i}`, 'bulk')));
    const s = new Scheduler(checks, registry, runtime, systemClock, silentLogger(), () => undefined, 0);
    s.start();
    await vi.advanceTimersByTimeAsync(100_000);
    s.close();
    const byCheck = new Map<string, number[]>();
    for (const r of runs) byCheck.set(r.id, [...(byCheck.get(r.id) ?? []), r.at]);
    expect(new Set(runs.map((r) => r.at % 10_000)).size).toBeGreaterThan(15);
    for (const [id, at] of byCheck) {
      expect(at.length).toBe(10);
      expect(new Set(at.map((t) => t % 10_000))).toEqual(new Set([phaseOf({ id, intervalMs: 10_000 }, 0, false)]));
    }
  });

  it('a long-interval check runs once within a slot of start-up, then on its wall-clock phase', async () => {
    const start = Date.UTC(2026, 10, 25, 12, 0, 1, 500);
    vi.useFakeTimers({ now: start });
    const { registry, runs } = recordingRegistry();
    const checks = withIds(Array.from({ length: 12 }, (_, i) => check(`m${i}`, 'bulk', 300_000)));
    const s = new Scheduler(checks, registry, runtime, systemClock, silentLogger(), () => undefined, 10_000);
    s.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(new Set(runs.map((r) => r.id)).size).toBe(12); // every check within the first slot
    expect(runs.every((r) => r.at - start <= 10_000 && r.at % 10_000 === 0)).toBe(true);
    await vi.advanceTimersByTimeAsync(600_000);
    s.close();
    for (const c of checks) {
      const later = runs.filter((r) => r.id === c.id && r.at - start > 10_000).map((r) => r.at);
      expect(later.length).toBe(2);
      expect(later.every((t) => t % 300_000 === phaseOf(c, 10_000, false))).toBe(true);
    }
  });

  it('a run still going when its next turn comes is skipped, not doubled', async () => {
    vi.useFakeTimers({ now: 0 });
    const { registry, runs } = recordingRegistry(25_000);
    const s = new Scheduler(withIds([check('slow', 'bulk')]), registry, runtime, systemClock, silentLogger(), () => undefined, 10_000);
    s.start();
    await vi.advanceTimersByTimeAsync(60_000);
    s.close();
    expect(runs.map((r) => r.at)).toEqual([0, 30_000, 60_000]); // 10, 20, 40 and 50 s skipped: the run before was still going
  });

  it('reports `idle` with the last result of a burst only; close() aborts the attempts still running and they still report', async () => {
    vi.useFakeTimers({ now: 0 });
    const { registry } = recordingRegistry(30);
    const waiting: Probe = {
      type: 'hang',
      options: Type.Object({}),
      describe: () => 'hang',
      run: (_o, ctx) =>
        new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () =>
            resolve({ status: 'down', reason: 'timeout', message: String((ctx.signal.reason as Error).name), durationMs: 0, metrics: {} }),
          ),
        ),
    };
    (registry as Map<string, Probe>).set('hang', waiting);
    const seen: Array<[string, boolean, string?]> = [];
    const s = new Scheduler(
      withIds([check('a', 'bulk'), check('b', 'bulk'), check('c', 'bulk')]),
      registry,
      runtime,
      systemClock,
      silentLogger(),
      (r, idle) => seen.push([r.checkId, idle]),
      10_000,
    );
    s.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(seen.map(([, idle]) => idle)).toEqual([false, false, true]);
    s.close();

    const seen2: Array<[string, boolean, string?]> = [];
    const hang = new Scheduler(
      [{ ...check('h', 'hang'), timeoutMs: 60_000 }],
      registry,
      runtime,
      systemClock,
      silentLogger(),
      (r, idle) => seen2.push([r.checkId, idle, r.message]),
      10_000,
    );
    hang.start();
    await vi.advanceTimersByTimeAsync(10_000); // its phase: the next 10 s boundary
    expect(hang.idle).toBe(false);
    hang.close();
    await vi.advanceTimersByTimeAsync(1);
    expect(seen2).toEqual([['h', true, 'AbortError']]);
    expect(hang.idle).toBe(true);
  });
});
