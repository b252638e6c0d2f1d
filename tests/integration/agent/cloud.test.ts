import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { VigilError, type Problem } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/logger.js';
import { parseAgentConfig, type AgentConfig } from '../../../agent/src/config.js';
import { googleStatusProbe } from '../../../agent/src/probes/google-status.js';
import { m365HealthProbe } from '../../../agent/src/probes/m365-health.js';
import { defaultRegistry } from '../../../agent/src/probes/registry.js';
import { ProbeRuntime } from '../../../agent/src/probes/runtime.js';
import { statuspageProbe } from '../../../agent/src/probes/statuspage.js';
import { runCheck } from '../../../agent/src/scheduler.js';
import { GRAPH_TOKEN, startCloud, startDns } from '../../fixtures/cloud/servers.js';
import { tempDir } from '../../helpers/net.js';
import { selfSigned } from '../../helpers/tls.js';

const registry = defaultRegistry();
const runtime = new ProbeRuntime();
afterAll(() => runtime.close());
const ctx = (timeoutMs = 3000) => ({ signal: AbortSignal.timeout(timeoutMs), timeoutMs, clock: systemClock, logger: silentLogger(), runtime });
const agentConfig = (checks: unknown[], baseDir = '/etc/vigil'): AgentConfig =>
  parseAgentConfig(
    { collector: { url: 'http://127.0.0.1:1' }, stateDir: '/tmp/vigil-cloud', labels: { client: 'acme' }, checks },
    'agent.yaml',
    registry,
    baseDir,
  );
const problemsOf = (checks: unknown[]): Problem[] => {
  try {
    agentConfig(checks);
  } catch (e) {
    if (e instanceof VigilError) return e.problems;
    throw e;
  }
  throw new Error('the config was accepted');
};
const byId = (c: AgentConfig, id: string) => c.checks.find((x) => x.id === id)!;

