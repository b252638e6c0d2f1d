import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCollectorConfig } from '../../../collector/src/config.js';
import type { VigilError } from '../../../shared/errors.js';
import { tempDir } from '../../helpers/net.js';

const dir = tempDir();
afterAll(() => dir.remove());
const TOKEN = 'influx-token-0123456789abcdef';
const sink = (extra: Record<string, unknown> = {}) => ({ type: 'influxdb', url: 'http://127.0.0.1:8428', org: 'msp', bucket: 'vigil', token: TOKEN, ...extra });
/** A sink without `token` (tokenFile instead, or neither). */
const tokenless = (extra: Record<string, unknown> = {}) => {
  const { token: _, ...rest } = sink(extra);
  return rest;
};
const parse = (sinks: unknown) => parseCollectorConfig({ dataDir: dir.path, sinks }, 'collector.yaml', dir.path, {});
const problems = (sinks: unknown) => {
  try {
    parse(sinks);
  } catch (e) {
    const err = e as VigilError;
    expect(err.code).toBe('VIGIL_ERR_CONFIG_INVALID');
    return err.problems;
  }
  throw new Error('expected a config error');
};

describe('sinks: in collector.yaml', () => {
  it('defaults: name influxdb, the buffer under <dataDir>/sinks/<name>, 5,000 points a write, 1 GiB / 7 d bounds, no trailing slash', () => {
    const [s] = parse([sink({ url: 'https://influx.msp.example:8086/' })]).sinks;
    expect(s).toEqual({
      type: 'influxdb',
      name: 'influxdb',
      url: 'https://influx.msp.example:8086',
      org: 'msp',
      bucket: 'vigil',
      token: TOKEN,
      batchSize: 5000,
      flushIntervalMs: 1000,
      timeoutMs: 10_000,
      retryMinDelayMs: 1000,
      retryMaxDelayMs: 30_000,
      buffer: { dir: join(dir.path, 'sinks', 'influxdb'), maxBytes: 1024 ** 3, maxAgeMs: 7 * 86_400_000, fsync: 1000 },
    });
    const [t] = parse([sink({ name: 'vm', buffer: { maxBytes: '2GiB', maxAge: '1d', fsync: 'always', dir: 'buf' }, retry: { minDelay: '200ms' } })]).sinks;
    expect(t!.buffer).toEqual({ dir: join(dir.path, 'buf'), maxBytes: 2 * 1024 ** 3, maxAgeMs: 86_400_000, fsync: 'always' });
    expect(t!.retryMinDelayMs).toBe(200);
  });

  it('a bad URL is a start-up error with its path, as are every other problem of every sink in one report', () => {
    const p = problems([
      sink({ url: 'not a url' }),
      sink({ name: 'b', url: 'ftp://influx:21' }),
      sink({ name: 'c', url: 'http://user:pw@influx:8086' }),
      sink({ name: 'd', url: 'http://influx:8086/?org=x' }),
      { type: 'kafka' },
      sink({ name: 'b', batchSize: 0, retry: { minDelay: '1m', maxDelay: '1s' }, buffer: { maxBytes: '10KiB' } }),
    ]);
    const at = (path: string) => p.filter((x) => x.path === path).map((x) => x.message);
    expect(at('/sinks/0/url')[0]).toMatch(/not a URL/);
    expect(at('/sinks/1/url')[0]).toMatch(/ftp: is not http/);
    expect(at('/sinks/2/url')[0]).toMatch(/credentials/);
    expect(at('/sinks/3/url')[0]).toMatch(/query/);
    expect(at('/sinks/4/type')[0]).toMatch(/influxdb/);
    expect(at('/sinks/5/batchSize').length).toBe(1);
  });

  it('bounds, duplicate names and the token are checked once the shape is right', () => {
    const p = problems([
      sink({ name: 'a', retry: { minDelay: '1m', maxDelay: '1s' }, buffer: { maxBytes: '10KiB', maxAge: '10s' } }),
      sink({ name: 'a' }),
      tokenless({ name: 'n' }),
      sink({ name: 'm', tokenFile: 'x' }),
    ]);
    expect(p).toEqual(
      expect.arrayContaining([
        { path: '/sinks/0/retry/maxDelay', message: 'must be at least retry.minDelay (60000 ms)' },
        { path: '/sinks/0/buffer/maxBytes', message: 'must be between 1MiB and 1TiB' },
        { path: '/sinks/0/buffer/maxAge', message: 'must be between 1m and 90d' },
        { path: '/sinks/1/name', message: '"a" is already the name of sink 0: give each sink its own name' },
        { path: '/sinks/2', message: expect.stringMatching(/exactly one of token or tokenFile/) },
        { path: '/sinks/3', message: expect.stringMatching(/exactly one of token or tokenFile/) },
      ]),
    );
    expect(p).toHaveLength(6);
  });

  it('tokenFile: read when 0600, refused when others may read it', () => {
    const f = join(dir.path, 'influx.token');
    writeFileSync(f, `${TOKEN}\n`, { mode: 0o600 });
    expect(parse([tokenless({ tokenFile: 'influx.token' })]).sinks[0]!.token).toBe(TOKEN);
    chmodSync(f, 0o644);
    try {
      parse([tokenless({ tokenFile: 'influx.token' })]);
      throw new Error('expected a refusal');
    } catch (e) {
      expect((e as VigilError).code).toBe('VIGIL_ERR_SECRET_FILE_OPEN');
      expect((e as VigilError).message).toContain(`chmod 600 ${f}`);
      expect((e as VigilError).problems[0]!.path).toBe('/sinks/0/tokenFile');
    }
  });
});
