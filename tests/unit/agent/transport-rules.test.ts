import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { envelopeBytes, fits, halve, ParsedBatch } from '../../../agent/src/batch-split.js';
import { DEFAULT_LIMITS, readLimits } from '../../../agent/src/collector-limits.js';
import { parseAgentConfig } from '../../../agent/src/config.js';
import { defaultRegistry } from '../../../agent/src/probes/registry.js';
import { backoffMs, parseRetryAfter, retryAfterMs, verdictOf } from '../../../agent/src/retry-policy.js';
import { SplitJournal } from '../../../agent/src/split-journal.js';
import type { VigilError } from '../../../shared/errors.js';
import { tempDir } from '../../helpers/net.js';

const dir = tempDir();
afterAll(() => dir.remove());
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

describe('retry policy', () => {
  it('answers map to what the agent does with them', () => {
    const cases: Array<[number | string, string]> = [
      [200, 'ack'],
      [413, 'split'],
      [400, 'drop'],
      [429, 'rate'],
      [500, 'retry'],
      [503, 'retry'],
      [408, 'retry'],
      ['ECONNREFUSED', 'retry'],
      ['UND_ERR_HEADERS_TIMEOUT', 'retry'],
      [401, 'auth'],
      [403, 'auth'],
      [404, 'misrouted'],
      [302, 'misrouted'],
    ];
    for (const [status, verdict] of cases) expect([status, verdictOf(status)]).toEqual([status, verdict]);
  });

  it('full jitter: uniform under min(cap, base · 2^(n−1)), never a tight loop', () => {
    const t = { baseMs: 1000, capMs: 60_000, maxRetryAfterMs: 300_000, slowMs: 60_000 };
    expect([1, 2, 3, 6, 7, 8, 40].map((n) => backoffMs(n, () => 0.999999, t))).toEqual([999, 1999, 3999, 31_999, 59_999, 59_999, 59_999]);
    expect(backoffMs(5, () => 0, t)).toBe(10);
    expect(backoffMs(3, () => 0.25, t)).toBe(1000);
  });

  it('Retry-After: delay-seconds or an HTTP date, bounded; garbage is no answer', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter(new Date(NOW - 90_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter(['3', '9'], NOW)).toBe(3000);
    for (const bad of [undefined, '', '-5', '1.5', 'soon', '99999999999']) expect(parseRetryAfter(bad, NOW)).toBeUndefined();
    expect(retryAfterMs('86400', NOW)).toBe(300_000);
  });
});

