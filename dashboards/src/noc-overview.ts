import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { Page, rankTable, stat, steps, trend } from './panels.js';
import { clientVar, navLink, rowLink, UID, VIGIL_TAG } from './variables.js';

const c = 'client=~"$client"';
const TOP = 20;

/**
 * The NOC's first screen at 10,000 endpoints: what is wrong now and which clients are worst off,
 * as stat panels and top-k tables over recorded series (dashboards/rules) — never a line per check.
 * Every client, site and incident row links to the Client SLA or drill-down dashboard.
 */
export function nocOverview() {
  const dash = new DashboardBuilder('Vigil — NOC overview')
    .uid(UID.noc)
    .description('What is down now and which clients are worst off; click a client or site to drill down.')
    .tags([VIGIL_TAG, 'sla', 'noc'])
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .link(navLink())
    .withVariable(clientVar());
  const worstFirst = `bottomk(${TOP}, client:vigil_sla_availability:min_ratio{${c}})`;
  const burnFirst = `topk(${TOP}, client:vigil_sla_burn_rate:max_1h{${c}})`;
  const ofWorst = (expr: string) => `${expr} and on (client) ${worstFirst}`;
  const ofBurn = (expr: string) => `${expr} and on (client) ${burnFirst}`;
  const oldest = `topk(25, time() - vigil_incidents_open_oldest_start_timestamp_seconds{${c}})`;
  const unreachable = `client_site:vigil_agent_up:max{${c}} == 0`;
  new Page(dash)
    .row('Now')
    .add(stat('Checks down now', `sum(client:vigil_checks_down:count{${c}}) or vector(0)`, { thresholds: steps(1, 10) }), 4, 5)
    .add(stat('Sites unreachable', `sum(client:vigil_sites_unreachable:count{${c}}) or vector(0)`, { thresholds: steps(1, 1) }), 4, 5)
    .add(
      stat('Outages not acknowledged', `sum(vigil_incidents_open{${c},kind=~"service-down|site-unreachable",acknowledged="false"}) or vector(0)`, {
        thresholds: steps(1, 1),
      }),
      4,
      5,
    )
    .add(stat('Early warnings open', `sum(vigil_incidents_open{${c},kind=~"burn-rate|projected-breach"}) or vector(0)`, { thresholds: steps(1, 5) }), 4, 5)
    .add(stat('Services below target', `sum(client:vigil_sla_services_below_target:count{${c}}) or vector(0)`, { thresholds: steps(1, 1) }), 4, 5)
    .add(stat('Services projected to breach', `sum(client:vigil_sla_services_projected_breach:count{${c}}) or vector(0)`, { thresholds: steps(1, 1) }), 4, 5)
    .row('Clients')
    .add(
      rankTable(`Clients by worst availability to date (bottom ${TOP})`, {
        labels: ['client'],
        columns: [
          { title: 'Worst service', expr: worstFirst, unit: 'percentunit', decimals: 3 },
          { title: 'Margin to target', expr: ofWorst(`client:vigil_sla_availability_margin:min_ratio{${c}}`), unit: 'percentunit', decimals: 3 },
          { title: 'Budget used', expr: ofWorst(`client:vigil_sla_error_budget_used:max_ratio{${c}}`), unit: 'percentunit', decimals: 1 },
          { title: 'Below target', expr: ofWorst(`client:vigil_sla_services_below_target:count{${c}}`), decimals: 0 },
          { title: 'Checks down', expr: ofWorst(`client:vigil_checks_down:count{${c}}`), decimals: 0 },
        ],
        sort: { column: 'Worst service', desc: false },
        link: { column: 'client', title: 'Client SLA', url: rowLink(UID.clientSla, ['client']) },
      }),
      12,
      10,
    )
    .add(
      rankTable(`Clients by error-budget burn rate over 1 h (top ${TOP})`, {
        labels: ['client'],
        columns: [
          { title: 'Burn 1 h', expr: burnFirst, decimals: 1 },
          { title: 'Burn 6 h', expr: ofBurn(`client:vigil_sla_burn_rate:max_6h{${c}}`), decimals: 1 },
          { title: 'Burn 24 h', expr: ofBurn(`client:vigil_sla_burn_rate:max_24h{${c}}`), decimals: 2 },
          { title: 'Time to breach', expr: ofBurn(`client:vigil_sla_time_to_breach:min_seconds{${c}}`), unit: 's' },
        ],
        sort: { column: 'Burn 1 h', desc: true },
        link: { column: 'client', title: 'Client SLA', url: rowLink(UID.clientSla, ['client']) },
        description: '1 = the budget lasts exactly the period; 14.4 over 1 h spends 2 % of a 30-day budget.',
      }),
      12,
      10,
    )
    .row('Incidents, sites and checks')
    .add(
      rankTable('Open incidents, oldest first', {
        labels: ['client', 'service', 'kind', 'priority', 'acknowledged'],
        columns: [
          { title: 'Age', expr: oldest, unit: 's' },
          { title: 'Open', expr: `vigil_incidents_open{${c}} and on (client, service, kind, priority, acknowledged) ${oldest}`, decimals: 0 },
        ],
        sort: { column: 'Age', desc: true },
        link: { column: 'client', title: 'Client SLA', url: rowLink(UID.clientSla, ['client']) },
        description: 'Oldest open incident of each client, service, kind, priority and acknowledgement; muted ones (maintenance) are not listed.',
      }),
      12,
      10,
    )
    .add(
      rankTable('Sites unreachable (no agent heartbeat)', {
        labels: ['client', 'site'],
        columns: [
          {
            title: 'Silent for',
            expr: `topk(25, time() - client_site:vigil_agent_last_seen:max_timestamp_seconds{${c}} and on (client, site) ${unreachable})`,
            unit: 's',
          },
          { title: 'Checks', expr: `client_site:vigil_checks:count{${c}} and on (client, site) ${unreachable}`, decimals: 0 },
        ],
        sort: { column: 'Silent for', desc: true },
        link: { column: 'site', title: 'Site drill-down', url: rowLink(UID.drill, ['client', 'site']) },
      }),
      6,
      10,
    )
    .add(
      rankTable('Checks down now, by site', {
        labels: ['client', 'site'],
        columns: [
          { title: 'Down', expr: `topk(25, client_site:vigil_checks_down:count{${c}} > 0)`, decimals: 0 },
          { title: 'Checks', expr: `client_site:vigil_checks:count{${c}} and on (client, site) client_site:vigil_checks_down:count{${c}} > 0`, decimals: 0 },
        ],
        sort: { column: 'Down', desc: true },
        link: { column: 'site', title: 'Site drill-down', url: rowLink(UID.drill, ['client', 'site']) },
      }),
      6,
      10,
    )
    .add(
      trend('Checks down and sites unreachable', 'none', [
        { expr: `sum(client:vigil_checks_down:count{${c}})`, legend: 'checks down' },
        { expr: `sum(client:vigil_sites_unreachable:count{${c}})`, legend: 'sites unreachable' },
        { expr: `sum(vigil_incidents_open{${c}})`, legend: 'open incidents' },
      ]),
      24,
      8,
    );
  return dash;
}
