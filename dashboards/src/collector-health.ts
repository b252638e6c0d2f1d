import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { Page, stat, steps, trend } from './panels.js';
import { instanceVar, jobVar, navLink, UID, VIGIL_TAG } from './variables.js';

const sel = 'job=~"$job",instance=~"$instance"';
/** A latency recorded per instance (dashboards/rules, vigil-collector-recording), the worst of the selected instances. */
const rec = (series: string, by = '') => `max${by ? ` by (${by})` : ''} (${series}{${sel}})`;

/**
 * The collector itself: ingest rate and latency, what it refuses, how long it waits for its
 * database, how far its state engine's listeners lag, the notification outbox, its process
 * (CPU, memory, event loop) and the /metrics scrape as Prometheus sees it.
 */
export function collectorHealth() {
  const dash = new DashboardBuilder('Vigil — Collector health')
    .uid(UID.collector)
    .description('Ingest, store latency, state-engine lag, notification outbox and process resources of the collector.')
    .tags([VIGIL_TAG, 'collector'])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .link(navLink())
    .withVariable(jobVar())
    .withVariable(instanceVar());
  new Page(dash)
    .row('Now')
    .add(stat('Samples stored per second', `sum(job_instance:vigil_ingest_samples:rate5m{${sel}})`, { unit: 'short' }), 4, 4)
    .add(stat('Ingest p99', rec('job_instance:vigil_ingest_request_duration_seconds:p99_5m'), { unit: 's', thresholds: steps(0.1, 0.5) }), 4, 4)
    .add(stat('Store p99', rec('job_instance:vigil_store_operation_duration_seconds:p99_5m'), { unit: 's', thresholds: steps(0.05, 0.25) }), 4, 4)
    .add(stat('State-engine lag p99', rec('job_instance:vigil_engine_event_lag_seconds:p99_5m'), { unit: 's', thresholds: steps(1, 5) }), 4, 4)
    .add(stat('Notifications waiting', `sum(vigil_notifications_pending{${sel}})`, { decimals: 0, thresholds: steps(10, 100) }), 4, 4)
    .add(stat('Resident memory', `sum(process_resident_memory_bytes{${sel}})`, { unit: 'bytes' }), 4, 4)
    .row('Ingest')
    .add(trend('Ingested batches by result', 'reqps', [{ expr: `sum by (result) (rate(vigil_ingest_batches_total{${sel}}[5m]))`, legend: '{{result}}' }]), 8, 8)
    .add(
      trend('Ingest latency', 's', [
        { expr: `job_instance:vigil_ingest_request_duration_seconds:p50_5m{${sel}}`, legend: 'p50 {{instance}}' },
        { expr: `job_instance:vigil_ingest_request_duration_seconds:p99_5m{${sel}}`, legend: 'p99 {{instance}}' },
      ]),
      8,
      8,
    )
    .add(
      trend('Refused', 'short', [
        { expr: `sum by (code) (rate(vigil_ingest_samples_refused_total{${sel}}[5m]))`, legend: 'samples {{code}}' },
        { expr: `sum by (reason) (rate(vigil_http_refused_total{${sel}}[5m]))`, legend: 'requests {{reason}}' },
      ]),
      8,
      8,
    )
    .row('Store and state engine')
    .add(
      trend('Store latency p99, the five slowest operations', 's', [
        { expr: `topk(5, ${rec('job_instance_operation:vigil_store_operation_duration_seconds:p99_5m', 'operation')})`, legend: '{{operation}}' },
      ]),
      12,
      8,
    )
    .add(
      trend(
        'State-engine lag p99',
        's',
        [{ expr: rec('job_instance_event:vigil_engine_event_lag_seconds:p99_5m', 'event'), legend: '{{event}}' }],
        'From the engine confirming a change to its listeners (incident recorder, notifications) having taken it.',
      ),
      12,
      8,
    )
    .row('Notifications')
    .add(trend('Outbox backlog', 'none', [{ expr: `sum(vigil_notifications_pending{${sel}})`, legend: 'waiting' }]), 8, 8)
    .add(
      trend('Delivery attempts by result', 'none', [
        { expr: `sum by (channel, result) (increase(vigil_notifications_total{${sel}}[1h]))`, legend: '{{channel}} {{result}}' },
      ]),
      8,
      8,
    )
    .add(
      trend('Time to notify p95 (outage start → first delivery)', 's', [
        { expr: `histogram_quantile(0.95, sum by (le) (increase(vigil_incident_time_to_notify_seconds_bucket{${sel}}[6h])))`, legend: 'p95' },
      ]),
      8,
      8,
    )
    .row('Process')
    .add(trend('CPU', 'percentunit', [{ expr: `rate(process_cpu_seconds_total{${sel}}[5m])`, legend: '{{instance}}' }]), 6, 8)
    .add(
      trend('Memory', 'bytes', [
        { expr: `process_resident_memory_bytes{${sel}}`, legend: 'resident {{instance}}' },
        { expr: `nodejs_heap_size_used_bytes{${sel}}`, legend: 'heap used {{instance}}' },
      ]),
      6,
      8,
    )
    .add(trend('Event-loop lag p99', 's', [{ expr: `nodejs_eventloop_lag_p99_seconds{${sel}}`, legend: '{{instance}}' }]), 6, 8)
    .add(trend('Open files', 'none', [{ expr: `process_open_fds{${sel}}`, legend: '{{instance}}' }]), 6, 8)
    .row('/metrics as Prometheus scrapes it')
    .add(trend('Scrape duration', 's', [{ expr: `scrape_duration_seconds{${sel}}`, legend: '{{instance}}' }]), 12, 7)
    .add(trend('Series per scrape', 'short', [{ expr: `scrape_samples_scraped{${sel}}`, legend: '{{instance}}' }]), 12, 7);
  return dash;
}
