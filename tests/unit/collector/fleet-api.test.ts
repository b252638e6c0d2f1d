import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/net.js';
import { parseExposition } from './exposition.js';
import { AS_ADMIN, collectorFixture } from './fixture.js';

let f: Awaited<ReturnType<typeof collectorFixture>>;
let dir: ReturnType<typeof tempDir>;
afterEach(async () => {
  await f?.close();
  dir?.remove();
});

const setup = async () => {
  dir = tempDir();
  f = await collectorFixture({ fleet: { configDir: join(dir.path, 'fleet'), reloadInterval: 0 } });
  const hq = await f.enroll('hq-1', 'acme', 'hq');
  const branch = await f.enroll('br-1', 'acme', 'branch');
  return { hq, branch, fleetDir: join(dir.path, 'fleet') };
};
const put = (url: string, payload: unknown) => f.app.inject({ method: 'PUT', url, headers: AS_ADMIN, payload: payload as object });
const agentGet = (a: { token: string }, etag?: string) =>
  f.app.inject({ url: '/api/v1/agent/config', headers: { authorization: `Bearer ${a.token}`, ...(etag ? { 'if-none-match': etag } : {}) } });
const offered = async (a: { agentId: string; token: string }, extra: Record<string, unknown> = {}) => (await f.heartbeat(a, [], extra)).json().config?.version;

