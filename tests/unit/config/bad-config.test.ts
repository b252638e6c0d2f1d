import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../agent/src/config.js';
import { defaultRegistry } from '../../../agent/src/probes/registry.js';
import type { VigilError } from '../../../shared/errors.js';
import { tempDir, VIGIL } from '../../helpers/net.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('bad config: exit non-zero, every problem with its path', () => {
  it('vigil collector check-config lists every problem', () => {
    const f = join(dir.path, 'collector.yaml');
    writeFileSync(f, 'listen: { port: 99999 }\nstate: { confirmDown: 0 }\nnotifications: { webhooks: [ { name: x, url: "ftp://nope" } ] }\ncolour: red\n');
    const r = spawnSync('node', [VIGIL, 'collector', 'check-config', '-c', f], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('VIGIL_ERR_CONFIG_INVALID');
    for (const p of ['/listen/port', '/state/confirmDown', '/notifications/webhooks/0/url', 'dataDir', 'colour']) expect(r.stderr).toContain(p);
  });

  it('vigil agent check-config lists problems of the file and of each check', () => {
    const f = join(dir.path, 'agent.yaml');
    writeFileSync(
      f,
      [
        'collector: { url: "http://127.0.0.1:1" }',
        'stateDir: ./s',
        'checks:',
        '  - { id: a, type: http, url: "not-a-url" }',
        '  - { id: a, type: tcp, host: h, port: 70000 }',
        '  - { id: c, type: gopher }',
        '  - { id: d, type: tcp, host: h, port: 1, interval: 1s, timeout: 5s }',
      ].join('\n'),
    );
    const r = spawnSync('node', [VIGIL, 'agent', 'check-config', '-c', f], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    for (const p of ['/checks/0/url', '/checks/1/port', '/checks/1/id', '/checks/2/type', '/checks/3/timeout']) expect(r.stderr).toContain(p);
    expect(r.stderr).toMatch(/known: http, tcp, icmp/);
  });

  it('a good agent config parses with defaults and labels merged', () => {
    const c = parseAgentConfig(
      {
        collector: { url: 'http://127.0.0.1:1' },
        stateDir: '/tmp/x',
        labels: { client: 'acme' },
        checks: [{ id: 'w', type: 'http', url: 'http://127.0.0.1/', labels: { service: 'web' } }],
      },
      't',
      defaultRegistry(),
    );
    expect(c.checks[0]).toMatchObject({
      id: 'w',
      intervalMs: 30_000,
      timeoutMs: 5_000,
      labels: { client: 'acme', service: 'web' },
      options: { url: 'http://127.0.0.1/' },
    });
    expect(c.scheduleSlotMs).toBe(10_000);
  });

  const base = { collector: { url: 'http://127.0.0.1:1' }, stateDir: '/tmp/x', checks: [] };
  /** Each of `values` under `key` makes the config invalid with a problem under `/key`. */
  const expectProblemsAt = (key: string, values: unknown[]) => {
    for (const bad of values) {
      try {
        parseAgentConfig({ ...base, [key]: bad }, 't', defaultRegistry());
        expect.unreachable();
      } catch (e) {
        expect((e as VigilError).code).toBe('VIGIL_ERR_CONFIG_INVALID');
        expect((e as VigilError).problems.some((p) => p.path.startsWith(`/${key}`))).toBe(true);
      }
    }
  };

  it('schedule.slot: a duration, 0 turns coalescing off, anything else is a problem with its path', () => {
    expect(parseAgentConfig({ ...base, schedule: { slot: '5s' } }, 't', defaultRegistry()).scheduleSlotMs).toBe(5_000);
    expect(parseAgentConfig({ ...base, schedule: { slot: 0 } }, 't', defaultRegistry()).scheduleSlotMs).toBe(0);
    expectProblemsAt('schedule', [{ slot: 'soon' }, { slot: -1 }, { slots: 3 }]);
  });

  it('memory.trim: on by default, false turns it off, a non-boolean is a problem with its path', () => {
    expect(parseAgentConfig(base, 't', defaultRegistry()).memoryTrim).toBe(true);
    expect(parseAgentConfig({ ...base, memory: { trim: false } }, 't', defaultRegistry()).memoryTrim).toBe(false);
    expectProblemsAt('memory', [{ trim: 'yes' }, { trimm: true }]);
  });
});
