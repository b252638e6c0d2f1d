import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { Page, rankTable, stat, steps, trend } from './panels.js';
import { clientVar, navLink, rowLink, siteVar, UID, VIGIL_TAG } from './variables.js';

const sel = 'client=~"$client",site=~"$site"';
const TOP = 25;
const DISK = 'client_site_agent_mount:vigil_host_disk';
const LINK = 'client_site_agent_interface:vigil_host_network_utilisation';
const AGENT = 'client, site, agent';
/** Capacity moves over days: over 24 h a point every 10 minutes is enough for the ten busiest of 1,000. */
const DAY_TREND_INTERVAL = '10m';

/**
 * Capacity of the sites' hosts and links: disks and links by days to full (disks: the agent's own
 * estimate; links: their growth over the last day), utilisation, interface errors, CPU and memory.
 * Top-k tables and the ten busiest over time; links are interfaces with a configured speed.
 */
export function capacity() {
  const dash = new DashboardBuilder('Vigil — Capacity')
    .uid(UID.capacity)
    .description('Disks and links by days to full, utilisation, interface errors.')
    .tags([VIGIL_TAG, 'capacity'])
    .refresh('5m')
    .time({ from: 'now-24h', to: 'now' })
    .timezone('browser')
    .link(navLink())
    .withVariable(clientVar())
    .withVariable(siteVar());
  const disksSoonest = `bottomk(${TOP}, ${DISK}_full_days:min{${sel}})`;
  const linksSoonest = `bottomk(${TOP}, ${LINK}:days_to_full{${sel}})`;
  const busiest = `topk(${TOP}, ${LINK}:max_ratio{${sel}})`;
  const errors = `topk(${TOP}, max by (${AGENT}, interface) (vigil_host_network_errors_per_second{${sel}}) > 0)`;
  const site = { column: 'site', title: 'Site drill-down', url: rowLink(UID.drill, ['client', 'site']) };
  new Page(dash)
    .row('Soonest full')
    .add(stat('Disks full within 30 days', `sum(${DISK}_full_days:min{${sel}} < bool 30)`, { decimals: 0, thresholds: steps(1, 1) }), 6, 4)
    .add(stat('Links full within 30 days', `sum(${LINK}:days_to_full{${sel}} < bool 30) or vector(0)`, { decimals: 0, thresholds: steps(1, 1) }), 6, 4)
    .add(stat('Links above 80 % now', `sum(${LINK}:max_ratio{${sel}} > bool 0.8)`, { decimals: 0, thresholds: steps(1, 5) }), 6, 4)
    .add(
      stat('Interfaces with errors', `sum(max by (${AGENT}, interface) (vigil_host_network_errors_per_second{${sel}}) > bool 0)`, {
        decimals: 0,
        thresholds: steps(1, 10),
      }),
      6,
      4,
    )
    .add(
      rankTable(`Disks by days to full (soonest ${TOP})`, {
        labels: ['client', 'site', 'agent', 'mount'],
        columns: [
          { title: 'Days to full', expr: disksSoonest, unit: 'd', decimals: 1 },
          { title: 'Used', expr: `${DISK}_used:ratio{${sel}} and on (${AGENT}, mount) ${disksSoonest}`, unit: 'percentunit', decimals: 1 },
        ],
        sort: { column: 'Days to full', desc: false },
        link: site,
      }),
      12,
      9,
    )
    .add(
      rankTable(`Links by days to full (soonest ${TOP})`, {
        labels: ['client', 'site', 'agent', 'interface'],
        columns: [
          { title: 'Days to full', expr: linksSoonest, unit: 'd', decimals: 1 },
          { title: 'Utilisation', expr: `${LINK}:max_ratio{${sel}} and on (${AGENT}, interface) ${linksSoonest}`, unit: 'percentunit', decimals: 1 },
        ],
        sort: { column: 'Days to full', desc: false },
        link: site,
        description: 'At the growth of the busier direction over the last day; a link that is not growing is not listed.',
      }),
      12,
      9,
    )
    .row('Utilisation and errors now')
    .add(
      rankTable(`Busiest links (top ${TOP})`, {
        labels: ['client', 'site', 'agent', 'interface'],
        columns: [
          { title: 'Utilisation', expr: busiest, unit: 'percentunit', decimals: 1 },
          {
            title: 'Errors',
            expr: `max by (${AGENT}, interface) (vigil_host_network_errors_per_second{${sel}}) and on (${AGENT}, interface) ${busiest}`,
            unit: 'pps',
          },
        ],
        sort: { column: 'Utilisation', desc: true },
        link: site,
      }),
      8,
      9,
    )
    .add(
      rankTable(`Interfaces with errors (top ${TOP})`, {
        labels: ['client', 'site', 'agent', 'interface'],
        columns: [{ title: 'Errors and drops', expr: errors, unit: 'pps' }],
        sort: { column: 'Errors and drops', desc: true },
        link: site,
      }),
      8,
      9,
    )
    .add(
      rankTable(`Busiest hosts (top ${TOP} by CPU)`, {
        labels: ['client', 'site', 'agent'],
        columns: [
          { title: 'CPU', expr: `topk(${TOP}, max by (${AGENT}) (vigil_host_cpu_usage_ratio{${sel}}))`, unit: 'percentunit', decimals: 1 },
          {
            title: 'Memory used',
            expr: `max by (${AGENT}) (vigil_host_memory_used_bytes{${sel}}) / max by (${AGENT}) (vigil_host_memory_total_bytes{${sel}}) and on (${AGENT}) topk(${TOP}, max by (${AGENT}) (vigil_host_cpu_usage_ratio{${sel}}))`,
            unit: 'percentunit',
            decimals: 1,
          },
        ],
        sort: { column: 'CPU', desc: true },
        link: site,
      }),
      8,
      9,
    )
    .row('The ten busiest over time')
    .add(
      trend('Busiest links', 'percentunit', [{ expr: `topk(10, ${LINK}:max_ratio{${sel}})`, legend: '{{site}} {{agent}} {{interface}}' }]).interval(
        DAY_TREND_INTERVAL,
      ),
      8,
      8,
    )
    .add(
      trend('Fullest disks', 'percentunit', [{ expr: `topk(10, ${DISK}_used:ratio{${sel}})`, legend: '{{site}} {{agent}} {{mount}}' }]).interval(
        DAY_TREND_INTERVAL,
      ),
      8,
      8,
    )
    .add(
      trend('Interface errors per site', 'pps', [
        { expr: `topk(10, client_site:vigil_host_network_errors:sum_per_second{${sel}})`, legend: '{{client}}/{{site}}' },
      ]).interval(DAY_TREND_INTERVAL),
      8,
      8,
    );
  return dash;
}
