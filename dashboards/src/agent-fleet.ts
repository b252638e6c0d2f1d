import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { Page, rankTable, stat, steps, trend } from './panels.js';
import { clientVar, navLink, rowLink, siteVar, UID, VIGIL_TAG } from './variables.js';

const sel = 'client=~"$client",site=~"$site"';
const TOP = 25;
const AGENT = 'client, site, agent';
const per = (metric: string) => `max by (${AGENT}) (${metric}{${sel}})`;

/**
 * The agents: which are silent and since when, what waits in their disk spools and what they dropped,
 * and what they run (version, OS, configuration version and state, from their heartbeats). One
 * agent per site is the usual shape, so a silent agent is usually an unreachable site.
 */
export function agentFleet() {
  const dash = new DashboardBuilder('Vigil — Agent fleet')
    .uid(UID.fleet)
    .description('Agents: last seen, spool depth, dropped samples, version and configuration.')
    .tags([VIGIL_TAG, 'agents'])
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .link(navLink())
    .withVariable(clientVar())
    .withVariable(siteVar());
  const silent = `topk(${TOP}, time() - ${per('vigil_agent_last_seen_timestamp_seconds')})`;
  const deepest = `topk(${TOP}, ${per('vigil_agent_spool_batches')} > 0)`;
  const dropped = `topk(${TOP}, max by (${AGENT}) (increase(vigil_agent_spool_dropped_samples_total{${sel}}[1h])) > 0)`;
  const site = { column: 'site', title: 'Site drill-down', url: rowLink(UID.drill, ['client', 'site']) };
  new Page(dash)
    .row('Now')
    .add(stat('Agents', `count(${per('vigil_agent_up')})`, { decimals: 0 }), 4, 4)
    .add(stat('Agents down', `sum(${per('vigil_agent_up')} == bool 0)`, { decimals: 0, thresholds: steps(1, 1) }), 4, 4)
    .add(
      stat('Silent over 5 min', `sum(time() - ${per('vigil_agent_last_seen_timestamp_seconds')} > bool 300)`, {
        decimals: 0,
        thresholds: steps(1, 1),
      }),
      4,
      4,
    )
    .add(
      stat('Batches waiting in spools', `sum(client_site:vigil_agent_spool_batches:sum{${sel}}) or vector(0)`, { decimals: 0, thresholds: steps(100, 1000) }),
      4,
      4,
    )
    .add(
      stat('Samples dropped unsent (1 h)', `sum(client_site:vigil_agent_spool_dropped_samples:increase_1h{${sel}}) or vector(0)`, {
        decimals: 0,
        thresholds: steps(1, 1),
      }),
      4,
      4,
    )
    .add(
      stat('Configuration rejected', `sum(${per('vigil_agent_config_rejected')}) or vector(0)`, {
        decimals: 0,
        thresholds: steps(1, 1),
        description: 'Agents that refused the newest configuration offered (they keep running the last good one).',
      }),
      4,
      4,
    )
    .add(
      rankTable(`Agents by last seen (oldest ${TOP})`, {
        labels: ['client', 'site', 'agent'],
        columns: [
          { title: 'Last seen', expr: silent, unit: 's' },
          { title: 'Up', expr: `${per('vigil_agent_up')} and on (${AGENT}) ${silent}`, decimals: 0 },
          { title: 'Spool batches', expr: `${per('vigil_agent_spool_batches')} and on (${AGENT}) ${silent}`, decimals: 0 },
        ],
        sort: { column: 'Last seen', desc: true },
        link: site,
      }),
      8,
      9,
    )
    .add(
      rankTable(`Deepest spools (top ${TOP})`, {
        labels: ['client', 'site', 'agent'],
        columns: [
          { title: 'Batches', expr: deepest, decimals: 0 },
          { title: 'Bytes', expr: `${per('vigil_agent_spool_bytes')} and on (${AGENT}) ${deepest}`, unit: 'bytes' },
          { title: 'Oldest', expr: `${per('vigil_agent_spool_oldest_age_seconds')} and on (${AGENT}) ${deepest}`, unit: 's' },
        ],
        sort: { column: 'Batches', desc: true },
        link: site,
      }),
      8,
      9,
    )
    .add(
      rankTable(`Samples dropped in the last hour (top ${TOP})`, {
        labels: ['client', 'site', 'agent'],
        columns: [
          { title: 'Spool drops', expr: dropped, decimals: 0 },
          {
            title: 'Refused by the collector',
            expr: `max by (${AGENT}) (increase(vigil_agent_send_refused_samples_total{${sel}}[1h])) and on (${AGENT}) ${dropped}`,
            decimals: 0,
          },
        ],
        sort: { column: 'Spool drops', desc: true },
        link: site,
      }),
      8,
      9,
    )
    .row('Versions and configuration')
    .add(
      rankTable('Agent versions', {
        labels: ['version'],
        columns: [{ title: 'Agents', expr: `count by (version) (max by (${AGENT}, version) (vigil_agent_info{${sel}}))` }],
        sort: { column: 'Agents', desc: true },
      }),
      8,
      8,
    )
    .add(
      rankTable('Configuration versions', {
        labels: ['source', 'version', 'state'],
        columns: [{ title: 'Agents', expr: `count by (source, version, state) (max by (${AGENT}, source, version, state) (vigil_agent_config_info{${sel}}))` }],
        sort: { column: 'Agents', desc: true },
        description:
          'central: from the collector (fleet.configDir); local: the agent’s own agent.yaml. state: applied, rejected (the last good one runs) or none.',
      }),
      8,
      8,
    )
    .add(
      stat('Waiting for their central configuration', `sum(${per('vigil_agent_config_pending')}) or vector(0)`, {
        decimals: 0,
        thresholds: steps(1, 10),
        description: 'Centrally configured agents that do not run the version the collector holds for them yet (they fetch it at their next heartbeat).',
      }),
      8,
      8,
    )
    .row('Over time')
    .add(
      trend('Agents up and down', 'none', [
        { expr: `sum(client:vigil_agents:count{client=~"$client"}) - sum(client:vigil_agents_down:count{client=~"$client"})`, legend: 'up' },
        { expr: `sum(client:vigil_agents_down:count{client=~"$client"})`, legend: 'down' },
      ]),
      8,
      8,
    )
    .add(
      trend('Batches waiting in spools', 'none', [{ expr: `sum(client_site:vigil_agent_spool_batches:sum{${sel}})`, legend: 'batches' }]).interval('1m'),
      8,
      8,
    )
    .add(
      trend('Samples dropped unsent per hour', 'none', [
        { expr: `sum(client_site:vigil_agent_spool_dropped_samples:increase_1h{${sel}})`, legend: 'dropped' },
      ]).interval('1m'),
      8,
      8,
    );
  return dash;
}
