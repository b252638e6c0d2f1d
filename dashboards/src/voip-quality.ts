import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { Page, rankTable, stat, steps, trend } from './panels.js';
import { clientVar, navLink, rowLink, siteVar, UID, VIGIL_TAG } from './variables.js';

const sel = 'client=~"$client",site=~"$site"';
const PATH = 'client, site, service, check, type';
const path = (metric: string) => `max by (${PATH}) (${metric}{${sel}})`;
const TOP = 25;
/** The ten worst of 1,000 sites over 6 h: a point a minute is plenty, and half the work of Grafana's 30 s. */
const SITE_TREND_INTERVAL = '1m';

/**
 * Voice and network quality: MOS (E-model), jitter, loss and latency of every path (a voip or icmp
 * check) — the worst paths first, then the worst sites, then the trends of the ten worst sites.
 */
export function voipQuality() {
  const dash = new DashboardBuilder('Vigil — VoIP quality')
    .uid(UID.voip)
    .description('MOS, jitter, loss and latency per site and path, worst first.')
    .tags([VIGIL_TAG, 'voip'])
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .link(navLink())
    .withVariable(clientVar())
    .withVariable(siteVar());
  const worstPaths = `bottomk(${TOP}, ${path('vigil_probe_mos')})`;
  const ofWorstPath = (metric: string) => `${path(metric)} and on (${PATH}) ${worstPaths}`;
  const worstSites = `bottomk(${TOP}, client_site:vigil_probe_mos:min{${sel}})`;
  const ofWorstSite = (metric: string) => `${metric}{${sel}} and on (client, site) ${worstSites}`;
  new Page(dash)
    .row('Now')
    .add(stat('Worst MOS', `min(client_site:vigil_probe_mos:min{${sel}})`, { decimals: 2, thresholds: steps(4, 3.5, true) }), 6, 4)
    .add(stat('Paths below MOS 3.5', `sum(client_site:vigil_probe_mos_below_3_5:count{${sel}}) or vector(0)`, { decimals: 0, thresholds: steps(1, 5) }), 6, 4)
    .add(stat('Worst loss', `max(client_site:vigil_probe_loss_ratio:max{${sel}})`, { unit: 'percentunit', decimals: 1, thresholds: steps(0.01, 0.05) }), 6, 4)
    .add(stat('Worst jitter', `max(client_site:vigil_probe_jitter_seconds:max{${sel}})`, { unit: 's', thresholds: steps(0.03, 0.05) }), 6, 4)
    .add(
      rankTable(`Worst paths first (bottom ${TOP} by MOS)`, {
        labels: ['client', 'site', 'check', 'type'],
        columns: [
          { title: 'MOS', expr: worstPaths, decimals: 2 },
          { title: 'Loss', expr: ofWorstPath('vigil_probe_loss_ratio'), unit: 'percentunit', decimals: 1 },
          { title: 'Jitter', expr: ofWorstPath('vigil_probe_jitter_seconds'), unit: 's' },
          { title: 'Round trip', expr: ofWorstPath('vigil_probe_rtt_avg_seconds'), unit: 's' },
        ],
        sort: { column: 'MOS', desc: false },
        link: { column: 'check', title: 'Path drill-down', url: rowLink(UID.drill, ['client', 'site', 'check']) },
      }),
      14,
      10,
    )
    .add(
      rankTable(`Sites by worst MOS (bottom ${TOP})`, {
        labels: ['client', 'site'],
        columns: [
          { title: 'Worst MOS', expr: worstSites, decimals: 2 },
          { title: 'Mean MOS', expr: ofWorstSite('client_site:vigil_probe_mos:avg'), decimals: 2 },
          { title: 'Max loss', expr: ofWorstSite('client_site:vigil_probe_loss_ratio:max'), unit: 'percentunit', decimals: 1 },
          { title: 'Max jitter', expr: ofWorstSite('client_site:vigil_probe_jitter_seconds:max'), unit: 's' },
        ],
        sort: { column: 'Worst MOS', desc: false },
        link: { column: 'site', title: 'Site drill-down', url: rowLink(UID.drill, ['client', 'site']) },
      }),
      10,
      10,
    )
    .row('The ten worst sites over time')
    .add(
      trend('Worst MOS per site', 'none', [{ expr: `bottomk(10, client_site:vigil_probe_mos:min{${sel}})`, legend: '{{client}}/{{site}}' }])
        .min(1)
        .max(4.5)
        .interval(SITE_TREND_INTERVAL),
      12,
      8,
    )
    .add(
      trend('Worst loss per site', 'percentunit', [
        { expr: `topk(10, client_site:vigil_probe_loss_ratio:max{${sel}})`, legend: '{{client}}/{{site}}' },
      ]).interval(SITE_TREND_INTERVAL),
      12,
      8,
    )
    .add(
      trend('Worst jitter per site', 's', [{ expr: `topk(10, client_site:vigil_probe_jitter_seconds:max{${sel}})`, legend: '{{client}}/{{site}}' }]).interval(
        SITE_TREND_INTERVAL,
      ),
      12,
      8,
    )
    .add(
      trend('Worst round-trip latency per site', 's', [
        { expr: `topk(10, client_site:vigil_probe_rtt_avg_seconds:max{${sel}})`, legend: '{{client}}/{{site}}' },
      ]).interval(SITE_TREND_INTERVAL),
      12,
      8,
    );
  return dash;
}
