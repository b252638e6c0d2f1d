import { describe, expect, it } from 'vitest';
import { judgeSample, memberStateOf, percentile } from '../../../shared/sla/thresholds.js';
import type { ServiceDefinition } from '../../../shared/sla/types.js';

const svc = (thresholds: ServiceDefinition['thresholds']): ServiceDefinition => ({
  id: 's',
  target: 99.9,
  period: 'calendar-month',
  members: ['c'],
  downtime: { when: { membersDown: 1 }, minDurationMs: 0 },
  unknown: 'exclude',
  maintenance: [],
  thresholds,
});
const sample = (metrics: Record<string, number>, recent: number[] = [10], status: 'up' | 'down' | 'degraded' = 'up') => ({
  status,
  metrics,
  recentDurationsMs: recent,
});

describe('thresholds turn samples into member states', () => {
  it('MOS, error rate and p95 latency make an up result degraded', () => {
    expect(judgeSample(sample({ mos: 3.4 }), { mosBelow: 3.5 })).toBe('degraded');
    expect(judgeSample(sample({ mos: 3.6 }), { mosBelow: 3.5 })).toBe('up');
    expect(judgeSample(sample({ error_ratio: 0.02 }), { errorRateAbove: 0.01 })).toBe('degraded');
    expect(judgeSample(sample({}, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 900]), { latencyP95AboveMs: 500 })).toBe('up');
    expect(judgeSample(sample({}, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 900, 900]), { latencyP95AboveMs: 500 })).toBe(
      'degraded',
    );
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
  });

  it('degraded counts as down unless every service containing the check says up', () => {
    const strict = svc({ mosBelow: 3.5 });
    const lenient = svc({ mosBelow: 3.5, degradedCounts: 'up' });
    expect(memberStateOf(sample({ mos: 3.0 }), [strict], 'down')).toBe('down');
    expect(memberStateOf(sample({ mos: 3.0 }), [lenient], 'down')).toBe('up');
    expect(memberStateOf(sample({ mos: 3.0 }), [lenient, strict], 'down')).toBe('down');
    expect(memberStateOf(sample({}, [10], 'degraded'), [], 'up')).toBe('up');
    expect(memberStateOf(sample({}, [10], 'down'), [lenient], 'up')).toBe('down');
  });
});
