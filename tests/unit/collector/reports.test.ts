import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson, verifyReport } from '../../../shared/report/canonical.js';
import { AS_ADMIN, collectorFixture } from './fixture.js';

let f: Awaited<ReturnType<typeof collectorFixture>> | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});
const GLOBEX = 'client: globex\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, members: [web-1], downtime: { when: { membersDown: 1 } } }\n';

/** acme with one outage of a minute (an incident), and a viewer token of acme. */
async function withOutage() {
  f = await collectorFixture({}, undefined, { moreDefs: [GLOBEX] });
  const a = await f.enroll('site-a');
  for (let i = 0; i < 18; i++) {
    f.clock.advance(10_000);
    const down = i >= 6 && i < 12 ? 'down' : 'up';
    expect(
      (
        await f.ingest(a, [
          { check: 'fw-1', status: down },
          { check: 'sw-1', status: down },
        ])
      ).statusCode,
    ).toBe(200);
  }
  await f.engine.idle();
  const viewer = (
    await f.app.inject({ method: 'POST', url: '/api/v1/admin/api-tokens', headers: AS_ADMIN, payload: { name: 'acme', role: 'reporter', clients: ['acme'] } })
  ).json().token as string;
  return { f, as: { authorization: `Bearer ${viewer}` } };
}

describe('contract reports', () => {
  it('JSON: the SLA API’s figures, the incidents with their marks, provisional in the period; signed, and one changed byte fails the check', async () => {
    const { f, as } = await withOutage();
    const r = await f.app.inject({ url: '/api/v1/reports/acme', headers: as });
    expect(r.statusCode, r.body).toBe(200);
    const report = r.json();
    const sla = (await f.app.inject({ url: '/api/v1/sla/acme', headers: as })).json();
    expect(report.services[0]).toMatchObject({
      id: 'network',
      availabilityExact: sla.services[0].availabilityPercent,
      downtimeSeconds: sla.services[0].downtimeSeconds,
      noData: false,
    });
    expect(report.services[0].availabilityPercent).toBe(Math.round(sla.services[0].availabilityPercent * 1000) / 1000);
    expect(report.incidents).toHaveLength(1);
    expect(report.incidents[0]).toMatchObject({ service: 'network', kind: 'service-down', status: 'resolved' });
    expect(report).toMatchObject({ schema: 'vigil.report/v1', status: 'provisional', period: { label: '2026-10' } });
    const key = (await f.app.inject({ url: '/api/v1/reports/public-key' })).body;
    expect(verifyReport(report, key)).toEqual([]);
    expect(verifyReport(JSON.parse(JSON.stringify(report, null, 2)), key)).toEqual([]); // canonical: layout does not matter
    const text = JSON.stringify(report);
    const at = text.indexOf('"downtimeSeconds":') + '"downtimeSeconds":'.length;
    const changed = JSON.parse(text.slice(0, at) + String((Number(text[at]) + 1) % 10) + text.slice(at + 1));
    expect(verifyReport(changed, key)).toEqual([expect.stringContaining('changed after it was signed'), expect.stringContaining('does not verify')]);
    const other = (await import('node:crypto')).generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyReport(report, other)).toEqual([expect.stringContaining('does not verify')]);
    expect(canonicalJson({ b: 1, a: [1, { d: null, c: 'x' }] })).toBe('{"a":[1,{"c":"x","d":null}],"b":1}');
  });

  it('is final once the period is over and settled; a period without data says so instead of 100 %', async () => {
    const { f, as } = await withOutage();
    f.clock.set(Date.parse('2026-11-02T00:00:00Z'));
    expect((await f.app.inject({ url: '/api/v1/reports/acme?period=2026-10', headers: as })).json().status).toBe('final');
    const empty = (await f.app.inject({ url: '/api/v1/reports/acme?period=2026-09', headers: as })).json();
    expect(empty.services[0]).toMatchObject({ noData: true, measuredSeconds: 0 });
    expect(empty.services[0].availabilityPercent).not.toBe(100);
  });

  it('CSV: a row per service and per incident; coded errors for an unknown client, a future period, another client', async () => {
    const { f, as } = await withOutage();
    const csv = await f.app.inject({ url: '/api/v1/reports/acme?format=csv', headers: as });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv.body.trim().split('\r\n');
    expect(rows.filter((l) => l.startsWith('service,'))).toHaveLength(1);
    expect(rows.filter((l) => l.startsWith('incident,'))).toHaveLength(1);
    expect(rows.find((l) => l.startsWith('service,'))).toContain(',acme,2026-10,provisional,network,99.9,');
    for (const [url, status, code] of [
      ['/api/v1/reports/nobody', 403, 'VIGIL_ERR_FORBIDDEN'],
      ['/api/v1/reports/globex', 403, 'VIGIL_ERR_FORBIDDEN'],
      ['/api/v1/reports/acme?period=2027-01', 400, 'VIGIL_ERR_QUERY_INVALID'],
      ['/api/v1/reports/acme?period=garbage', 400, 'VIGIL_ERR_BODY_INVALID'],
      ['/api/v1/reports/acme?format=docx', 400, 'VIGIL_ERR_BODY_INVALID'],
    ] as const) {
      const r = await f.app.inject({ url, headers: as });
      expect([r.statusCode, r.json().error.code], url).toEqual([status, code]);
    }
    const unknown = await f.app.inject({ url: '/api/v1/reports/nobody', headers: AS_ADMIN });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'VIGIL_ERR_NOT_FOUND']);
  });

  it('a signed, expiring link opens the HTML for the client named on it and nothing else', async () => {
    const { f, as } = await withOutage();
    const link = (await f.app.inject({ method: 'POST', url: '/api/v1/reports/acme/link', headers: as, payload: { ttlSeconds: 3600 } })).json();
    const page = await f.app.inject({ url: link.url });
    expect(page.statusCode).toBe(200);
    const json = (await f.app.inject({ url: '/api/v1/reports/acme', headers: as })).json();
    expect(page.body).toContain(`data-availability="${json.services[0].availabilityPercent}"`);
    expect(page.body).toContain(json.signature.sha256);
    expect((await f.app.inject({ url: link.url.replace('/reports/acme', '/reports/globex') })).statusCode).toBe(403);
    expect((await f.app.inject({ url: link.url.replace(/sig=[^&]+/, 'sig=forged') })).statusCode).toBe(403);
    f.clock.advance(3600_000);
    const expired = await f.app.inject({ url: link.url });
    expect([expired.statusCode, expired.json().error.message]).toEqual([403, expect.stringContaining('expired')]);
  });
});

