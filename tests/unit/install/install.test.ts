import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Minimal INI reader: section → key → values (systemd allows repeated keys). */
function units(path: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const s = /^\[(\w+)\]$/.exec(line);
      if (s) return void out.set(s[1]!, (section = new Map()));
      const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
      if (!kv || !section) throw new Error(`${path}:${i + 1}: not key=value inside a section: ${line}`);
      section.set(kv[1]!, [...(section.get(kv[1]!) ?? []), kv[2]!]);
    });
  return out;
}

describe('install/', () => {
  it('systemd units parse, run the CLI, and the agent keeps CAP_NET_RAW only', () => {
    const c = units('install/systemd/vigil-collector.service');
    const a = units('install/systemd/vigil-agent.service');
    expect(c.get('Service')!.get('ExecStart')![0]).toMatch(/vigil\.js collector run --config /);
    const agent = a.get('Service')!;
    expect(agent.get('ExecStart')).toEqual(['/opt/vigil-agent/bin/vigil-agent run --config /etc/vigil/agent.yaml']);
    expect(agent.get('ExecStartPre')).toEqual(['/opt/vigil-agent/bin/vigil-agent check-config --config /etc/vigil/agent.yaml']);
    expect(agent.get('AmbientCapabilities')).toEqual(['CAP_NET_RAW']);
    expect(agent.get('CapabilityBoundingSet')).toEqual(['CAP_NET_RAW']);
    // its own user, a read-only system, one writable state dir, restarted whatever the exit
    for (const [k, v] of [
      ['User', 'vigil-agent'],
      ['ProtectSystem', 'strict'],
      ['StateDirectory', 'vigil-agent'],
      ['Restart', 'always'],
      ['PrivateDevices', 'yes'],
    ] as const)
      expect([k, agent.get(k)]).toEqual([k, [v]]);
    expect(agent.get('ReadWritePaths')).toBeUndefined();
    for (const u of [a, c]) {
      expect(u.get('Service')!.get('NoNewPrivileges')).toEqual(['yes']);
      expect(u.get('Install')!.get('WantedBy')).toEqual(['multi-user.target']);
    }
  });

  it('the test-peer installer is valid bash and finds every peer on this machine (idempotent second run)', () => {
    expect(spawnSync('bash', ['-n', 'install/test-peers.sh']).status).toBe(0);
    const r = spawnSync('bash', ['install/test-peers.sh'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('test-peers: all present');
  });
});
