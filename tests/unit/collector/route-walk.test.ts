import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AS_ADMIN, collectorFixture } from './fixture.js';

/**
 * Every route of the app (from the routes fastify added, so a new one cannot be left out) with
 * every kind of caller: the admin, an operator, a viewer and a reporter of client acme, a viewer
 * of another client (globex), an agent token, the metrics scrape token, no token and a garbage
 * one. What each route must let through is written here, independently of what the routes
 * declare; a route missing from this table fails the walk.
 */
type Caller = 'admin' | 'operator' | 'viewer' | 'reporter' | 'foreign' | 'agent' | 'metrics' | 'none' | 'garbage';
type Class = 'public' | 'agent' | 'metrics' | 'report' | 'read' | 'operator' | 'admin' | 'portal';
const EXPECTED: Record<string, Class> = {
  'GET /healthz': 'public',
  'GET /metrics': 'metrics',
  'GET /api/v1/checks': 'read',
  'GET /api/v1/agents': 'read',
  'GET /api/v1/sla': 'report',
  'GET /api/v1/sla/:client': 'report',
  'GET /api/v1/incidents': 'read',
  'GET /api/v1/incidents/stats': 'read',
  'GET /api/v1/incidents/:id': 'read',
  'POST /api/v1/incidents/:id/ack': 'operator',
  'GET /ack/:id': 'public',
  'POST /ack/:id': 'public',
  'POST /api/v1/enroll': 'public',
  'POST /api/v1/ingest': 'agent',
  'POST /api/v1/heartbeat': 'agent',
  'GET /api/v1/exclusions/:client': 'read',
  'POST /api/v1/admin/exclusions': 'admin',
  'POST /api/v1/admin/definitions/reload': 'admin',
  'POST /api/v1/admin/enrollment-tokens': 'admin',
  'GET /api/v1/admin/enrollment-tokens': 'admin',
  'DELETE /api/v1/admin/enrollment-tokens/:id': 'admin',
  'DELETE /api/v1/admin/agents/:id': 'admin',
  'DELETE /api/v1/admin/checks/:client/:check': 'admin',
  'POST /api/v1/admin/api-tokens': 'admin',
  'GET /api/v1/admin/api-tokens': 'admin',
  'DELETE /api/v1/admin/api-tokens/:id': 'admin',
  'GET /api/v1/audit': 'operator',
  'GET /api/v1/whoami': 'report',
  'GET /portal/login': 'public',
  'POST /portal/login': 'public',
  'POST /portal/logout': 'portal',
  'GET /portal/': 'portal',
  'GET /portal/:client': 'portal',
  'GET /portal/:client/report.json': 'portal',
  'GET /portal/:client/report.html': 'portal',
  'GET /api/v1/reports/public-key': 'public',
  'GET /api/v1/reports/:client': 'report',
  'POST /api/v1/reports/:client/link': 'report',
  'GET /reports/:client': 'public',
  'POST /api/v1/admin/reports/:client/issue': 'operator',
  'POST /api/v1/admin/backup': 'admin',
  'GET /api/v1/reports/:client/archive': 'report',
  'GET /api/v1/reports/:client/archive/:id': 'report',
  'GET /api/v1/agent/config': 'agent',
  'GET /api/v1/fleet': 'read',
  'GET /api/v1/fleet/config': 'admin',
  'POST /api/v1/fleet/config/reload': 'admin',
  'GET /api/v1/fleet/agents/:id/config': 'admin',
  'GET /api/v1/fleet/config/clients/:client': 'admin',
  'PUT /api/v1/fleet/config/clients/:client': 'admin',
  'DELETE /api/v1/fleet/config/clients/:client': 'admin',
  'GET /api/v1/fleet/config/sites/:client/:site': 'admin',
  'PUT /api/v1/fleet/config/sites/:client/:site': 'admin',
  'DELETE /api/v1/fleet/config/sites/:client/:site': 'admin',
  'GET /api/v1/fleet/config/agents/:id': 'admin',
  'PUT /api/v1/fleet/config/agents/:id': 'admin',
  'DELETE /api/v1/fleet/config/agents/:id': 'admin',
  'GET /install.sh': 'public',
  'GET /install-macos.sh': 'public',
  'GET /install.ps1': 'public',
  'GET /downloads/:file': 'public',
};
/** Who gets past authentication and authorization, per class (the rest: 401 without a valid principal, 403 with the wrong one). */
const THROUGH: Record<Exclude<Class, 'public' | 'portal'>, Caller[]> = {
  agent: ['agent'],
  metrics: ['admin', 'operator', 'metrics'],
  report: ['admin', 'operator', 'viewer', 'reporter', 'foreign'],
  read: ['admin', 'operator', 'viewer', 'foreign'],
  operator: ['admin', 'operator'],
  admin: ['admin'],
};
const ACME = 'client: acme\ntimezone: UTC\nservices:\n  - { id: network, target: 99.9, members: [fw-1, sw-1], downtime: { when: { membersDown: 1 } } }\n';
const GLOBEX = 'client: globex\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, members: [web-1], downtime: { when: { membersDown: 1 } } }\n';