describe('collector limits and split planning', () => {
  it('advertised limits are taken only within sane bounds, over the last known ones', () => {
    expect(readLimits(undefined)).toBeUndefined();
    expect(readLimits({ maxBatchBytes: 4096, maxSamplesPerBatch: 100, batchesPerSecond: 2.5 })).toEqual({
      maxBatchBytes: 4096,
      maxSamplesPerBatch: 100,
      batchesPerSecond: 2.5,
    });
    const base = { maxBatchBytes: 4096, maxSamplesPerBatch: 100, batchesPerSecond: 2.5 };
    expect(readLimits({ maxBatchBytes: 1, maxSamplesPerBatch: 1e9, batchesPerSecond: 'fast' }, base)).toEqual(base);
    expect(readLimits({}, DEFAULT_LIMITS)).toEqual(DEFAULT_LIMITS);
  });

  it('halving is deterministic and stops where the parts fit by count and by bytes; a single sample always stands alone', () => {
    const samples = Array.from({ length: 11 }, (_, i) => ({ kind: 'metric', name: 'm', ts: i, value: i, ...(i === 4 ? { pad: 'x'.repeat(500) } : {}) }));
    const b = new ParsedBatch(7, JSON.stringify({ seq: 7, samples }));
    const env = envelopeBytes('acme.a');
    const limits = { maxBatchBytes: 400, maxSamplesPerBatch: 4, batchesPerSecond: 10 };
    const ranges = halve(b, 0, 11, limits, env);
    expect(ranges).toEqual(halve(b, 0, 11, limits, env));
    expect(ranges.flatMap(([f, t]) => Array.from({ length: t - f }, (_, i) => f + i))).toEqual([...Array(11).keys()]);
    for (const [f, t] of ranges) expect(fits(b, f, t, limits, env)).toBe(true);
    expect(ranges).toContainEqual([4, 5]); // the 500-byte sample over the 400-byte limit, alone
    expect(JSON.parse(b.payload(9, 2, 4))).toEqual({ seq: 9, samples: samples.slice(2, 4) });
    expect(halve(b, 0, 3, DEFAULT_LIMITS, env, true)).toEqual([
      [0, 2],
      [2, 3],
    ]); // a 413 halves even what looks within the limits
  });

  it('the split journal survives a restart and forgets what start-up finds the spool past; unreadable, it starts empty', () => {
    const path = join(dir.path, 'spool-split.json');
    const a = new SplitJournal(path, silentLogger());
    const s5 = {
      parent: 5,
      leaves: [
        { seq: 70, from: 0, to: 3, done: true },
        { seq: 71, from: 3, to: 6, done: false },
      ],
    };
    a.record(s5);
    a.complete({ parent: 2, leaves: [] });
    a.record({ parent: 9, leaves: [{ seq: 72, from: 0, to: 1, done: false }] });
    const b = new SplitJournal(path, silentLogger());
    b.load(3);
    expect(b.of(5)).toEqual(s5);
    expect(b.of(2)).toBeUndefined(); // before the head: forgotten
    b.load(1); // nothing re-read that was pruned: the file was rewritten
    expect(b.of(2)).toBeUndefined();
    const c = new SplitJournal(path, silentLogger());
    c.load(1);
    expect(c.of(9)).toEqual({ parent: 9, leaves: [{ seq: 72, from: 0, to: 1, done: false }] });
    c.dropBefore(9);
    expect(JSON.parse(readFileSync(path, 'utf8')).splits.map((s: { parent: number }) => s.parent)).toEqual([9]);
    writeFileSync(path, '{"splits": [');
    const d = new SplitJournal(path, silentLogger());
    d.load(1);
    expect(d.of(9)).toBeUndefined();
  });
});

describe('agent config: faster confirmation', () => {
  const base = { collector: { url: 'http://127.0.0.1:1' }, stateDir: '/var/lib/vigil-agent' };
  const tcp = (extra: Record<string, unknown> = {}) => ({ id: 'sw-1', type: 'tcp', host: '10.0.0.2', port: 22, ...extra });
  const parse = (f: Record<string, unknown>) => parseAgentConfig({ ...base, ...f }, 'agent.yaml', defaultRegistry(), '/');

  it('retryInterval 2s and confirmRetries 1 by default; in defaults; per check; 0 is off', () => {
    expect(parse({ checks: [tcp()] }).checks[0]).toMatchObject({ retryIntervalMs: 2000, confirmRetries: 1 });
    const d = parse({ defaults: { retryInterval: '3s', confirmRetries: 2 }, checks: [tcp(), tcp({ id: 'sw-2', retryInterval: 0, confirmRetries: 0 })] });
    expect(d.checks.map((c) => [c.retryIntervalMs, c.confirmRetries])).toEqual([
      [3000, 2],
      [0, 0],
    ]);
    expect(parse({ checks: [tcp({ interval: '1s', timeout: '1s' })] }).checks[0]!.retryIntervalMs).toBe(2000); // the default: no effect, no error
  });

  it('refuses a retryInterval that is not shorter than the interval, or too short, with its path', () => {
    try {
      parse({ checks: [tcp({ interval: '10s', retryInterval: '10s' }), tcp({ id: 'sw-2', retryInterval: '50ms' }), tcp({ id: 'sw-3', confirmRetries: 11 })] });
      throw new Error('expected a refusal');
    } catch (e) {
      expect((e as VigilError).problems.map((p) => p.path).sort()).toEqual(['/checks/0/retryInterval', '/checks/1/retryInterval', '/checks/2/confirmRetries']);
    }
  });
});
