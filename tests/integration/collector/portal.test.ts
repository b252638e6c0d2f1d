import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChromium } from '../../helpers/chromium.js';
import { AS_ADMIN, collectorFixture } from '../../unit/collector/fixture.js';

/**
 * The client portal in a real headless Chromium: a viewer of acme follows the login link (token in
 * the fragment), sees the figures the API gives, cannot read the session cookie from script,
 * is refused globex's page, signs out. The run writes a screenshot to .vigil/screenshots/.
 */
const ACME =
  'client: acme\ntimezone: UTC\nservices:\n  - { id: network, target: 99.9, members: [fw-1, sw-1], downtime: { when: { membersDown: 1 } },' +
  ' maintenance: [ { rrule: "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0", duration: 2h } ] }\n';
const GLOBEX = 'client: globex\ntimezone: UTC\nservices:\n  - { id: web, target: 99.9, members: [web-1], downtime: { when: { membersDown: 1 } } }\n';
const SHOTS = join(process.cwd(), '.vigil', 'screenshots');

let f: Awaited<ReturnType<typeof collectorFixture>>;
let browser: Awaited<ReturnType<typeof startChromium>>;
let base: string;
let viewer: string;
beforeAll(async () => {
  f = await collectorFixture({}, ACME, { moreDefs: [GLOBEX], clock: undefined });
  const a = await f.enroll('site-a');
  const g = await f.enroll('site-g', 'globex', 'main');
  // acme: up, down for a minute (an incident), up again; globex: up
  for (let i = 0; i < 18; i++) {
    f.clock.advance(10_000);
    const status = i >= 6 && i < 12 ? 'down' : 'up';
    expect(
      (
        await f.ingest(a, [
          { check: 'fw-1', status },
          { check: 'sw-1', status: 'up' },
        ])
      ).statusCode,
    ).toBe(200);
    expect((await f.ingest(g, [{ check: 'web-1', status: 'up' }])).statusCode).toBe(200);
  }
  await f.engine.idle();
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(f.app.server.address() as { port: number }).port}`;
  const made = await f.app.inject({
    method: 'POST',
    url: '/api/v1/admin/api-tokens',
    headers: AS_ADMIN,
    payload: { name: 'acme portal', role: 'viewer', clients: ['acme'] },
  });
  viewer = made.json().token;
  browser = await startChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await f?.close();
});

describe('client portal in Chromium', () => {
  it('signs in from the login link, shows the API’s figures, keeps the cookie from scripts, refuses another client, signs out', async () => {
    const page = browser.page;
    await page.navigate(`${base}/portal/login#token=${viewer}`);
    await page.until(`location.pathname === '/portal/acme' && document.readyState === 'complete'`, 'the acme page after sign-in');
    expect(await page.evaluate<string>('location.hash')).toBe(''); // the token left the address bar
    const api = (await f.app.inject({ url: '/api/v1/sla/acme', headers: { authorization: `Bearer ${viewer}` } })).json();
    const shown = await page.evaluate<Record<string, string>>(`({ ...document.querySelector('[data-service="network"]').dataset })`);
    expect(Number(shown.availability)).toBe(api.services[0].availabilityPercent);
    expect(Number(shown.budgetRemaining)).toBe(api.services[0].errorBudget.remainingSeconds);
    expect(api.services[0].availabilityPercent).toBeLessThan(100);
    const incidents = await page.evaluate<number>(`document.querySelectorAll('[data-incident]').length`);
    expect(incidents).toBe((await f.store.incidents.list({ clients: ['acme'] })).length);
    expect(await page.evaluate<string>('document.body.innerText')).toMatch(/Maintenance ahead[\s\S]*network/);
    expect(await page.evaluate<string>('document.cookie')).toBe(''); // HttpOnly
    const png = await page.screenshot();
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(join(SHOTS, 'portal-acme.png'), png);

    // the contract report, as the portal links it: the JSON's figures, and a screenshot of its first page
    await page.navigate(`${base}/portal/acme/report.html`);
    await page.until(`document.readyState === 'complete' && document.querySelector('[data-status]')`, 'the report page');
    const json = (await f.app.inject({ url: '/api/v1/reports/acme', headers: { authorization: `Bearer ${viewer}` } })).json();
    expect(await page.evaluate<string>(`document.querySelector('[data-service="network"]').dataset.availability`)).toBe(
      String(json.services[0].availabilityPercent),
    );
    expect(await page.evaluate<number>(`document.querySelectorAll('[data-incident]').length`)).toBe(json.incidents.length);
    writeFileSync(join(SHOTS, 'report-acme.png'), await page.screenshot());
    await page.navigate(`${base}/portal/acme`);
    await page.until(`document.readyState === 'complete' && location.pathname === '/portal/acme'`, 'back on the acme page');
    expect(await page.evaluate<string>(`fetch('/portal/acme/report.json').then(() => 'fetched', () => 'blocked')`)).toBe('blocked'); // CSP: no script fetches
    await page.navigate(`${base}/portal/globex`);
    await page.until(`document.readyState === 'complete' && document.querySelector('h1')?.textContent === 'Not allowed'`, 'the refusal page');
    await page.navigate(`${base}/portal/globex/report.json`);
    await page.until(`document.body.innerText.includes('VIGIL_ERR_FORBIDDEN')`, "globex's figures refused");
    await page.navigate(`${base}/api/v1/sla/acme`);
    await page.until(`document.body.innerText.includes('VIGIL_ERR_UNAUTHENTICATED')`, 'the cookie is no API credential');

    await page.navigate(`${base}/portal/acme`);
    await page.until(`document.querySelector('form[action="/portal/logout"] button')`, 'the sign-out button');
    await page.evaluate(`document.querySelector('form[action="/portal/logout"] button').click()`);
    await page.until(`location.pathname === '/portal/login'`, 'the login page after sign-out');
    await page.navigate(`${base}/portal/acme`);
    await page.until(`location.pathname === '/portal/login' && document.readyState === 'complete'`, 'signed out: back to login');
  });

  it('answers without a session with the login page, and a wrong token with 401 there; pages carry a strict CSP', async () => {
    const r = await fetch(`${base}/portal/acme`, { redirect: 'manual' });
    expect([r.status, r.headers.get('location')]).toEqual([303, '/portal/login']);
    const login = await fetch(`${base}/portal/login`);
    expect(login.headers.get('content-security-policy')).toMatch(/default-src 'none'.*script-src 'sha256-/);
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    const bad = await fetch(`${base}/portal/login`, { method: 'POST', body: new URLSearchParams({ token: 'vgt_wrong' }), redirect: 'manual' });
    expect(bad.status).toBe(401);
    const foreign = await fetch(`${base}/portal/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: viewer }),
      headers: { origin: 'https://evil.example' },
      redirect: 'manual',
    });
    expect(foreign.status).toBe(403); // login CSRF
    const ok = await fetch(`${base}/portal/login`, { method: 'POST', body: new URLSearchParams({ token: viewer }), redirect: 'manual' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('set-cookie')).toMatch(/^vigil_session=.+; Max-Age=\d+; Path=\/portal; HttpOnly; SameSite=Strict$/);
  });
});