describe('cloud templates expand at config load into concrete, validated checks', () => {
  it('microsoft-365: sign-in, Exchange, Teams, SharePoint of the tenant, MX/autodiscover of the domain, Graph health', () => {
    const c = agentConfig([
      {
        id: 'm365',
        template: 'microsoft-365',
        tenant: 'Contoso',
        domain: 'acme.example',
        healthTokenFile: 'graph.token',
        services: ['Exchange Online'],
        interval: '60s',
        labels: { service: 'cloud' },
      },
    ]);
    expect(c.checks.map((x) => `${x.id}:${x.type}`)).toEqual([
      'm365.login:http',
      'm365.exchange:http',
      'm365.teams:http',
      'm365.sharepoint:http',
      'm365.dns-mx:dns',
      'm365.dns-autodiscover:dns',
      'm365.health:m365-health',
    ]);
    expect(byId(c, 'm365.login').options).toMatchObject({
      url: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
      expectStatus: [200],
    });
    expect(byId(c, 'm365.exchange').options).toMatchObject({ url: 'https://outlook.office365.com/owa/', maxRedirects: 0 });
    expect(byId(c, 'm365.sharepoint').options.url).toBe('https://contoso.sharepoint.com/');
    expect(byId(c, 'm365.dns-mx').options).toMatchObject({ name: 'acme.example', recordType: 'MX' });
    expect(byId(c, 'm365.dns-autodiscover').options).toMatchObject({
      name: 'autodiscover.acme.example',
      recordType: 'CNAME',
      expect: ['autodiscover.outlook.com'],
    });
    expect(byId(c, 'm365.health').options).toEqual({
      url: 'https://graph.microsoft.com/v1.0/admin/serviceAnnouncement/healthOverviews',
      tokenFile: '/etc/vigil/graph.token',
      services: ['Exchange Online'],
    });
    for (const x of c.checks) expect(x).toMatchObject({ intervalMs: 60_000, labels: { client: 'acme', service: 'cloud' } });
  });

  it('microsoft-365 without tenant, domain or token gives the three front doors; `parts` picks some; endpoints move the base URL', () => {
    expect(agentConfig([{ id: 'm', template: 'microsoft-365' }]).checks.map((x) => x.id)).toEqual(['m.login', 'm.exchange', 'm.teams']);
    const c = agentConfig([{ id: 'm', template: 'microsoft-365', parts: ['exchange'], endpoints: { exchange: 'https://127.0.0.1:9443' } }]);
    expect(c.checks.map((x) => [x.id, x.options.url])).toEqual([['m.exchange', 'https://127.0.0.1:9443/owa/']]);
  });

  it('google-workspace: accounts, mail, drive, meet and the status dashboard for the core products', () => {
    const c = agentConfig([{ id: 'gws', template: 'google-workspace' }]);
    expect(c.checks.map((x) => `${x.id}:${x.type}`)).toEqual([
      'gws.accounts:http',
      'gws.mail:http',
      'gws.drive:http',
      'gws.meet:http',
      'gws.status:google-status',
    ]);
    expect(byId(c, 'gws.status').options).toEqual({
      url: 'https://www.google.com/appsstatus/dashboard/incidents.json',
      products: ['Gmail', 'Google Calendar', 'Google Drive', 'Google Meet'],
    });
    expect(byId(c, 'gws.accounts').options.url).toBe('https://accounts.google.com/.well-known/openid-configuration');
  });

  it('statuspage: one check on the page, with the watched components', () => {
    const c = agentConfig([{ id: 'psa', template: 'statuspage', url: 'https://status.acme-psa.example', components: ['Ticketing'], timeout: '10s' }]);
    expect(c.checks).toEqual([
      expect.objectContaining({
        id: 'psa.status',
        type: 'statuspage',
        timeoutMs: 10_000,
        options: { url: 'https://status.acme-psa.example', components: ['Ticketing'] },
      }),
    ]);
  });

  it('problems of template entries are reported with their paths, all at once', () => {
    const problems = problemsOf([
      { id: 'x', template: 'salesforce' },
      { id: 'sp', template: 'statuspage' },
      { id: 'm', template: 'microsoft-365', services: ['Exchange Online'] },
      { id: 'g', template: 'google-workspace', parts: ['mail', 'calendar'], colour: 'red' },
      { id: 's', template: 'statuspage', type: 'http', url: 'http://127.0.0.1/' },
      { id: 'web.status', type: 'http', url: 'http://127.0.0.1/' },
      { id: 'web', template: 'statuspage', url: 'http://127.0.0.1/' },
      { id: 'sp2', template: 'microsoft-365', parts: ['sharepoint'] },
      { id: 'm3', template: 'microsoft-365', endpoints: { login: 'ftp://nope', exchnage: 'https://127.0.0.1' } },
    ]);
    const at = (path: string) =>
      problems
        .filter((p) => p.path === path)
        .map((p) => p.message)
        .join(' | ');
    expect(at('/checks/0/template')).toBe('unknown template "salesforce"; known: microsoft-365, google-workspace, statuspage');
    expect(at('/checks/1')).toMatch(/missing required field.*url/);
    expect(at('/checks/2/services')).toMatch(/needs healthTokenFile/);
    expect(at('/checks/3/parts/1')).toMatch(/unknown part "calendar"/);
    expect(at('/checks/3')).toMatch(/unknown field.*colour/);
    expect(at('/checks/4/type')).toMatch(/either `type` or `template`/);
    expect(at('/checks/6(web.status)/id')).toBe('duplicate check id "web.status"');
    expect(at('/checks/7/parts')).toMatch(/sharepoint.*needs options/);
    expect(at('/checks/8/endpoints/login')).not.toBe('');
    expect(at('/checks/8/endpoints')).toMatch(/unknown field.*exchnage/);
    expect(problems.some((p) => p.path.startsWith('/checks/5'))).toBe(false);
  });
});