let f: Awaited<ReturnType<typeof collectorFixture>>;
const tokens = {} as Record<Caller, string | undefined>;
const incidentOf: Record<string, number> = {};
afterAll(() => f?.close());
beforeAll(async () => {
  // the walk fails authentication hundreds of times from one address: the lock-out is tested in access.test.ts
  f = await collectorFixture({ metrics: { token: 'metrics-scrape-token-0123456789' }, security: { authFailuresPerMinute: 100_000 } }, ACME, {
    moreDefs: [GLOBEX],
  });
  const a = await f.enroll('site-a', 'acme', 'hq');
  const g = await f.enroll('site-g', 'globex', 'main');
  for (const [agent, check] of [
    [a, 'fw-1'],
    [g, 'web-1'],
  ] as const) {
    for (let i = 0; i < 3; i++) {
      f.clock.advance(10_000);
      expect((await f.ingest(agent, [{ check, status: 'down' }])).statusCode).toBe(200);
    }
  }
  await f.engine.idle();
  for (const i of await f.store.incidents.list()) incidentOf[i.client] ??= i.id;
  expect(Object.keys(incidentOf).sort()).toEqual(['acme', 'globex']);
  const make = async (role: string, clients: string[]) =>
    (await f.app.inject({ method: 'POST', url: '/api/v1/admin/api-tokens', headers: AS_ADMIN, payload: { name: role, role, clients } })).json().token as string;
  Object.assign(tokens, {
    admin: AS_ADMIN.authorization.slice(7),
    operator: await make('operator', []),
    viewer: await make('viewer', ['acme']),
    reporter: await make('reporter', ['acme']),
    foreign: await make('viewer', ['globex']),
    agent: a.token,
    metrics: 'metrics-scrape-token-0123456789',
    none: undefined,
    garbage: 'vgt_not-a-token-at-all',
  });
});

const fill = (url: string, client = 'acme') =>
  url
    .replace(':client', client)
    .replace(':check', 'fw-9')
    .replace(':id', url.includes('incidents') || url.startsWith('/ack') ? String(incidentOf[client]) : url.includes('archive') ? '999' : 'no-such-id');
const call = (caller: Caller, method: string, url: string, payload?: object) =>
  f.app.inject({
    method: method as 'GET',
    url,
    ...(tokens[caller] ? { headers: { authorization: `Bearer ${tokens[caller]}` } } : {}),
    ...(payload ? { payload } : {}),
  });

