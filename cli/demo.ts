import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { stringify } from 'yaml';
import { parseAgentConfig } from '../agent/src/config.js';
import { enroll } from '../agent/src/enroll.js';
import { startAgent } from '../agent/src/main.js';
import { defaultRegistry } from '../agent/src/probes/registry.js';
import { startEchoResponder } from '../agent/src/voip/responder.js';
import { parseCollectorConfig } from '../collector/src/config.js';
import { startCollector } from '../collector/src/server.js';
import { createLogger } from '../shared/logger.js';
import { closeOnSignals } from '../shared/shutdown.js';

const listen = (s: Server, port = 0) => new Promise<number>((r) => s.listen(port, '127.0.0.1', () => r((s.address() as { port: number }).port)));

/**
 * A loopback stand-in for the SaaS the cloud templates watch: an Atlassian Statuspage
 * (`/api/v2/summary.json` in the real v2 format) whose "Email delivery" component is degraded
 * while `degraded()` says so, and the Microsoft 365 front doors (sign-in metadata, OWA, Teams).
 */
function demoCloud(degraded: () => boolean): Server {
  return createServer((req, res) => {
    const json = (body: unknown) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/api/v2/summary.json') {
      const now = new Date().toISOString();
      const component = (id: string, name: string, status: string, position: number) => ({
        id,
        name,
        status,
        created_at: '2026-01-05T09:00:00.000Z',
        updated_at: now,
        position,
        description: null,
        showcase: true,
        start_date: '2026-01-05',
        group_id: null,
        page_id: 'vigildemo001',
        group: false,
        only_show_if_degraded: false,
      });
      const mail = degraded() ? 'degraded_performance' : 'operational';
      return json({
        page: { id: 'vigildemo001', name: 'Demo PSA', url: `http://${req.headers.host}`, time_zone: 'Etc/UTC', updated_at: now },
        components: [
          component('demotick0001', 'Ticketing', 'operational', 1),
          component('demomail0001', 'Email delivery', mail, 2),
          component('demormm00001', 'Remote access', 'operational', 3),
        ],
        incidents: [],
        scheduled_maintenances: [],
        status:
          mail === 'operational' ? { indicator: 'none', description: 'All Systems Operational' } : { indicator: 'minor', description: 'Minor Service Outage' },
      });
    }
    if (req.url?.endsWith('/.well-known/openid-configuration')) {
      const base = `http://${req.headers.host}`;
      return json({ issuer: `${base}/demo/v2.0`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`, token_endpoint: `${base}/oauth2/v2.0/token` });
    }
    if (req.url === '/owa/') return void res.writeHead(302, { location: '/signin' }).end();
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>demo cloud front door</title>');
  });
}

/**
 * `npm start`: the collector on SQLite, two loopback targets (one flaps for 40 s every
 * 4 min so incidents and downtime show up), a VoIP echo responder, a loopback SaaS status
 * page watched through the cloud templates, a local agent enrolled with a fresh token (host
 * capacity on), a demo SLA, and a webhook receiver that prints notifications. Configs stay in --dir.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run the collector, a local agent and a demo SLA on this machine (what `npm start` does)')
    .option('--dir <dir>', 'where the demo keeps its database and generated configs', '.vigil/demo')
    .option('--port <port>', 'collector port', '8460')
    .action(async (o: { dir: string; port: string }) => {
      const dir = resolve(o.dir);
      mkdirSync(join(dir, 'sla'), { recursive: true });
      const logger = createLogger({ level: process.env.VIGIL_LOG_LEVEL ?? 'warn', name: 'demo' });
      const started = Date.now();
      const flapping = () => (Date.now() - started) % 240_000 > 120_000 && (Date.now() - started) % 240_000 < 160_000;
      const target = createServer((req, res) => {
        if (req.url === '/flaky' && flapping()) return void res.writeHead(503).end('maintenance in progress');
        res.end('ok: vigil demo target');
      });
      const targetPort = await listen(target);
      const cloud = demoCloud(() => (Date.now() - started) % 360_000 > 200_000 && (Date.now() - started) % 360_000 < 260_000);
      const cloudUrl = `http://127.0.0.1:${await listen(cloud)}`;
      const hooks = createServer((req, res) => {
        let body = '';
        req
          .on('data', (d) => (body += d))
          .on('end', () => {
            const m = JSON.parse(body) as { title: string; incident: { id: number; startedAt: string }; ackUrl?: string };
            process.stdout.write(
              `[webhook] #${m.incident.id} ${m.title} (started ${m.incident.startedAt})${m.ackUrl ? `\n          acknowledge: ${m.ackUrl}` : ''}\n`,
            );
            res.end();
          });
      });
      const hookPort = await listen(hooks);
      const responder = await startEchoResponder({ host: '127.0.0.1', port: 0 });
      writeFileSync(
        join(dir, 'sla', 'demo.yaml'),
        stringify({
          client: 'demo',
          timezone: 'Europe/Berlin',
          version: 'demo-1',
          services: [
            {
              id: 'web',
              target: 99.9,
              period: 'calendar-month',
              priority: 'p2',
              incidentTargets: { p2: { notify: '15m', response: '1h', resolution: '8h' } },
              members: ['web-home', 'web-flaky'],
              downtime: { when: { membersDown: 1 }, minDuration: '30s' },
              unknown: 'exclude',
              maintenance: [{ rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0;BYSECOND=0', duration: '2h' }],
              credits: {
                tiers: [
                  { below: 99.9, percent: 5 },
                  { below: 99.5, percent: 10 },
                ],
                cap: 25,
              },
            },
            {
              id: 'voip',
              target: 99.9,
              priority: 'p1',
              incidentTargets: { p1: { notify: '5m', response: '15m', resolution: '4h' } },
              members: ['sbc-path'],
              thresholds: { mosBelow: 3.5 },
              downtime: { when: { membersDown: 1 }, minDuration: '1m' },
            },
            { id: 'network', target: 99.95, members: ['gw-ping', 'gw-tcp'], downtime: { when: { membersDownPercent: 100 }, minDuration: '1m' } },
            {
              id: 'cloud',
              target: 99.5,
              priority: 'p3',
              members: ['psa.status', 'm365.login', 'm365.exchange', 'm365.teams'],
              downtime: { when: { membersDown: 1 }, minDuration: '1m' },
            },
          ],
        }),
      );
      const adminToken = process.env.VIGIL_ADMIN_TOKEN ?? randomBytes(16).toString('hex');
      const metricsToken = randomBytes(16).toString('hex');
      const config = parseCollectorConfig(
        {
          listen: { host: '127.0.0.1', port: Number(o.port) },
          dataDir: join(dir, 'data'),
          adminToken,
          metrics: { token: metricsToken },
          slaDir: join(dir, 'sla'),
          publicUrl: `http://127.0.0.1:${o.port}`,
          notifications: {
            channels: [{ type: 'webhook', name: 'demo-console', url: `http://127.0.0.1:${hookPort}/hook` }],
            escalation: [{ after: '2m' }],
          },
          log: { level: 'warn' },
        },
        'demo',
        dir,
      );
      const collector = await startCollector(config, { logger });
      // the tokens go to a 0600 file, never to the terminal: a viewer of the demo client, the admin, the scrape token
      const viewer = (await (
        await fetch(`${collector.url}/api/v1/admin/api-tokens`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'demo viewer', role: 'viewer', clients: ['demo'], ttlSeconds: 30 * 86400 }),
        })
      ).json()) as { token: string };
      const reportLink = (await (
        await fetch(`${collector.url}/api/v1/reports/demo/link`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ttlSeconds: 7 * 86400 }),
        })
      ).json()) as { url: string };
      const tokensFile = join(dir, 'tokens.json');
      writeFileSync(tokensFile, `${JSON.stringify({ admin: adminToken, viewer: viewer.token, metrics: metricsToken }, null, 2)}\n`, { mode: 0o600 });
      chmodSync(tokensFile, 0o600);
      const tokenOf = (k: string) => `$(node -p "require('${tokensFile}').${k}")`;
      const stateDir = join(dir, 'agent');
      if (!existsSync(join(stateDir, 'agent.json'))) {
        const res = await fetch(`${collector.url}/api/v1/admin/enrollment-tokens`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ clientId: 'demo', siteId: 'hq', maxUses: 1 }),
        });
        await enroll({ collector: collector.url, token: ((await res.json()) as { token: string }).token, stateDir, name: 'demo-agent' });
      }
      const agentYaml = {
        collector: { url: collector.url },
        stateDir: './agent',
        labels: { client: 'demo', site: 'hq' },
        send: { flushInterval: '2s' },
        heartbeat: { interval: '10s' },
        host: { enabled: true, interval: '10s' },
        checks: [
          { id: 'web-home', type: 'http', interval: '10s', timeout: '5s', url: `http://127.0.0.1:${targetPort}/`, keyword: 'ok', labels: { service: 'web' } },
          { id: 'web-flaky', type: 'http', interval: '10s', timeout: '5s', url: `http://127.0.0.1:${targetPort}/flaky`, labels: { service: 'web' } },
          { id: 'sbc-path', type: 'voip', interval: '15s', timeout: '5s', host: '127.0.0.1', port: responder.port, packets: 50, labels: { service: 'voip' } },
          { id: 'gw-tcp', type: 'tcp', interval: '10s', timeout: '3s', host: '127.0.0.1', port: targetPort, labels: { service: 'network' } },
          // cloud templates: each entry expands to concrete checks (psa.status, m365.login …); endpoints point at loopback
          { id: 'psa', template: 'statuspage', interval: '15s', timeout: '5s', url: cloudUrl, labels: { service: 'cloud' } },
          {
            id: 'm365',
            template: 'microsoft-365',
            interval: '30s',
            timeout: '5s',
            endpoints: { login: cloudUrl, exchange: cloudUrl, teams: cloudUrl },
            labels: { service: 'cloud' },
          },
          ...(process.getuid?.() === 0
            ? [{ id: 'gw-ping', type: 'icmp', interval: '10s', timeout: '5s', host: '127.0.0.1', labels: { service: 'network' } }]
            : []),
        ],
      };
      writeFileSync(join(dir, 'agent.yaml'), stringify(agentYaml));
      const registry = defaultRegistry();
      const agent = await startAgent(parseAgentConfig(agentYaml, join(dir, 'agent.yaml'), registry, dir), registry, logger);
      process.stdout.write(
        [
          '',
          'Vigil demo is running.',
          `  collector        ${collector.url}   (SQLite: ${join(config.dataDir, 'vigil.db')})`,
          `  client portal    ${collector.url}/portal/login#token=${viewer.token}   (signs in as a viewer of client demo)`,
          `  SLA report       ${new URL(reportLink.url, collector.url)}   (this month's contract report; PDF: vigil report --client demo --format pdf --out r.pdf)`,
          `  tokens           ${tokensFile}   (0600: admin, a viewer of client demo, the /metrics scrape token; every route but /healthz needs one)`,
          `  metrics          ${collector.url}/metrics   (Authorization: Bearer <metrics token>; results appear within ~15 s)`,
          `  SLA figures      ${collector.url}/api/v1/sla/demo`,
          `  checks           ${collector.url}/api/v1/checks`,
          `  incidents        ${collector.url}/api/v1/incidents   (vigil incident list|show|ack|stats --collector ${collector.url})`,
          `  try              VIGIL_TOKEN=${tokenOf('viewer')} node dist/cli/vigil.js sla show --client demo --collector ${collector.url}`,
          `                   curl -H "Authorization: Bearer ${tokenOf('viewer')}" ${collector.url}/api/v1/sla/demo`,
          `  configs          ${dir}/{agent.yaml,sla/demo.yaml}`,
          '  Grafana          provision dashboards/provisioning/ and point the vigil-prometheus datasource at a Prometheus scraping /metrics',
          `  cloud            psa.status (statuspage template) and m365.* (microsoft-365 template) against ${cloudUrl}`,
          '  web-flaky answers 503 for 40 s every 4 minutes, the demo status page reports "Email delivery" degraded for 60 s',
          '  every 6 minutes: watch the [webhook] lines (DOWN, ESCALATION after 2 min unless acknowledged, RESOLVED) and the',
          '  SLA figures (web, voip, network, cloud). Ctrl-C stops.',
          '',
        ].join('\n'),
      );
      closeOnSignals(async () => {
        await agent.stop();
        await collector.close();
        target.close();
        cloud.close();
        hooks.close();
        await responder.close();
      });
    });
}