describe("cloud probes against loopback fixtures in the vendors' formats", () => {
  const dir = tempDir();
  let http: Awaited<ReturnType<typeof startCloud>>;
  let https: Awaited<ReturnType<typeof startCloud>>;
  let dns: Awaited<ReturnType<typeof startDns>>;
  const tokenFile = join(dir.path, 'graph.token');

  beforeAll(async () => {
    const pem = selfSigned(dir.path);
    http = await startCloud();
    https = await startCloud({ key: readFileSync(pem.key), cert: readFileSync(pem.cert) });
    dns = await startDns();
    writeFileSync(tokenFile, `${GRAPH_TOKEN}\n`);
  });
  afterAll(() => {
    http?.close();
    https?.close();
    dns?.close();
    dir.remove();
  });

  it('statuspage, whole page: operational → up, minor → degraded, major → down, with the vendor figures', async () => {
    const ok = await statuspageProbe.run({ url: `${http.base}/operational` }, ctx());
    expect(ok).toMatchObject({ status: 'up', metrics: { vendor_status_level: 0, vendor_affected_count: 0, status_code: 200 } });
    const minor = await statuspageProbe.run({ url: `${http.base}/minor` }, ctx());
    expect(minor).toMatchObject({ status: 'degraded', reason: 'answer', metrics: { vendor_status_level: 1, vendor_affected_count: 1 } });
    expect(minor.message).toContain('Email delivery: degraded_performance');
    const major = await statuspageProbe.run({ url: `${http.base}/major/api/v2/summary.json` }, ctx());
    expect(major).toMatchObject({ status: 'down', reason: 'answer', metrics: { vendor_status_level: 2, vendor_affected_count: 2 } });
    expect(major.message).toContain('Ticketing: major_outage');
  });

  it('statuspage, watched components: only those count; one missing from the page is a config problem', async () => {
    expect((await statuspageProbe.run({ url: `${http.base}/minor`, components: ['Ticketing', 'Remote access'] }, ctx())).status).toBe('up');
    expect((await statuspageProbe.run({ url: `${http.base}/minor`, components: ['email DELIVERY'] }, ctx())).status).toBe('degraded');
    expect((await statuspageProbe.run({ url: `${http.base}/major`, components: ['9hjx7nq1vt2c'] }, ctx())).status).toBe('up');
    expect((await statuspageProbe.run({ url: `${http.base}/major`, components: ['Remote access', 'API'] }, ctx())).status).toBe('degraded');
    expect((await statuspageProbe.run({ url: `${http.base}/major`, components: ['Service desk'] }, ctx())).status).toBe('down');
    const missing = await statuspageProbe.run({ url: `${http.base}/major`, components: ['Billing'] }, ctx());
    expect(missing).toMatchObject({ status: 'down', reason: 'config' });
    expect(missing.message).toContain('Billing');
  });

  it('statuspage: cut-off JSON and a JSON that is no summary are `protocol`, a 503 is `status`, nobody listening is `refused`', async () => {
    expect(await statuspageProbe.run({ url: `${http.base}/broken` }, ctx())).toMatchObject({ status: 'down', reason: 'protocol' });
    expect(await statuspageProbe.run({ url: `${http.base}/teapot` }, ctx())).toMatchObject({ status: 'down', reason: 'protocol' });
    expect(await statuspageProbe.run({ url: `${http.base}/down` }, ctx())).toMatchObject({ status: 'down', reason: 'status', message: 'HTTP 503' });
    expect(await statuspageProbe.run({ url: 'http://127.0.0.1:1' }, ctx())).toMatchObject({ status: 'down', reason: 'refused' });
  });

  it('google-status: an open incident for the product sets its level; resolved and informational ones do not', async () => {
    const feed = `${http.base}/appsstatus/dashboard/incidents.json`;
    expect(await googleStatusProbe.run({ url: feed, products: ['Gmail'] }, ctx())).toMatchObject({ status: 'up', metrics: { vendor_affected_count: 0 } });
    expect(await googleStatusProbe.run({ url: feed, products: ['Google Calendar'] }, ctx())).toMatchObject({ status: 'up' });
    const drive = await googleStatusProbe.run({ url: feed, products: ['google drive'] }, ctx());
    expect(drive).toMatchObject({ status: 'degraded', reason: 'answer', metrics: { vendor_status_level: 1, vendor_affected_count: 1 } });
    expect(drive.message).toContain('Google Drive: SERVICE_DISRUPTION');
    expect(await googleStatusProbe.run({ url: feed, products: ['Gmail', 'oqaJdN8x7Ni6ZXNf6Unb'] }, ctx())).toMatchObject({
      status: 'down',
      metrics: { vendor_status_level: 2 },
    });
    expect(await googleStatusProbe.run({ url: feed }, ctx())).toMatchObject({ status: 'down', metrics: { vendor_affected_count: 2 } });
    expect(await googleStatusProbe.run({ url: `${http.base}/broken/api/v2/summary.json` }, ctx())).toMatchObject({ status: 'down', reason: 'protocol' });
    expect(await googleStatusProbe.run({ url: `${http.base}/operational/api/v2/summary.json` }, ctx())).toMatchObject({ status: 'down', reason: 'protocol' });
  });

  it("m365-health: the tenant's service health through Graph with the bearer token from the file", async () => {
    const url = `${http.base}/v1.0/admin/serviceAnnouncement/healthOverviews`;
    const all = await m365HealthProbe.run({ url, tokenFile }, ctx());
    expect(all).toMatchObject({ status: 'degraded', reason: 'answer', metrics: { vendor_affected_count: 1 } });
    expect(all.message).toBe('Exchange Online: serviceDegradation');
    expect(await m365HealthProbe.run({ url, tokenFile, services: ['Microsoft Teams', 'orgliveid'] }, ctx())).toMatchObject({ status: 'up' });
    expect(await m365HealthProbe.run({ url, tokenFile, services: ['Yammer'] }, ctx())).toMatchObject({ status: 'down', reason: 'config' });
    const wrong = join(dir.path, 'wrong.token');
    writeFileSync(wrong, 'not-the-token');
    expect(await m365HealthProbe.run({ url, tokenFile: wrong }, ctx())).toMatchObject({
      status: 'down',
      reason: 'status',
      message: expect.stringContaining('HTTP 401'),
    });
    expect(await m365HealthProbe.run({ url, tokenFile: join(dir.path, 'absent.token') }, ctx())).toMatchObject({ status: 'down', reason: 'config' });
  });

  it('microsoft-365 end to end: every expanded check runs against HTTPS and DNS on loopback', async () => {
    const base = https.base;
    const entry = {
      id: 'm365',
      template: 'microsoft-365',
      domain: 'acme.example',
      dnsServer: dns.server,
      healthTokenFile: tokenFile,
      services: ['Microsoft Teams'],
      insecureSkipVerify: true,
      endpoints: { login: base, exchange: base, teams: base, sharepoint: base, graph: base },
    };
    const c = agentConfig([entry, { ...entry, id: 'globex', domain: 'globex.example', parts: ['dns-mx', 'dns-autodiscover'] }]);
    const results = await Promise.all(c.checks.map((x) => runCheck(x, registry, runtime, systemClock, silentLogger())));
    const status = Object.fromEntries(results.map((r) => [r.checkId, `${r.status}${r.reason ? `/${r.reason}` : ''}`]));
    expect(status).toEqual({
      'm365.login': 'up',
      'm365.exchange': 'up',
      'm365.teams': 'up',
      'm365.sharepoint': 'up',
      'm365.dns-mx': 'up',
      'm365.dns-autodiscover': 'up',
      'm365.health': 'up',
      'globex.dns-mx': 'down/answer',
      'globex.dns-autodiscover': 'down/answer',
    });
    expect(results.find((r) => r.checkId === 'm365.exchange')!.metrics).toMatchObject({ status_code: 302 });
  });

  it('google-workspace end to end: front doors up, the status part degraded by the open Drive incident', async () => {
    const base = https.base;
    const c = agentConfig([
      {
        id: 'gws',
        template: 'google-workspace',
        insecureSkipVerify: true,
        products: ['Gmail', 'Google Drive'],
        endpoints: { accounts: base, mail: base, drive: base, meet: base, status: base },
      },
    ]);
    const results = await Promise.all(c.checks.map((x) => runCheck(x, registry, runtime, systemClock, silentLogger())));
    expect(Object.fromEntries(results.map((r) => [r.checkId, r.status]))).toEqual({
      'gws.accounts': 'up',
      'gws.mail': 'up',
      'gws.drive': 'up',
      'gws.meet': 'up',
      'gws.status': 'degraded',
    });
    const unverified = agentConfig([{ id: 'gws', template: 'google-workspace', parts: ['accounts'], endpoints: { accounts: base } }]);
    expect(await runCheck(unverified.checks[0]!, registry, runtime, systemClock, silentLogger())).toMatchObject({ status: 'down', reason: 'tls' });
  });
});
