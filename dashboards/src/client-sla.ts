import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { Page, rankTable, stat, steps, trend } from './panels.js';
import { clientVar, navLink, rowLink, slaServiceVar, UID, VIGIL_TAG } from './variables.js';

const s = 'client=~"$client",service=~"$service"';
const cs = (metric: string) => `${metric}{${s}}`;

/**
 * One client's contract this period: each service's availability against its target, the error
 * budget and burn rates, the projection and time to breach, incidents, maintenance and exclusions.
 * The figures are the collector's (computed from state transitions with maintenance, business hours
 * and exclusions applied); the panels only show them. One client at a time.
 */
export function clientSla() {
  const dash = new DashboardBuilder('Vigil — Client SLA')
    .uid(UID.clientSla)
    .description('Per service: availability to date against target, error budget, burn rates, projected breach, incidents, maintenance and exclusions.')
    .tags([VIGIL_TAG, 'sla'])
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .timezone('browser')
    .link(navLink())
    .withVariable(clientVar({ single: true }))
    .withVariable(slaServiceVar());
  new Page(dash)
    .row('This period')
    .add(stat('Worst service, availability to date', `min(${cs('client_service:vigil_sla_availability:ratio')})`, { unit: 'percentunit', decimals: 3 }), 6, 5)
    .add(
      stat('Services below target', `sum(${cs('client_service:vigil_sla_availability_margin:ratio')} < bool 0)`, { thresholds: steps(1, 1), decimals: 0 }),
      6,
      5,
    )
    .add(
      stat('Shortest time to breach', `min(${cs('client_service:vigil_sla_time_to_breach:seconds')})`, {
        unit: 's',
        thresholds: steps(3 * 86_400, 86_400, true),
        description: 'At the last 24 h rate of downtime; 0 = the budget is used up.',
      }),
      6,
      5,
    )
    .add(stat('Open incidents', `sum(vigil_incidents_open{${s}}) or vector(0)`, { thresholds: steps(1, 1), decimals: 0 }), 6, 5)
    .add(
      rankTable('Services', {
        labels: ['service'],
        columns: [
          { title: 'Availability', expr: cs('client_service:vigil_sla_availability:ratio'), unit: 'percentunit', decimals: 3 },
          { title: 'Target', expr: cs('client_service:vigil_sla_target:ratio'), unit: 'percentunit', decimals: 3 },
          { title: 'Margin', expr: cs('client_service:vigil_sla_availability_margin:ratio'), unit: 'percentunit', decimals: 3 },
          { title: 'Budget left', expr: cs('client_service:vigil_sla_error_budget_remaining:ratio'), unit: 'percentunit', decimals: 1 },
          { title: 'Burn 1 h', expr: cs('client_service:vigil_sla_burn_rate:1h'), decimals: 1 },
          { title: 'Burn 6 h', expr: cs('client_service:vigil_sla_burn_rate:6h'), decimals: 1 },
          { title: 'Burn 24 h', expr: cs('client_service:vigil_sla_burn_rate:24h'), decimals: 2 },
          { title: 'Projected', expr: cs('client_service:vigil_sla_projected_availability:ratio'), unit: 'percentunit', decimals: 3 },
          { title: 'Time to breach', expr: cs('client_service:vigil_sla_time_to_breach:seconds'), unit: 's' },
        ],
        sort: { column: 'Margin', desc: false },
        link: { column: 'service', title: 'Checks behind the service', url: rowLink(UID.drill, ['service'], ['client']) },
      }),
      24,
      9,
    )
    .row('Error budget over time')
    .add(trend('Burn rate over 1 h, by service', 'none', [{ expr: `topk(10, ${cs('client_service:vigil_sla_burn_rate:1h')})`, legend: '{{service}}' }]), 8, 8)
    .add(
      trend('Error budget left, by service', 'percentunit', [
        { expr: `bottomk(10, ${cs('client_service:vigil_sla_error_budget_remaining:ratio')})`, legend: '{{service}}' },
      ]),
      8,
      8,
    )
    .add(
      trend('Projected end-of-period margin to target', 'percentunit', [
        { expr: `bottomk(10, ${cs('client_service:vigil_sla_projected_margin:ratio')})`, legend: '{{service}}' },
      ]),
      8,
      8,
    )
    .row('Incidents, maintenance and exclusions')
    .add(
      rankTable('Open incidents', {
        labels: ['service', 'kind', 'priority', 'acknowledged'],
        columns: [
          { title: 'Age', expr: `time() - vigil_incidents_open_oldest_start_timestamp_seconds{${s}}`, unit: 's' },
          { title: 'Open', expr: `vigil_incidents_open{${s}}`, decimals: 0 },
        ],
        sort: { column: 'Age', desc: true },
      }),
      12,
      8,
    )
    .add(
      rankTable('This period to date', {
        labels: ['service'],
        columns: [
          { title: 'Incidents', expr: `max by (client, service) (vigil_sla_period_incidents{${s}})`, decimals: 0 },
          { title: 'Downtime', expr: `max by (client, service) (vigil_sla_downtime_seconds{${s}})`, unit: 's' },
          { title: 'Maintenance', expr: `max by (client, service) (vigil_sla_maintenance_seconds{${s}})`, unit: 's' },
          { title: 'Excluded', expr: `max by (client, service) (vigil_sla_excluded_seconds{${s}})`, unit: 's' },
          { title: 'In maintenance now', expr: `max by (client, service) (vigil_sla_maintenance_active{${s}})`, decimals: 0 },
        ],
        sort: { column: 'Incidents', desc: true },
        description: 'Maintenance and excluded time do not count against the SLA; exclusions carry their reason and author in the report.',
      }),
      12,
      8,
    );
  return dash;
}
