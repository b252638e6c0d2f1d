import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { Page, rankTable, stat, steps, timeline, trend } from './panels.js';
import { checkVar, clientVar, navLink, rowLink, serviceVar, siteVar, UID, VIGIL_TAG } from './variables.js';

const svc = 'client=~"$client",site=~"$site",service=~"$service"';
const chk = `${svc},check=~"$check"`;
const PHASES = [
  ['DNS', 'dns'],
  ['Connect', 'connect'],
  ['TLS', 'tls'],
  ['First byte', 'first_byte'],
  ['Total', 'total'],
] as const;

/**
 * Site and service drill-down, one client at a time: the checks behind a service with their state
 * and last figures, the HTTP timing phases, and the down intervals of each check over the range.
 * Per-check panels are bounded by the client (a single-valued variable).
 */
export function drillDown() {
  const dash = new DashboardBuilder('Vigil — Site and service drill-down')
    .uid(UID.drill)
    .description('The checks behind a service at a site: states, timing phases and down intervals.')
    .tags([VIGIL_TAG, 'checks'])
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .link(navLink())
    .withVariable(clientVar({ single: true }))
    .withVariable(siteVar())
    .withVariable(serviceVar())
    .withVariable(checkVar());
  const byCheck = 'client, site, service, check, type';
  new Page(dash)
    .row('Now')
    .add(stat('Checks', `sum(client_site_service:vigil_checks:count{${svc}})`, { decimals: 0 }), 6, 4)
    .add(stat('Down now', `sum(client_site_service:vigil_checks_down:count{${svc}})`, { decimals: 0, thresholds: steps(1, 1) }), 6, 4)
    .add(stat('Unknown now', `sum(client_site_service:vigil_checks_unknown:count{${svc}})`, { decimals: 0, thresholds: steps(1, 5) }), 6, 4)
    .add(
      stat('Share of the checks up (last result)', `avg(vigil_check_up{${chk}})`, {
        unit: 'percentunit',
        decimals: 1,
        thresholds: steps(0.99, 0.9, true),
      }),
      6,
      4,
    )
    .add(
      rankTable('The checks behind the service', {
        labels: ['site', 'service', 'check', 'type'],
        columns: [
          { title: 'Down', expr: `max by (${byCheck}) (vigil_check_state{${chk},state="down"})`, decimals: 0 },
          { title: 'Unknown', expr: `max by (${byCheck}) (vigil_check_state{${chk},state="unknown"})`, decimals: 0 },
          { title: 'Last result up', expr: `max by (${byCheck}) (vigil_check_up{${chk}})`, decimals: 0 },
          { title: 'Duration', expr: `max by (${byCheck}) (vigil_check_duration_seconds{${chk}})`, unit: 's' },
          { title: 'Up over 1 h', expr: `max by (${byCheck}) (avg_over_time(vigil_check_up{${chk}}[1h]))`, unit: 'percentunit', decimals: 1 },
        ],
        sort: { column: 'Down', desc: true },
        link: { column: 'check', title: 'This check only', url: rowLink(UID.drill, ['site', 'service', 'check'], ['client']) },
      }),
      24,
      10,
    )
    .row('HTTP timing phases')
    .add(
      trend(
        'HTTP phases, mean over the service’s checks',
        's',
        PHASES.map(([legend, p]) => ({ expr: `avg(client_site_service:vigil_probe_${p}_seconds:avg{${svc}})`, legend })),
        'DNS lookup, TCP connect (http) or connect + TLS handshake (https), time to the first response byte and the whole request, each from the request start.',
      ),
      12,
      9,
    )
    .add(
      rankTable('HTTP phases by check (last result)', {
        labels: ['site', 'check'],
        columns: PHASES.map(([title, p]) => ({ title, expr: `max by (${byCheck}) (vigil_probe_${p}_seconds{${chk}})`, unit: 's' })).reverse(),
        sort: { column: 'Total', desc: true },
      }),
      12,
      9,
    )
    .row('Down intervals')
    .add(
      timeline(
        'Down intervals by check',
        `max by (check) (vigil_check_state{${chk},state="down"})`,
        '{{check}}',
        'The collector’s confirmed state (state.confirmDown results in a row).',
      ).interval('1m'), // a minute's resolution over 6 h: half the work of Grafana's 30 s
      24,
      10,
    )
    .add(
      trend('Share of the service’s checks up', 'percentunit', [
        { expr: `client_service:vigil_check_up:avg_ratio{client=~"$client",service=~"$service"}`, legend: '{{service}}' },
      ]),
      24,
      7,
    );
  return dash;
}
