import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { parseAgentConfig } from '../../../agent/src/config.js';
import { defaultRegistry } from '../../../agent/src/probes/registry.js';
import { ConfigFetcher } from '../../../agent/src/remote-config-fetch.js';
import { localConfigReport, RemoteConfig } from '../../../agent/src/remote-config.js';
import { AS_ADMIN, collectorFixture } from '../../unit/collector/fixture.js';
import { tempDir } from '../../helpers/net.js';

let f: Awaited<ReturnType<typeof collectorFixture>>;
const dirs: Array<ReturnType<typeof tempDir>> = [];
afterEach(async () => {
  await f?.close();
  for (const d of dirs.splice(0)) d.remove();
});

/** A real collector listening on loopback with a fleet config dir, one enrolled agent, and the agent side's RemoteConfig against it. */
async function rig() {
  const dir = tempDir();
  dirs.push(dir);
  f = await collectorFixture({ fleet: { configDir: join(dir.path, 'fleet'), reloadInterval: 0 } });
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(f.app.server.address() as { port: number }).port}`;
  const a = await f.enroll('hq-1', 'acme', 'hq');
  const registry = defaultRegistry();
  const base = parseAgentConfig({ collector: { url }, stateDir: join(dir.path, 'agent'), labels: { site: 'hq' } }, 'test', registry);
  mkdirSync(base.stateDir); // agent.json's dir, made by enrollment
  const applied: string[][] = [];
  let changes = 0;
  const fetcher = new ConfigFetcher(url);
  const fetches: Array<string | undefined> = [];
  const remote = () =>
    new RemoteConfig({
      base,
      registry,
      logger: silentLogger(),
      fetch: (running) => {
        fetches.push(running);
        return fetcher.fetch(a.token, running);
      },
      preflight: async () => [],
      apply: (checks) => void applied.push(checks.map((c) => `${c.id}:${c.labels.site}`)),
      changed: () => void changes++,
    });
  const put = (layer: unknown) => f.app.inject({ method: 'PUT', url: '/api/v1/fleet/config/sites/acme/hq', headers: AS_ADMIN, payload: layer as object });
  const offered = async () => (await f.heartbeat(a)).json().config.version as string;
  /** Offers the collector's version (as a heartbeat answer does) and waits for what that starts. */
  const offer = (r: RemoteConfig, version: string) => r.offered(version);
  return { base, remote, put, offered, offer, applied, fetches, changes: () => changes, stateDir: join(dir.path, 'agent') };
}

describe('agent: central configuration fetched, validated, applied, kept', () => {
  it('applies a new version once, fetching with If-None-Match of the one it runs; keeps it in the state dir (0600) and runs it after a restart before the collector answers', async () => {
    const r = await rig();
    const one = r.remote();
    expect(one.report()).toEqual({ source: 'central', state: 'none' });
    await r.put({ labels: { site: 'hq-central' }, checks: [{ id: 'db-1', type: 'tcp', host: '127.0.0.1', port: 5432 }] });
    const v1 = await r.offered();
    await r.offer(one, v1);
    expect(r.applied).toEqual([['db-1:hq-central']]);
    expect(one.report()).toEqual({ source: 'central', version: v1, state: 'applied' });
    await r.offer(one, v1); // the same version again: nothing fetched
    expect(r.fetches).toEqual([undefined]);
    const file = join(r.stateDir, 'central-config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    await r.put({ checks: [{ id: 'db-1', type: 'tcp', host: '127.0.0.1', port: 5433 }] });
    const v2 = await r.offered();
    await r.offer(one, v2);
    expect(r.fetches).toEqual([undefined, v1]);
    expect(r.applied.at(-1)).toEqual(['db-1:hq']); // agent.yaml's labels under the document's

    const restarted = r.remote();
    expect((await restarted.load()).map((c) => [c.id, c.options.port])).toEqual([['db-1', 5433]]);
    expect(restarted.report()).toEqual({ source: 'central', version: v2, state: 'applied' });
  });

  it('rejects a broken version with every problem and its path, keeps the last good one, does not fetch it again, and is applied again when the collector goes back', async () => {
    const r = await rig();
    const one = r.remote();
    await r.put({ checks: [{ id: 'web-1', type: 'http', url: 'http://127.0.0.1:1/' }] });
    const good = await r.offered();
    await r.offer(one, good);
    await r.put({
      defaults: { intervall: '10s' },
      checks: [
        { id: 'web-1', type: 'http', url: 'http://127.0.0.1:1/' },
        { id: 'web-2', type: 'http', url: 'ftp://nope', expectStatus: 'two hundred' },
        { id: 'x', type: 'telnet' },
      ],
    });
    const bad = await r.offered();
    await r.offer(one, bad);
    const report = one.report();
    expect(report.state).toBe('rejected');
    expect(report.version).toBe(good);
    expect(report.rejected?.version).toBe(bad);
    expect(report.rejected?.problems.map((p) => p.path).sort()).toEqual(['/checks/1/expectStatus', '/checks/1/url', '/checks/2/type', '/defaults']);
    expect(report.rejected?.problems.find((p) => p.path === '/checks/2/type')?.message).toMatch(/unknown check type "telnet"/);
    expect(r.applied).toHaveLength(1); // the good one only
    const fetched = r.fetches.length;
    await r.offer(one, bad);
    expect(r.fetches).toHaveLength(fetched); // known bad: not fetched again

    await r.put({ checks: [{ id: 'web-1', type: 'http', url: 'http://127.0.0.1:1/' }] }); // back to the good content
    expect(await r.offered()).toBe(good);
    await r.offer(one, good);
    expect(one.report()).toEqual({ source: 'central', version: good, state: 'applied' });
    expect(existsSync(join(r.stateDir, 'central-config.json'))).toBe(true);
  });

  it('a local agent.yaml reports its own version: a hash of its checks, the same for the same checks', () => {
    const registry = defaultRegistry();
    const parse = (port: number) =>
      parseAgentConfig({ collector: { url: 'http://c' }, stateDir: '/tmp/x', checks: [{ id: 'a', type: 'tcp', host: 'h', port }] }, 't', registry);
    const p1 = parse(1);
    expect(p1.configSource).toBe('local');
    expect(localConfigReport(p1.checks)).toEqual({ source: 'local', version: localConfigReport(parse(1).checks).version, state: 'applied' });
    expect(localConfigReport(parse(2).checks).version).not.toBe(localConfigReport(p1.checks).version);
    expect(() => parseAgentConfig({ collector: { url: 'http://c', config: 'central' }, stateDir: '/x', checks: [] }, 't', registry)).toThrow(/invalid/);
    expect(parseAgentConfig({ collector: { url: 'http://c' }, stateDir: '/x' }, 't', registry).configSource).toBe('central');
  });
});
