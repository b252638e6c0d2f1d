/**
 * The single-file agent (dist/sea/vigil-agent, npm run build:sea) on a host without Node: every
 * command runs with PATH set to an empty directory and nothing of the test's environment. It
 * enrolls with a real collector on loopback, validates its config, runs its checks once (ICMP on the
 * raw-socket addon and VoIP on agent/native, both loaded from the executable's assets) and then runs
 * for real until the collector has its results. The build is cached by its inputs
 * (dist/sea/inputs.sha256): only the first run after a change pays for it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addonDirs } from '../../agent/sea/addon.js';
import { missingEnvironment, SEA_ENVIRONMENT, SEA_HEAP_FLAGS, SEA_V8_FLAGS } from '../../agent/sea/flags.js';
import { loadNetPing, PingSessions } from '../../agent/src/probes/ping-sessions.js';
import { VERSION } from '../../shared/version.js';
import { freePort, startChild, tempDir, VIGIL, VIGIL_AGENT, waitFor, type Child } from '../helpers/net.js';

const ROOT = process.cwd();
const SEA = join(ROOT, 'dist/sea/vigil-agent');
const ADMIN = 'sea-e2e-admin-token-0123456789';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the single-file agent runs where there is no Node', () => {
  const dir = tempDir();
  const empty = join(dir.path, 'no-node-here');
  /** Nothing of the test's environment: no node on PATH, no NODE_OPTIONS of vitest. */
  const bare = (extra: Record<string, string> = {}) => ({ PATH: empty, HOME: dir.path, ...extra });
  const children: Child[] = [];
  let collector: Child;
  let web: Server;
  let tcp: TcpServer;
  let base: string;
  let config: string;

  const sea = (args: string[], env: Record<string, string>) =>
    new Promise<Run>((resolve) => {
      const p = spawn(SEA, args, { cwd: dir.path, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const api = async <T>(path: string, init?: RequestInit) =>
    (await fetch(base + path, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' } })).json() as Promise<T>;

  beforeAll(async () => {
    mkdirSync(empty);
    const build = spawnSync(process.execPath, [join(ROOT, 'agent/sea/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, `npm run build:sea failed:\n${build.stderr}`).toBe(0);
    const [cPort, webPort, tcpPort, voipPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    base = `http://127.0.0.1:${cPort}`;
    web = createServer((_q, r) => r.end('all systems operational')).listen(webPort, '127.0.0.1');
    tcp = createTcpServer((s) => s.end()).listen(tcpPort, '127.0.0.1');
    writeFileSync(
      join(dir.path, 'collector.yaml'),
      `listen: { host: 127.0.0.1, port: ${cPort} }\ndataDir: ./data\nadminToken: ${ADMIN}\nlog: { level: warn }\n`,
    );
    collector = startChild('node', [VIGIL, 'collector', 'run', '-c', join(dir.path, 'collector.yaml')], dir.path);
    children.push(collector);
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok || undefined, 'collector', 20_000).catch((e) => {
      throw new Error(`${e.message}\n${collector.output()}`);
    });
    // the VoIP echo responder is the executable too
    const responder = startChild(SEA, ['responder', '--host', '127.0.0.1', '--port', String(voipPort)], dir.path, bare());
    children.push(responder);
    await waitFor(() => responder.output().includes('responder listening') || undefined, 'the responder', 10_000);
    config = join(dir.path, 'agent.yaml');
    const check = (id: string, rest: string) => `  - { id: ${id}, interval: 1s, timeout: 900ms, ${rest} }`;
    writeFileSync(
      config,
      [
        `collector: { url: "${base}", config: local }`,
        'stateDir: ./state',
        'labels: { client: sea, site: lab }',
        'send: { flushInterval: 300ms }',
        'host: { enabled: true }',
        'checks:',
        check('web', `type: http, url: "http://127.0.0.1:${webPort}/", keyword: operational`),
        check('port', `type: tcp, host: 127.0.0.1, port: ${tcpPort}`),
        check('ping', 'type: icmp, host: 127.0.0.1, packets: 3, spacingMs: 20'),
        check('path', `type: voip, host: 127.0.0.1, port: ${voipPort}, packets: 10`),
      ].join('\n'),
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all(children.reverse().map((c) => c.stop()));
    web?.close();
    tcp?.close();
    dir.remove();
  });

  it('prints its version and validates its config', async () => {
    expect(await sea(['--version'], bare())).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(await sea(['check-config', '-c', config], bare())).toMatchObject({ code: 0, stdout: `ok: ${config} (4 checks)\n` });
    const broken = join(dir.path, 'broken.yaml');
    writeFileSync(broken, readFileSync(config, 'utf8').replace('packets: 3,', 'packets: 0,'));
    const bad = await sea(['check-config', '-c', broken], bare());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^VIGIL_ERR_CONFIG_INVALID: .*\n {2}\/checks\/2\/packets: /);
  });

  it('runs every check once, ICMP and VoIP on the addons it carries', async () => {
    const r = await sea(['run-once', '-c', config, '--json'], bare(SEA_ENVIRONMENT));
    expect(r.code, r.stderr).toBe(0);
    const results = (JSON.parse(r.stdout) as { results: Array<{ checkId: string; status: string; metrics: Record<string, number> }> }).results;
    expect(results.map((x) => [x.checkId, x.status])).toEqual([
      ['web', 'up'],
      ['port', 'up'],
      ['ping', 'up'],
      ['path', 'up'],
    ]);
    expect(results[2]!.metrics.loss_ratio).toBe(0);
    expect(results[3]!.metrics.loss_ratio).toBe(0);
  });

  it('enrolls and runs against the collector until every check has reported, then stops cleanly', async () => {
    const { token } = await api<{ token: string }>('/api/v1/admin/enrollment-tokens', {
      method: 'POST',
      body: JSON.stringify({ clientId: 'sea', siteId: 'lab', maxUses: 1 }),
    });
    const enrolled = await sea(
      ['enroll', '--collector', base, '--state-dir', join(dir.path, 'state'), '--name', 'sea-agent'],
      bare({ VIGIL_ENROLL_TOKEN: token }),
    );
    expect(enrolled.code, enrolled.stderr).toBe(0);
    expect(enrolled.stdout).toMatch(/^enrolled as \S+ \(client sea, site lab\)/);
    const agent = startChild(SEA, ['run', '-c', config], dir.path, bare(SEA_ENVIRONMENT));
    children.push(agent);
    const states = async () => (await api<{ checks: Array<{ check: string; state: string }> }>('/api/v1/checks?client=sea')).checks;
    const all = await waitFor(
      async () => ((await states()).filter((c) => c.state === 'up').length === 4 ? states() : undefined),
      'all 4 checks up',
      30_000,
    ).catch((e) => {
      throw new Error(`${e.message}\nagent: ${agent.output()}`);
    });
    expect(all.map((c) => c.check).sort()).toEqual(['path', 'ping', 'port', 'web']);
    expect(agent.output()).not.toContain('vigil-agent-native is not built'); // the addon came from the executable
    expect(agent.output()).not.toContain('not set as the service sets them'); // started with the unit's environment
    await agent.stop();
    expect(agent.proc.exitCode).toBe(0);
  });

  it('without a directory to load its addons from, ICMP fails with a coded error and nothing crashes', async () => {
    const noDir = bare({ VIGIL_NATIVE_DIR: join(dir.path, 'missing') });
    const once = await sea(['run-once', '-c', config, '--json'], noDir);
    expect(once.code, once.stderr).toBe(0);
    const results = (JSON.parse(once.stdout) as { results: Array<{ checkId: string; status: string; message?: string }> }).results;
    expect(results.map((x) => [x.checkId, x.status])).toEqual([
      ['web', 'up'],
      ['port', 'up'],
      ['ping', 'down'],
      ['path', 'up'], // the JavaScript stream engine
    ]);
    expect(results[2]!.message).toMatch(/^VIGIL_ERR_NATIVE_UNAVAILABLE: ICMP checks need the raw-socket addon: could not load raw\.node .*VIGIL_NATIVE_DIR/);
    const run = await sea(['run', '-c', config], noDir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('not set as the service sets them: the agent runs with a larger resident footprint');
    expect(run.stderr).toMatch(
      /VIGIL_ERR_NATIVE_UNAVAILABLE: the agent cannot run some checks\n {2}checks\[type=icmp\]: VIGIL_ERR_NATIVE_UNAVAILABLE: ICMP checks need the raw-socket addon: could not load raw\.node/,
    );
  });

  it('starts with the same Node and V8 settings as bin/vigil-agent', () => {
    const launcher = readFileSync(VIGIL_AGENT, 'utf8');
    const flags = [...launcher.matchAll(/^\s+(--[a-z-]+(?:=\S+)?) \\$/gm)].map((m) => m[1]);
    expect(flags.sort()).toEqual([...SEA_V8_FLAGS, ...SEA_HEAP_FLAGS].sort());
    expect(launcher).toContain(`MALLOC_ARENA_MAX="\${MALLOC_ARENA_MAX:-${SEA_ENVIRONMENT.MALLOC_ARENA_MAX}}"`);
    expect(launcher).toContain(`GLIBC_TUNABLES="${SEA_ENVIRONMENT.GLIBC_TUNABLES}`);
  });
});

describe('how the single-file agent finds a place for its addons, and ICMP without one', () => {
  it("VIGIL_NATIVE_DIR alone when set; otherwise the unit's directories first, then the temp dirs", () => {
    expect(addonDirs({ VIGIL_NATIVE_DIR: '/srv/x', STATE_DIRECTORY: '/var/lib/vigil-agent' })).toEqual(['/srv/x']);
    const dirs = addonDirs({ RUNTIME_DIRECTORY: '/run/vigil-agent:/run/other', STATE_DIRECTORY: '/var/lib/vigil-agent', XDG_RUNTIME_DIR: 'relative' });
    expect(dirs.slice(0, 2)).toEqual(['/run/vigil-agent', '/var/lib/vigil-agent']);
    expect(dirs).not.toContain('relative');
    expect(dirs.at(-1)).toBe('/dev/shm');
  });

  it("names the settings a start without the unit's environment lacks", () => {
    expect(missingEnvironment({ ...SEA_ENVIRONMENT })).toEqual([]);
    expect(missingEnvironment({ ...SEA_ENVIRONMENT, NODE_OPTIONS: '--max-old-space-size=64' })).toEqual(['NODE_OPTIONS']);
    expect(missingEnvironment({})).toEqual(['MALLOC_ARENA_MAX', 'GLIBC_TUNABLES', 'NODE_OPTIONS']);
  });

  it('a missing raw-socket addon is VIGIL_ERR_NATIVE_UNAVAILABLE, tried once, the same answer for every check', () => {
    expect(() => loadNetPing(() => ({}))).toThrow(/ICMP checks need the raw-socket addon: it could not be loaded \(net-ping did not initialise/);
    let loads = 0;
    const sessions = new PingSessions(() => {
      loads++;
      return loadNetPing(() => {
        throw new Error("Cannot find module 'net-ping'");
      });
    });
    const errors = [100, 200].map((t) => {
      try {
        sessions.session(t);
        return undefined;
      } catch (e) {
        return e as { code?: string; message: string };
      }
    });
    expect(errors.map((e) => e?.code)).toEqual(['VIGIL_ERR_NATIVE_UNAVAILABLE', 'VIGIL_ERR_NATIVE_UNAVAILABLE']);
    expect(errors[0]).toBe(errors[1]);
    expect(errors[0]!.message).toContain("Cannot find module 'net-ping'");
    expect(loads).toBe(1);
    expect(sessions.open()).toEqual([]);
  });
});