describe('report archive', () => {
  it('issues a report into the archive as signed; a re-issue needs a reason and keeps both versions; each verifies; audited', async () => {
    const { f, as } = await withOutage();
    const op = (await f.app.inject({ method: 'POST', url: '/api/v1/admin/api-tokens', headers: AS_ADMIN, payload: { name: 'am', role: 'operator' } })).json();
    const issue = (payload: object) =>
      f.app.inject({ method: 'POST', url: '/api/v1/admin/reports/acme/issue', headers: { authorization: `Bearer ${op.token}` }, payload });
    const first = await issue({});
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ client: 'acme', period: '2026-10', version: 1, reason: null, issuedBy: `${op.id} (am)` });
    expect((await issue({})).json().error.code).toBe('VIGIL_ERR_BODY_INVALID'); // a re-issue says why
    f.clock.advance(60_000);
    const second = await issue({ reason: 'recomputed after a carve-out' });
    expect(second.json()).toMatchObject({ version: 2, reason: 'recomputed after a carve-out' });
    expect((await issue({ reason: 'x' })).statusCode).toBe(400);
    const list = (await f.app.inject({ url: '/api/v1/reports/acme/archive?period=2026-10', headers: as })).json().reports;
    expect(list.map((r: { version: number }) => r.version)).toEqual([2, 1]);
    const key = (await f.app.inject({ url: '/api/v1/reports/public-key' })).body;
    for (const r of list) {
      const got = await f.app.inject({ url: `/api/v1/reports/acme/archive/${r.id}`, headers: as });
      expect(verifyReport(got.json(), key)).toEqual([]);
      expect(got.json().signature.sha256).toBe(r.sha256);
    }
    expect((await f.app.inject({ url: `/api/v1/reports/globex/archive/${list[0].id}`, headers: AS_ADMIN })).statusCode).toBe(404);
    expect((await f.store.audit.list({ action: 'report.issue' })).map((e) => e.target)).toEqual(['acme/2026-10#2', 'acme/2026-10#1']);
  });
});
