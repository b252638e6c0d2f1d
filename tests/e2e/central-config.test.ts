import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eStore } from '../helpers/e2e-store.js';
import { freePort, startChild, tempDir, VIGIL, VIGIL_AGENT, waitFor, type Child } from '../helpers/net.js';

const ADMIN = 'e2e-admin-token-0123456789';
const HEARTBEAT_S = 2;

interface FleetEntry {
  agent: string;
  uptimeSeconds: number | null;
  lastSeen: number | null;
  config: {
    source: string;
    version: string | null;
    state: string;
    expected: string | null;
    rejectedVersion: string | null;
    problems: Array<{ path: string; message: string }>;
  } | null;
}

/**
 * Central configuration end to end, real processes: a collector with a fleet config dir, an agent
 * enrolled with no checks of its own (collector.config: central by default), checks against
 * loopback targets. The site's check list is changed at the collector — a file, then the API, then
 * a broken one through the CLI — and the same agent process runs each new set within a heartbeat,
 * with every (agentId, seq) stored once and in order.
 */
describe('central configuration: change a site’s checks at the collector, the running agent follows (real processes)', () => {
  const dir = tempDir();
  const servers: Array<Server | TcpServer> = [];
  let collector: Child;
  let agent: Child;
  let store: Awaited<ReturnType<typeof e2eStore>>;
  let base: string;
  let agentId: string;
  let pid: number;
  /** When the agent started, as the collector tells it (last seen less uptime) after the first configuration. */
  let startedAt: number;
  let webA: string;
  let webB: string;
  let tcpPort: number;
  const fleetDir = join(dir.path, 'fleet');

  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by shape where it is used
  const api = async (path: string, init: RequestInit = {}): Promise<any> =>
    (
      await fetch(base + path, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers as object) } })
    ).json();
  const entry = async (): Promise<FleetEntry> => (await api('/api/v1/fleet?client=e2e')).agents.find((a: FleetEntry) => a.agent === agentId);
  const sql = async <T>(text: string): Promise<T[]> => {
    if (store.name === 'sqlite') {
      const db = new BetterSqlite3(join(dir.path, 'data', 'vigil.db'), { readonly: true });
      try {
        return db.prepare(text).all() as T[];
      } finally {
        db.close();
      }
    }
    const c = new pg.Client({ connectionString: store.env.VIGIL_STORE_URL });
    await c.connect();
    try {
      return (await c.query(text)).rows as T[];
    } finally {
      await c.end();
    }
  };
  /** Result start times of one check, ascending. */
  const results = async (check: string) =>
    (await sql<{ ts: number | string }>(`SELECT ts FROM results WHERE client_id = 'e2e' AND check_id = '${check}' ORDER BY ts`)).map((r) => Number(r.ts));
  /** Waits until the agent reports running the version the collector holds now, and that version is not `old`. */
  const applied = (old: string | null, what: string) =>
    waitFor(
      async () => {
        const e = await entry();
        return e?.config?.state === 'applied' && e.config.version === e.config.expected && e.config.version !== old ? e : undefined;
      },
      what,
      30_000,
    ).catch((e) => {
      throw new Error(`${e.message}\nagent: ${agent.output()}\ncollector: ${collector.output()}`);
    });
  const http = (port: number) =>
    new Promise<string>((resolve) => {
      const s = createServer((_q, r) => r.end('ok')).listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${port}`));
      servers.push(s);
    });

  beforeAll(async () => {
    expect(existsSync(VIGIL), 'build first: npm run build').toBe(true);
    const cPort = await freePort();
    base = `http://127.0.0.1:${cPort}`;
    webA = await http(await freePort());
    webB = await http(await freePort());
    tcpPort = await freePort();
    servers.push(createTcpServer((s) => s.end()).listen(tcpPort, '127.0.0.1'));
    writeFileSync(
      join(dir.path, 'collector.yaml'),
      [
        `listen: { host: 127.0.0.1, port: ${cPort} }`,
        'dataDir: ./data',
        `adminToken: ${ADMIN}`,
        'state: { confirmDown: 1, confirmUp: 1 }',
        'fleet: { configDir: ./fleet, reloadInterval: 500ms }',
        'log: { level: warn }',
      ].join('\n'),
    );
    // the client's template, before the agent exists: every site of e2e gets these
    mkdirSync(join(fleetDir, 'clients'), { recursive: true });
    writeFileSync(
      join(fleetDir, 'clients', 'e2e.yaml'),
      [
        'defaults: { interval: 1s, timeout: 500ms }',
        'labels: { service: web }',
        'checks:',
        `  - { id: web-1, type: http, url: "${webA}/one" }`,
        `  - { id: web-3, type: http, url: "${webA}/three" }`,
      ].join('\n'),
    );
    store = await e2eStore(join(dir.path, 'data'));
    collector = startChild('node', [VIGIL, 'collector', 'run', '-c', join(dir.path, 'collector.yaml')], undefined, store.env);
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok || undefined, 'collector', 15_000).catch((e) => {
      throw new Error(`${e.message}\n${collector.output()}`);
    });
    const token = await api('/api/v1/admin/enrollment-tokens', { method: 'POST', body: JSON.stringify({ clientId: 'e2e', siteId: 'lab' }) });
    const enrolled = startChild(VIGIL_AGENT, [
      'enroll',
      '--collector',
      base,
      '--token',
      token.token,
      '--state-dir',
      join(dir.path, 'agent'),
      '--name',
      'lab-agent',
    ]);
    await new Promise((r) => enrolled.proc.once('exit', r));
    expect(enrolled.proc.exitCode, enrolled.output()).toBe(0);
    agentId = /enrolled as (\S+)/.exec(enrolled.output())![1]!;
    // no checks here: they come from the collector
    writeFileSync(
      join(dir.path, 'agent.yaml'),
      [
        `collector: { url: "${base}" }`,
        'stateDir: ./agent',
        'labels: { client: e2e, site: lab }',
        'send: { flushInterval: 300ms }',
        `heartbeat: { interval: ${HEARTBEAT_S}s }`,
        'host: { enabled: false }',
        'log: { level: info }',
      ].join('\n'),
    );
    agent = startChild(VIGIL_AGENT, ['run', '-c', join(dir.path, 'agent.yaml')], dir.path);
    pid = agent.proc.pid!;
    const first = await applied(null, 'the template applied');
    startedAt = first.lastSeen! - first.uptimeSeconds! * 1000;
    await waitFor(async () => ((await results('web-1')).length >= 2 && (await results('web-3')).length >= 2) || undefined, 'template results', 20_000);
  }, 90_000);

  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    await store?.stop();
    for (const s of servers) s.close();
    dir.remove();
  });

  it('a site file in the config dir: the new check runs, the removed one stops, the unchanged one goes on — same process', async () => {
    const before = (await entry()).config!.version;
    mkdirSync(join(fleetDir, 'sites', 'e2e'), { recursive: true });
    const changedAt = Date.now();
    writeFileSync(join(fleetDir, 'sites', 'e2e', 'lab.yaml'), ['remove: [web-3]', 'checks:', `  - { id: web-2, type: http, url: "${webB}/two" }`].join('\n'));
    const e = await applied(before, 'the site file applied');
    const tookMs = Date.now() - changedAt;
    await waitFor(async () => (await results('web-2')).length >= 3 || undefined, 'web-2 results', 20_000);
    const firstWeb2 = (await results('web-2'))[0]!;
    expect(firstWeb2).toBeGreaterThanOrEqual(changedAt - 1000);
    expect((await results('web-3')).every((ts) => ts < firstWeb2)).toBe(true); // stopped: no run started after the new set began
    await waitFor(async () => (await results('web-1')).some((ts) => ts > firstWeb2 + 1000) || undefined, 'web-1 goes on', 10_000);
    expect(agent.proc.exitCode).toBeNull();
    expect(agent.proc.pid).toBe(pid);
    process.stderr.write(
      `central config: site file → applied in ${tookMs} ms (heartbeat ${HEARTBEAT_S} s, reloadInterval 500 ms), version ${e.config!.version}\n`,
    );
  }, 60_000);

  it('the admin API: a changed and an added check are applied without a restart', async () => {
    const before = (await entry()).config!.version;
    const putAt = Date.now();
    const r = await api('/api/v1/fleet/config/sites/e2e/lab', {
      method: 'PUT',
      body: JSON.stringify({
        remove: ['web-3'],
        checks: [
          { id: 'web-2', type: 'http', url: `${webB}/two-v2` },
          { id: 'tcp-1', type: 'tcp', host: '127.0.0.1', port: tcpPort },
        ],
      }),
    });
    expect(r.agents).toEqual([{ agent: agentId, version: expect.stringMatching(/^[0-9a-f]{16}$/) }]);
    const e = await applied(before, 'the API change applied');
    expect(e.config!.version).toBe(r.agents[0].version);
    const tookMs = Date.now() - putAt;
    await waitFor(async () => (await results('tcp-1')).length >= 2 || undefined, 'tcp-1 results', 20_000);
    await waitFor(
      async () =>
        (await api('/api/v1/checks?client=e2e')).checks.find((c: { check: string; target: string }) => c.check === 'web-2' && c.target.includes('two-v2')),
      'web-2 on its new URL',
      20_000,
    );
    expect(agent.proc.exitCode).toBeNull();
    expect(agent.proc.pid).toBe(pid);
    process.stderr.write(`central config: API PUT → applied in ${tookMs} ms\n`);
  }, 60_000);

  it('a broken configuration is rejected with its problems, shown by GET /api/v1/fleet and `vigil fleet list`, and the last good checks keep running', async () => {
    const running = (await entry()).config!.version;
    writeFileSync(
      join(dir.path, 'bad.yaml'),
      [
        'remove: [web-3]',
        'checks:',
        `  - { id: web-2, type: http, url: "${webB}/two-v2", intervall: 1s, expectStatus: "two hundred" }`,
        `  - { id: tcp-1, type: tcp, host: 127.0.0.1, port: ${tcpPort} }`,
      ].join('\n'),
    );
    const put = startChild('node', [
      VIGIL,
      'fleet',
      'config',
      'put',
      '--client',
      'e2e',
      '--site',
      'lab',
      '-f',
      join(dir.path, 'bad.yaml'),
      '--collector',
      base,
      '--token',
      ADMIN,
    ]);
    await new Promise((r) => put.proc.once('exit', r));
    expect(put.proc.exitCode, put.output()).toBe(0);
    const e = await waitFor(
      async () => {
        const x = await entry();
        return x.config?.state === 'rejected' && x.config.rejectedVersion === x.config.expected ? x : undefined;
      },
      'the broken version rejected',
      30_000,
    );
    const rejectedAt = Date.now();
    // template web-1 (0), then the site's web-2 (1) and tcp-1 (2)
    const paths = [
      { path: '/checks/1', message: 'unknown field(s): intervall' },
      { path: '/checks/1/expectStatus', message: 'must be array' },
    ];
    expect(e.config).toMatchObject({ source: 'central', version: running, state: 'rejected', problems: paths });
    const list = startChild('node', [VIGIL, 'fleet', 'list', '--client', 'e2e', '--json', '--collector', base, '--token', ADMIN]);
    await new Promise((r) => list.proc.once('exit', r));
    expect(list.proc.exitCode, list.output()).toBe(0);
    const listed = (JSON.parse(list.output()) as FleetEntry[]).find((a) => a.agent === agentId)!;
    expect(listed.config).toMatchObject({ version: running, state: 'rejected', rejectedVersion: e.config!.rejectedVersion, problems: paths });
    const text = startChild('node', [VIGIL, 'fleet', 'list', '--client', 'e2e', '--collector', base, '--token', ADMIN]);
    await new Promise((r) => text.proc.once('exit', r));
    expect(text.output()).toContain(`rejected ${e.config!.rejectedVersion}; ${running} keeps running:`);
    expect(text.output()).toContain('/checks/1/expectStatus: must be array');
    // the last good set keeps producing results
    for (const check of ['web-1', 'web-2', 'tcp-1'])
      await waitFor(async () => (await results(check)).some((ts) => ts > rejectedAt) || undefined, `${check} after the rejection`, 15_000);
    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    expect(metrics).toContain(`vigil_agent_config_rejected{client="e2e",site="lab",agent="${agentId}"} 1`);
  }, 60_000);

  it('one process throughout, and every (agentId, seq) stored once, in order, without a gap', async () => {
    expect(agent.proc.exitCode).toBeNull();
    expect(agent.proc.pid).toBe(pid);
    const e = await entry();
    // the collector's view of the agent's start (last seen less uptime) has not moved: a restart would move it by the whole run
    expect(Math.abs(e.lastSeen! - e.uptimeSeconds! * 1000 - startedAt)).toBeLessThan(2000);
    expect(e.uptimeSeconds).toBeGreaterThanOrEqual(10);
    const seqs = (await sql<{ seq: number | string }>(`SELECT seq FROM batches WHERE agent_id = '${agentId}' ORDER BY seq`)).map((r) => Number(r.seq));
    expect(seqs.length).toBeGreaterThan(10);
    expect(seqs[0]).toBe(1);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    expect(/vigil_ingest_batches_total\{result="duplicate"\} (\d+)/.exec(metrics)?.[1]).toBe('0');
    expect(agent.output()).not.toMatch(/agent started[\s\S]*agent started/); // started once
  }, 30_000);
});
