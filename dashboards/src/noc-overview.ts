import { DashboardBuilder, QueryVariableBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

export const DATASOURCE = { type: 'prometheus', uid: 'vigil-prometheus' };
const sel = 'client=~"$client"';

const q = (expr: string, legend = '', refId = 'A') => new DataqueryBuilder().datasource(DATASOURCE).expr(expr).legendFormat(legend).refId(refId);
const ts = (title: string, unit: string, expr: string, legend: string, w = 12) =>
  new TimeseriesBuilder().title(title).unit(unit).datasource(DATASOURCE).gridPos({ h: 8, w, x: 0, y: 0 }).withTarget(q(expr, legend));
const stat = (title: string, unit: string, expr: string, legend: string, w = 6) =>
  new StatBuilder().title(title).unit(unit).datasource(DATASOURCE).gridPos({ h: 5, w, x: 0, y: 0 }).withTarget(q(expr, legend));

/** The NOC overview: SLA now, incidents and notifications, what is down, probe quality, cloud services, host capacity, the pipeline itself. */
export function nocOverview() {
  return (
    new DashboardBuilder('Vigil — NOC overview')
      .uid('vigil-noc-overview')
      .tags(['vigil', 'sla'])
      .refresh('30s')
      .time({ from: 'now-6h', to: 'now' })
      .timezone('browser')
      .withVariable(
        new QueryVariableBuilder('client')
          .label('Client')
          .datasource(DATASOURCE)
          .query('label_values(vigil_check_up, client)')
          .includeAll(true)
          .multi(true)
          .allValue('.*'),
      )
      .withRow(new RowBuilder('SLA this period'))
      .withPanel(
        stat('Availability to date', 'percentunit', `min by (client, service) (vigil_sla_availability_ratio{${sel}})`, '{{client}}/{{service}}', 8).decimals(3),
      )
      .withPanel(stat('Error budget left', 'percentunit', `vigil_sla_error_budget_remaining_ratio{${sel}}`, '{{client}}/{{service}}', 8))
      .withPanel(stat('Checks down now', 'none', `sum(vigil_check_state{state="down",${sel}}) or vector(0)`, 'down', 8))
      .withPanel(ts('Burn rate by window', 'none', `vigil_sla_burn_rate{${sel}}`, '{{client}}/{{service}} {{window}}'))
      .withPanel(
        ts(
          'Projected end-of-period availability vs target',
          'percentunit',
          `vigil_sla_projected_availability_ratio{${sel}} - on (client, service) vigil_sla_target_ratio{${sel}}`,
          '{{client}}/{{service}} margin',
        ),
      )
      .withPanel(
        new TableBuilder()
          .title('Services')
          .datasource(DATASOURCE)
          .gridPos({ h: 8, w: 24, x: 0, y: 0 })
          .withTarget(
            q(`vigil_sla_availability_ratio{${sel}}`, '{{client}}/{{service}}')
              .instant()
              .format('table' as never),
          ),
      )
      .withRow(new RowBuilder('Incidents and notifications'))
      .withPanel(
        stat(
          'Open incidents not acknowledged',
          'none',
          `sum(vigil_incidents_open{${sel},kind=~"service-down|site-unreachable",acknowledged="false"}) or vector(0)`,
          'open',
          8,
        ),
      )
      .withPanel(
        stat(
          'Early warnings open (burn rate, projected breach)',
          'none',
          `sum(vigil_incidents_open{${sel},kind=~"burn-rate|projected-breach"}) or vector(0)`,
          'warnings',
          8,
        ),
      )
      .withPanel(stat('Notifications waiting to be delivered', 'none', 'sum(vigil_notifications_pending)', 'pending', 8))
      .withPanel(
        ts(
          'Time to notify, p95 over 6 h (outage start → first delivery)',
          's',
          'histogram_quantile(0.95, sum by (le) (increase(vigil_incident_time_to_notify_seconds_bucket[6h])))',
          'p95',
        ),
      )
      .withPanel(
        ts(
          'Notification attempts by channel and result',
          'none',
          'sum by (channel, result) (increase(vigil_notifications_total[1h]))',
          '{{channel}} {{result}}',
        ),
      )
      .withPanel(
        new TableBuilder()
          .title('Open incidents')
          .datasource(DATASOURCE)
          .gridPos({ h: 8, w: 24, x: 0, y: 0 })
          .withTarget(
            q(`vigil_incidents_open{${sel}}`, '{{client}}/{{service}} {{kind}} {{priority}}')
              .instant()
              .format('table' as never),
          ),
      )
      .withRow(new RowBuilder('Checks'))
      .withPanel(ts('Check up (last result)', 'none', `vigil_check_up{${sel}}`, '{{client}} {{check}}'))
      .withPanel(ts('Probe duration', 's', `vigil_check_duration_seconds{${sel}}`, '{{check}} ({{type}})'))
      .withPanel(ts('HTTP time to first byte', 's', `vigil_probe_first_byte_seconds{${sel}}`, '{{check}}'))
      .withPanel(ts('Connect time', 's', `vigil_probe_connect_seconds{${sel}}`, '{{check}} ({{type}})'))
      .withRow(new RowBuilder('Network and VoIP quality'))
      .withPanel(ts('MOS (E-model)', 'none', `vigil_probe_mos{${sel}}`, '{{check}}').min(1).max(4.5))
      .withPanel(ts('Packet loss', 'percentunit', `vigil_probe_loss_ratio{${sel}}`, '{{check}}'))
      .withPanel(ts('Jitter', 's', `vigil_probe_jitter_seconds{${sel}}`, '{{check}}'))
      .withPanel(ts('Round-trip time', 's', `vigil_probe_rtt_avg_seconds{${sel}}`, '{{check}}'))
      // cloud templates: the status probes report `vendor_*` figures; the checks a template creates are named `<entry id>.<part>`
      .withRow(new RowBuilder('Cloud services'))
      .withPanel(stat('Cloud components affected now (vendor-reported)', 'none', `sum(vigil_probe_vendor_affected_count{${sel}}) or vector(0)`, 'affected', 12))
      .withPanel(stat('Cloud template checks failing now', 'none', `count(vigil_check_up{${sel},check=~".+[.].+"} == 0) or vector(0)`, 'failing', 12))
      .withPanel(
        ts('Vendor-reported status (0 ok, 1 degraded, 2 outage)', 'none', `vigil_probe_vendor_status_level{${sel}}`, '{{client}} {{check}}').min(0).max(2),
      )
      .withPanel(ts('Cloud template checks up', 'none', `vigil_check_up{${sel},check=~".+[.].+"}`, '{{client}} {{check}} ({{type}})').min(0).max(1))
      .withRow(new RowBuilder('Host capacity and throughput'))
      .withPanel(ts('CPU', 'percentunit', `vigil_host_cpu_usage_ratio{${sel}}`, '{{agent}}'))
      .withPanel(ts('Memory used', 'bytes', `vigil_host_memory_used_bytes{${sel}}`, '{{agent}}'))
      .withPanel(ts('Disk used', 'percentunit', `vigil_host_disk_used_bytes{${sel}} / vigil_host_disk_size_bytes{${sel}}`, '{{agent}} {{mount}}'))
      .withPanel(ts('Disk days until full (at the current growth)', 'd', `vigil_host_disk_full_days{${sel}}`, '{{agent}} {{mount}}'))
      .withPanel(ts('Network receive', 'bps', `vigil_host_network_receive_bits_per_second{${sel}}`, '{{agent}} {{interface}}'))
      .withPanel(ts('Network transmit', 'bps', `vigil_host_network_transmit_bits_per_second{${sel}}`, '{{agent}} {{interface}}'))
      .withRow(new RowBuilder('Pipeline'))
      .withPanel(ts('Ingested batches', 'reqps', 'sum by (result) (rate(vigil_ingest_batches_total[5m]))', '{{result}}'))
      .withPanel(ts('Agents up', 'none', `vigil_agent_up{${sel}}`, '{{agent}}'))
      .withPanel(ts('Seconds since agent last seen', 's', `time() - vigil_agent_last_seen_timestamp_seconds{${sel}}`, '{{agent}}'))
  );
}
