import { Type } from 'typebox';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import type { CheckConfig } from '../../../agent/src/config.js';
import { DEFAULT_MOS_THRESHOLD, DEFAULT_WARN_DAYS, judgeQuality } from '../../../agent/src/probes/quality.js';
import { ProbeRuntime } from '../../../agent/src/probes/runtime.js';
import type { Probe, ProbeResult } from '../../../agent/src/probes/types.js';
import { runCheck } from '../../../agent/src/scheduler.js';

const up = (metrics: Record<string, number>): ProbeResult => ({ status: 'up', durationMs: 12, metrics });

describe('judgeQuality: quality thresholds in one place, after the probe measured', () => {
  it('defaults are defined once: MOS 3.5, certificate warning 14 days', () => {
    expect([DEFAULT_MOS_THRESHOLD, DEFAULT_WARN_DAYS]).toEqual([3.5, 14]);
  });

  it('a MOS below the threshold is degraded with reason mos; the figures are kept', () => {
    const r = up({ mos: 3.2, loss_ratio: 0 });
    expect(judgeQuality({}, r)).toEqual({
      status: 'degraded',
      reason: 'mos',
      message: 'MOS 3.20 below 3.5',
      durationMs: 12,
      metrics: { mos: 3.2, loss_ratio: 0 },
    });
    expect(judgeQuality({}, up({ mos: 3.4999 })).status).toBe('degraded');
  });

  it('a MOS at or above the threshold stays up, unchanged', () => {
    const at = up({ mos: 3.5 });
    expect(judgeQuality({}, at)).toBe(at);
    const above = up({ mos: 4.41 });
    expect(judgeQuality({}, above)).toBe(above);
  });

  it("the check's own mosThreshold is honoured, both ways", () => {
    expect(judgeQuality({ mosThreshold: 3 }, up({ mos: 3.2 })).status).toBe('up');
    expect(judgeQuality({ mosThreshold: 4 }, up({ mos: 3.8 }))).toMatchObject({ status: 'degraded', reason: 'mos', message: 'MOS 3.80 below 4' });
  });

  it('a result without a mos figure is returned as it was', () => {
    const http = up({ status_code: 200, total_seconds: 0.01 });
    expect(judgeQuality({ mosThreshold: 4.5 }, http)).toBe(http);
  });

  it("only an up result is judged: a probe's own verdict (down, degraded by loss) stands", () => {
    const lossy: ProbeResult = { status: 'degraded', reason: 'loss', message: '20 % loss', durationMs: 5, metrics: { mos: 2.1, loss_ratio: 0.2 } };
    expect(judgeQuality({}, lossy)).toBe(lossy);
    const down: ProbeResult = { status: 'down', reason: 'refused', durationMs: 1, metrics: { mos: 1 } };
    expect(judgeQuality({}, down)).toBe(down);
  });

  it('tls: a chain expiring inside warnDays (default 14) is degraded with reason expiry; outside, or not measured, up', () => {
    expect(judgeQuality({}, up({ tls_chain_expiry_days: 3.04 }))).toMatchObject({
      status: 'degraded',
      reason: 'expiry',
      message: 'certificate expires in 3.0 days',
    });
    expect(judgeQuality({ warnDays: 2 }, up({ tls_chain_expiry_days: 3.04 })).status).toBe('up');
    expect(judgeQuality({ warnDays: 30 }, up({ tls_chain_expiry_days: 20 })).status).toBe('degraded');
    expect(judgeQuality({}, up({ tls_chain_expiry_days: 20 })).status).toBe('up');
    expect(judgeQuality({}, up({ tls_chain_expiry_days: NaN })).status).toBe('up'); // no certificate read: nothing to judge
    expect(judgeQuality({}, up({ tls_cert_expiry_days: 3 })).status).toBe('up'); // the http probe's leaf figure: no warnDays there
  });
});

describe('runCheck applies the judge to every attempt', () => {
  const runtime = new ProbeRuntime({ loadNative: () => null });
  afterAll(() => runtime.close());
  let attempts = 0;
  const voiceLike: Probe = {
    type: 'fake-voice',
    options: Type.Object({}),
    describe: () => 'udp://fake',
    run: async () => (attempts++, up({ mos: 2.5 })),
  };
  const registry = new Map([[voiceLike.type, voiceLike]]);
  const check = (options: Record<string, unknown>, retries = 0): CheckConfig => ({
    id: 'v',
    type: voiceLike.type,
    intervalMs: 10_000,
    timeoutMs: 1000,
    retries,
    labels: {},
    options,
  });

  it('a probe that reports up with a low MOS comes out degraded, reason mos, its MOS in the sample', async () => {
    attempts = 0;
    const r = await runCheck(check({}), registry, runtime, systemClock, silentLogger());
    expect(r).toMatchObject({ status: 'degraded', reason: 'mos', message: 'MOS 2.50 below 3.5', metrics: { mos: 2.5 } });
    expect(attempts).toBe(1);
  });

  it('a degraded attempt is retried like before (the judge runs before the retry decision); a lower threshold makes it up at once', async () => {
    attempts = 0;
    expect((await runCheck(check({}, 2), registry, runtime, systemClock, silentLogger())).status).toBe('degraded');
    expect(attempts).toBe(3);
    attempts = 0;
    expect((await runCheck(check({ mosThreshold: 2 }, 2), registry, runtime, systemClock, silentLogger())).status).toBe('up');
    expect(attempts).toBe(1);
  });
});
