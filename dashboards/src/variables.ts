import { DashboardLinkBuilder, DashboardLinkType, QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE } from './panels.js';

/**
 * The chained template variables client → site → service → check. Each reads a recorded series
 * of a few thousand series at most (client_site_service:vigil_checks:count, one per client, site
 * and service) rather than a raw family of 10,000 checks, and is filtered by the ones before it.
 * Values refresh when the time range changes, so a new client or site appears without a reload.
 */
const CHECKS = 'client_site_service:vigil_checks:count';

const variable = (name: string, label: string, query: string, o: { multi: boolean; all: boolean }) =>
  new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(o.multi)
    .includeAll(o.all)
    .allValue('.*');

/** `single`: one client at a time (the drill-downs, whose tables list every check of the client). */
export const clientVar = (o: { single?: boolean } = {}) =>
  variable('client', 'Client', `label_values(${CHECKS}, client)`, { multi: !o.single, all: !o.single });

export const siteVar = () => variable('site', 'Site', `label_values(${CHECKS}{client=~"$client"}, site)`, { multi: true, all: true });

/** The service label of the checks (the agents' `service` label; the SLA services carry the same ids). */
export const serviceVar = () => variable('service', 'Service', `label_values(${CHECKS}{client=~"$client",site=~"$site"}, service)`, { multi: true, all: true });

/** The SLA services of the client, from its SLA figures (a service may have no check labelled with it). */
export const slaServiceVar = () =>
  variable('service', 'Service', 'label_values(client_service:vigil_sla_availability:ratio{client=~"$client"}, service)', { multi: true, all: true });

export const checkVar = () =>
  variable('check', 'Check', 'label_values(vigil_check_state{client=~"$client",site=~"$site",service=~"$service",state="up"}, check)', {
    multi: true,
    all: true,
  });

/** Collector health: the scrape job and the collector instances in it. */
export const jobVar = () => variable('job', 'Job', 'label_values(vigil_ingest_batches_total, job)', { multi: false, all: true });
export const instanceVar = () =>
  variable('instance', 'Collector', 'label_values(vigil_ingest_batches_total{job=~"$job"}, instance)', { multi: true, all: true });

/** The tag every Vigil dashboard carries; the navigation link lists them by it. */
export const VIGIL_TAG = 'vigil';

/** The uids of the dashboards, for links between them (each module builds the one it names). */
export const UID = {
  noc: 'vigil-noc-overview',
  clientSla: 'vigil-client-sla',
  drill: 'vigil-drill-down',
  voip: 'vigil-voip-quality',
  capacity: 'vigil-capacity',
  fleet: 'vigil-agent-fleet',
  collector: 'vigil-collector-health',
} as const;

/** The top bar of every dashboard: the other Vigil dashboards, keeping the time range and the variables they share. */
export const navLink = () =>
  new DashboardLinkBuilder('Vigil dashboards')
    .type(DashboardLinkType.Dashboards)
    .tags([VIGIL_TAG])
    .asDropdown(true)
    .includeVars(true)
    .keepTime(true)
    .targetBlank(false);

/**
 * A URL to another dashboard with variables taken from the clicked row (`fields`: `client` →
 * ${__data.fields.client}), variables carried over from this dashboard as they are (`carried`:
 * `client` → ${client}), and the time range.
 */
export function rowLink(uid: string, fields: readonly string[], carried: readonly string[] = []): string {
  const q = [...carried.map((v) => `var-${v}=\${${v}}`), ...fields.map((v) => `var-${v}=\${__data.fields.${v}}`)].join('&');
  return `/d/${uid}?${q}&\${__url_time_range}`;
}