describe('central configuration at the collector (fleet.configDir + admin API)', () => {
  it('a layer written through the API is a file in the config dir; each agent gets its own resolved version in its heartbeat answer and by GET with ETag / 304', async () => {
    const { hq, branch, fleetDir } = await setup();
    expect(await offered(hq)).toMatch(/^[0-9a-f]{16}$/); // no layer yet: an empty list, still a version
    const template = { checks: [{ id: 'gw-{site}', type: 'tcp', host: '10.0.0.1', port: 22 }] };
    const w = await put('/api/v1/fleet/config/clients/acme', template);
    expect(w.statusCode).toBe(200);
    expect(
      w
        .json()
        .agents.map((a: { agent: string }) => a.agent)
        .sort(),
    ).toEqual([branch.agentId, hq.agentId].sort());
    const file = join(fleetDir, 'clients/acme.yaml');
    expect(parseYaml(readFileSync(file, 'utf8'))).toEqual(template);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await put(`/api/v1/fleet/config/sites/acme/hq`, { checks: [{ id: 'web-1', type: 'http', url: 'http://hq/' }] })).statusCode).toBe(200);

    const v = await offered(hq);
    const got = await agentGet(hq);
    expect(got.statusCode).toBe(200);
    expect(got.headers.etag).toBe(`"${v}"`);
    expect(got.json()).toEqual({
      version: v,
      checks: [
        { id: 'gw-hq', type: 'tcp', host: '10.0.0.1', port: 22 },
        { id: 'web-1', type: 'http', url: 'http://hq/' },
      ],
    });
    expect((await agentGet(hq, `"${v}"`)).statusCode).toBe(304);
    expect((await agentGet(hq, '"0000000000000000"')).statusCode).toBe(200);
    const b = (await agentGet(branch)).json();
    expect(b.checks).toEqual([{ id: 'gw-branch', type: 'tcp', host: '10.0.0.1', port: 22 }]);
    expect(b.version).not.toBe(v);
    expect(await offered(branch)).toBe(b.version);

    const resolved = (await f.app.inject({ url: `/api/v1/fleet/agents/${hq.agentId}/config`, headers: AS_ADMIN })).json();
    expect(resolved).toMatchObject({ version: v, layers: ['clients/acme', 'sites/acme/hq'], sources: { 'gw-hq': 'clients/acme', 'web-1': 'sites/acme/hq' } });
    const audit = (await f.app.inject({ url: '/api/v1/audit?action=fleet.config.put', headers: AS_ADMIN })).json().entries;
    expect(audit.map((e: { target: string }) => e.target).sort()).toEqual(['clients/acme', 'sites/acme/hq']);

    expect((await f.app.inject({ method: 'DELETE', url: '/api/v1/fleet/config/sites/acme/hq', headers: AS_ADMIN })).statusCode).toBe(200);
    expect((await agentGet(hq)).json().checks.map((c: { id: string }) => c.id)).toEqual(['gw-hq']);
    expect((await f.app.inject({ method: 'DELETE', url: '/api/v1/fleet/config/sites/acme/hq', headers: AS_ADMIN })).statusCode).toBe(404);
  });

  it('a layer of the wrong shape is refused whole with every problem; an edited file is taken on reload; a broken file keeps its last good version in force', async () => {
    const { hq, fleetDir } = await setup();
    const bad = await put('/api/v1/fleet/config/clients/acme', { checks: [{ type: 'http' }, { id: 'x-{room}' }], spool: {} });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .error.problems.map((p: { path: string }) => p.path)
        .sort(),
    ).toEqual(['/', '/checks/0']);
    expect((await put('/api/v1/fleet/config/clients/acme', { checks: [{ id: 'x-{room}', type: 'http' }] })).json().error.problems).toEqual([
      { path: '/checks/0/id', message: 'unknown placeholder {room}; known: {client}, {site}, {agent}' },
    ]);
    const empty = await offered(hq);

    const file = join(fleetDir, 'clients/acme.yaml');
    mkdirSync(join(fleetDir, 'clients'));
    writeFileSync(file, 'checks:\n  - { id: web-1, type: http, url: "http://a/" }\n');
    expect(await offered(hq)).toBe(empty); // not read before a reload (reloadInterval 0 here)
    const r = await f.app.inject({ method: 'POST', url: '/api/v1/fleet/config/reload', headers: AS_ADMIN });
    expect(r.json()).toMatchObject({ changed: true, problems: [] });
    const good = await offered(hq);
    expect(good).not.toBe(empty);

    writeFileSync(file, 'checks: [ { id: web-1, type: http, url: "http://b/" ');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const broken = (await f.app.inject({ method: 'POST', url: '/api/v1/fleet/config/reload', headers: AS_ADMIN })).json();
    expect(broken.changed).toBe(false);
    expect(broken.problems).toEqual([{ file: 'clients/acme.yaml', problems: [{ path: '/', message: expect.stringMatching(/^not valid YAML/) }] }]);
    expect(await offered(hq)).toBe(good); // the last good version stays in force
    renameSync(fleetDir, `${fleetDir}.away`); // the dir itself gone (an unmounted share): not "no layers"
    const gone = await f.app.inject({ method: 'POST', url: '/api/v1/fleet/config/reload', headers: AS_ADMIN });
    expect([gone.statusCode, gone.json().error.code]).toEqual([500, 'VIGIL_ERR_CONFIG_NOT_FOUND']);
    expect(await offered(hq)).toBe(good);
    renameSync(`${fleetDir}.away`, fleetDir);
    expect((await f.app.inject({ url: '/api/v1/fleet/config/clients/acme', headers: AS_ADMIN })).json()).toMatchObject({
      content: { checks: [{ id: 'web-1', url: 'http://a/' }] },
      problems: [{ path: '/' }],
    });

    // a broken file the collector never saw valid: that agent is offered nothing (it keeps what it runs), others are unaffected
    mkdirSync(join(fleetDir, 'agents'));
    writeFileSync(join(fleetDir, 'agents', `${hq.agentId}.yaml`), 'checks: 3\n');
    await f.app.inject({ method: 'POST', url: '/api/v1/fleet/config/reload', headers: AS_ADMIN });
    expect(await offered(hq)).toBeUndefined();
    expect((await agentGet(hq)).json().error.code).toBe('VIGIL_ERR_CONFLICT');
  });

  it('the fleet view: what each agent reports it runs (version, OS, uptime, configuration applied / rejected with problems), pending, spool; scoped to the caller', async () => {
    const { hq, branch } = await setup();
    await put('/api/v1/fleet/config/clients/acme', { checks: [{ id: 'gw-{site}', type: 'tcp', host: 'gw', port: 22 }] });
    const v = await offered(hq);
    const spool = { batches: 2, bytes: 100, oldestAgeSeconds: 3, droppedBatches: 1, droppedSamples: 7 };
    await f.heartbeat(hq, ['gw-hq'], { uptimeSeconds: 3600, os: 'linux 6.1.0 x64', config: { source: 'central', version: v, state: 'applied' }, spool });
    const problems = [{ path: '/checks/0/port', message: 'must be <= 65535' }];
    await f.heartbeat(branch, [], {
      agentVersion: '0.0.9',
      config: { source: 'central', state: 'rejected', rejected: { version: 'abcdef0123456789', problems } },
    });
    const fleet = (await f.app.inject({ url: '/api/v1/fleet', headers: AS_ADMIN })).json().agents;
    const one = fleet.find((a: { agent: string }) => a.agent === hq.agentId);
    expect(one).toEqual({
      agent: hq.agentId,
      client: 'acme',
      site: 'hq',
      hostname: 'hq-1',
      version: 't',
      os: 'linux 6.1.0 x64',
      uptimeSeconds: 3600,
      lastSeen: f.clock.now(),
      reachable: true,
      config: { source: 'central', version: v, state: 'applied', expected: v, pending: false, rejectedVersion: null, problems: [] },
      spool,
    });
    const two = fleet.find((a: { agent: string }) => a.agent === branch.agentId);
    expect(two.config).toMatchObject({ state: 'rejected', version: null, rejectedVersion: 'abcdef0123456789', problems, pending: true });
    expect(two.version).toBe('0.0.9');

    const m = parseExposition((await f.app.inject({ url: '/metrics', headers: AS_ADMIN })).body).series;
    const val = (name: string, agent: string) => m.find((s) => s.name === name && s.labels.agent === agent);
    expect(val('vigil_agent_config_rejected', branch.agentId)?.value).toBe(1);
    expect(val('vigil_agent_config_rejected', hq.agentId)?.value).toBe(0);
    expect(val('vigil_agent_config_pending', branch.agentId)?.value).toBe(1);
    expect(val('vigil_agent_config_pending', hq.agentId)?.value).toBe(0);
    expect(val('vigil_agent_config_info', hq.agentId)?.labels).toMatchObject({ source: 'central', version: v, state: 'applied' });
    expect(val('vigil_agent_info', hq.agentId)?.labels).toMatchObject({ version: 't', os: 'linux 6.1.0 x64' });
    expect(val('vigil_agent_start_time_seconds', hq.agentId)?.value).toBe((f.clock.now() - 3_600_000) / 1000);
    const body = (await f.app.inject({ url: '/metrics', headers: AS_ADMIN })).body;
    const families = body
      .split(/\n(?=# HELP )/)
      .filter((b) => /^# HELP vigil_agent_(info|start_time_seconds|config_)/.test(b))
      .join('\n');
    expect(families.match(/^# HELP /gm)).toHaveLength(5);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: `${families.trimEnd()}\n`, encoding: 'utf8' });
    expect(lint.status, `${lint.stdout}${lint.stderr}`).toBe(0);

    // a viewer of another client sees none of acme's agents; a viewer of acme sees them
    const token = async (clients: string[]) =>
      (await f.app.inject({ method: 'POST', url: '/api/v1/admin/api-tokens', headers: AS_ADMIN, payload: { name: 'v', role: 'viewer', clients } })).json()
        .token;
    const globex = await token(['globex']);
    expect((await f.app.inject({ url: '/api/v1/fleet', headers: { authorization: `Bearer ${globex}` } })).json().agents).toEqual([]);
    expect((await f.app.inject({ url: '/api/v1/fleet?client=acme', headers: { authorization: `Bearer ${globex}` } })).statusCode).toBe(403);
    const acme = await token(['acme']);
    expect((await f.app.inject({ url: '/api/v1/fleet', headers: { authorization: `Bearer ${acme}` } })).json().agents).toHaveLength(2);
  });

  it('the agents’ reports reach the store only when they change, not on every heartbeat', async () => {
    const { hq } = await setup();
    const writes: number[] = [];
    const real = f.store.agents.recordRuntime.bind(f.store.agents);
    f.store.agents.recordRuntime = async (id, r) => {
      writes.push(r.at);
      return real(id, r);
    };
    const cfg = { source: 'local', version: '00aa00aa00aa00aa', state: 'applied' };
    for (let i = 0; i < 5; i++) {
      f.clock.advance(15_000);
      await f.heartbeat(hq, [], { uptimeSeconds: 100 + 15 * i, config: cfg, os: 'linux' });
    }
    expect(writes).toHaveLength(1);
    f.clock.advance(15_000);
    await f.heartbeat(hq, [], { uptimeSeconds: 2, config: cfg, os: 'linux' }); // a restart
    f.clock.advance(15_000);
    await f.heartbeat(hq, [], { uptimeSeconds: 17, config: { ...cfg, version: '11bb11bb11bb11bb' }, os: 'linux' }); // another config
    expect(writes).toHaveLength(3);
    const a = (await f.app.inject({ url: '/api/v1/fleet', headers: AS_ADMIN })).json().agents.find((x: { agent: string }) => x.agent === hq.agentId);
    expect([a.uptimeSeconds, a.config.version, a.config.source, a.config.expected]).toEqual([17, '11bb11bb11bb11bb', 'local', null]);
  });

  it('without fleet.configDir: no version in heartbeat answers, the agent route and the admin API answer 404', async () => {
    f = await collectorFixture();
    const a = await f.enroll('x', 'acme', 'hq');
    expect((await f.heartbeat(a)).json().config).toBeUndefined();
    expect((await agentGet(a)).statusCode).toBe(404);
    expect((await f.app.inject({ url: '/api/v1/fleet/config', headers: AS_ADMIN })).json().error.message).toMatch(/fleet\.configDir/);
    expect((await f.app.inject({ url: '/api/v1/fleet', headers: AS_ADMIN })).json().agents).toHaveLength(1);
  });
});
