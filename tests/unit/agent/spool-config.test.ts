import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../agent/src/config.js';
import { defaultRegistry } from '../../../agent/src/probes/registry.js';
import type { VigilError } from '../../../shared/errors.js';

const base = { collector: { url: 'http://127.0.0.1:1' }, stateDir: '/var/lib/vigil-agent', checks: [] };
const parse = (extra: Record<string, unknown>) => parseAgentConfig({ ...base, ...extra }, 'agent.yaml', defaultRegistry(), '/');
function problems(extra: Record<string, unknown>): Array<{ path: string; message: string }> {
  try {
    parse(extra);
  } catch (e) {
    expect((e as VigilError).code).toBe('VIGIL_ERR_CONFIG_INVALID');
    return (e as VigilError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('agent config: spool keys', () => {
  it('defaults: fsync 1s, 256 MiB, 7 days, 10 batches/s; no batch-count bound unless send.queueMaxBatches', () => {
    const c = parse({});
    expect(c.spool).toEqual({ fsync: 1000, maxBytes: 256 * 1024 * 1024, maxAgeMs: 7 * 86_400_000, replayRate: 10 });
    expect(c.queueMaxBatches).toBeUndefined();
    expect(parse({ send: { queueMaxBatches: 50 } }).queueMaxBatches).toBe(50);
  });

  it('takes fsync always or a duration, sizes with units or in bytes, durations for maxAge', () => {
    expect(parse({ spool: { fsync: 'always', maxBytes: '64MiB', maxAge: '36h', replayRate: 2.5 } }).spool).toEqual({
      fsync: 'always',
      maxBytes: 64 * 1024 * 1024,
      maxAgeMs: 36 * 3_600_000,
      replayRate: 2.5,
    });
    expect(parse({ spool: { fsync: '250ms', maxBytes: 2_000_000 } }).spool).toMatchObject({ fsync: 250, maxBytes: 2_000_000 });
    expect(parse({ spool: { maxBytes: '1.5 GB' } }).spool.maxBytes).toBe(1_500_000_000);
  });

  it('refuses bad values, each with its path, all at once', () => {
    const p = problems({ spool: { fsync: '5m', maxBytes: '100KiB', maxAge: '10s' } });
    expect(p.map((x) => x.path).sort()).toEqual(['/spool/fsync', '/spool/maxAge', '/spool/maxBytes']);
    expect(p.find((x) => x.path === '/spool/fsync')!.message).toMatch(/loss window/);
    expect(problems({ spool: { maxBytes: '2TiB' } }).map((x) => x.path)).toEqual(['/spool/maxBytes']);
    expect(problems({ spool: { fsync: 'sometimes' } })[0]!.path).toBe('/spool/fsync');
    expect(problems({ spool: { maxBytes: '12 parsecs' } })[0]!.path).toBe('/spool/maxBytes');
    expect(problems({ spool: { replayRate: 0 } })[0]!.path).toBe('/spool/replayRate');
    expect(problems({ spool: { dir: '/tmp/elsewhere' } })[0]).toMatchObject({ path: '/spool', message: expect.stringContaining('dir') });
  });
});