describe('route walk: every route, every caller', () => {
  it('the table above names every route the app has, and nothing else', () => {
    const routes = new Set(f.routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`));
    expect([...routes].sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const r of f.routes.filter((x) => x.method === 'HEAD')) expect(EXPECTED[`GET ${r.url}`], r.url).toBeDefined();
  });

  it('lets through exactly the callers of each route’s class: 401 without a valid principal, 403 with the wrong one', async () => {
    const callers = Object.keys(tokens) as Caller[];
    for (const r of f.routes) {
      const cls = EXPECTED[`${r.method === 'HEAD' ? 'GET' : r.method} ${r.url}`]!;
      const url = fill(r.url) + (r.url.endsWith('/stats') ? '?client=acme' : '');
      const body = r.method === 'POST' ? {} : undefined;
      const statuses = new Map<Caller, number>();
      for (const c of callers) statuses.set(c, (await call(c, r.method, url, body)).statusCode);
      if (cls === 'public' || cls === 'portal') {
        // public: no token needed; portal: the session cookie is the credential, a bearer token is no way in
        expect(new Set(statuses.values()).size, `${r.method} ${r.url}: the same answer whoever asks`).toBe(1);
        if (cls === 'portal') expect([statuses.get('admin'), (await call('admin', r.method, url, body)).headers.location]).toEqual([303, '/portal/login']);
        continue;
      }
      for (const c of callers) {
        const s = statuses.get(c)!;
        const label = `${r.method} ${r.url} as ${c}`;
        // a route about acme named in the URL: globex's viewer passes authentication and is refused the client
        const aboutAcme = r.url.includes(':client') || r.url.endsWith('/stats');
        if (c === 'foreign' && aboutAcme && THROUGH[cls].includes(c)) expect(s, label).toBe(403);
        else if (THROUGH[cls].includes(c)) expect([401, 403], label).not.toContain(s);
        else expect(s, label).toBe(['none', 'garbage', 'agent'].includes(c) || (cls === 'agent' && c !== 'agent') ? 401 : 403);
      }
    }
  });

  it('filters every list by the caller’s clients and refuses another client’s rows', async () => {
    const json = async (c: Caller, url: string) => (await call(c, 'GET', url)).json();
    for (const [c, mine, theirs] of [
      ['viewer', 'acme', 'globex'],
      ['foreign', 'globex', 'acme'],
    ] as const) {
      expect((await json(c, '/api/v1/checks')).checks.map((x: { client: string }) => x.client)).toEqual([mine]);
      expect([...new Set((await json(c, '/api/v1/fleet')).agents.map((x: { client: string }) => x.client))]).toEqual([mine]);
      expect([...new Set((await json(c, '/api/v1/agents')).agents.map((x: { clientId: string }) => x.clientId))]).toEqual([mine]);
      expect([...new Set((await json(c, '/api/v1/incidents')).incidents.map((x: { client: string }) => x.client))]).toEqual([mine]);
      expect((await json(c, '/api/v1/sla')).clients).toEqual([mine]);
      expect((await call(c, 'GET', `/api/v1/incidents/${incidentOf[theirs]}`)).statusCode).toBe(404);
      for (const url of [
        `/api/v1/sla/${theirs}`,
        `/api/v1/exclusions/${theirs}`,
        `/api/v1/incidents/stats?client=${theirs}`,
        `/api/v1/checks?client=${theirs}`,
        `/api/v1/fleet?client=${theirs}`,
      ])
        expect((await call(c, 'GET', url)).statusCode, `${c} ${url}`).toBe(403);
      expect((await call(c, 'GET', `/api/v1/sla/${mine}`)).statusCode).toBe(200);
    }
    expect((await json('operator', '/api/v1/checks')).checks.map((x: { client: string }) => x.client).sort()).toEqual(['acme', 'globex']);
    expect((await call('reporter', 'GET', '/api/v1/sla/acme')).statusCode).toBe(200);
    expect((await call('reporter', 'GET', '/api/v1/sla/globex')).statusCode).toBe(403);
    expect(await json('viewer', '/api/v1/whoami')).toMatchObject({ role: 'viewer', clients: ['acme'] });
  });
});
