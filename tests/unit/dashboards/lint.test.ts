import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { describe, expect, it } from 'vitest';
import { dashboards, PROVISIONED_DATASOURCES } from '../../../dashboards/src/generate.js';
import { lintDashboards } from '../../../dashboards/src/lint.js';

const UIDS = PROVISIONED_DATASOURCES.map((d) => d.uid);
/** The dashboards' JSON, edited freely to plant faults. */
// biome-ignore lint/suspicious/noExplicitAny: any shape of the JSON may be planted
type Json = any;
/** A fresh copy of the dashboards with one change made by `edit` to the one with `uid`. */
function planted(uid: string, edit: (d: Json) => void): Dashboard[] {
  const all = JSON.parse(JSON.stringify(dashboards())) as Dashboard[]; // the JSON Grafana reads
  edit(all.find((d) => d.uid === uid));
  return all;
}
const panel = (d: Json, title: string) => d.panels.find((p: { title: string }) => p.title === title);

describe('the dashboards checked without a Grafana (dashboards/src/lint.ts)', () => {
  it('finds no problem in the dashboards as generated', () => {
    expect(lintDashboards(dashboards(), UIDS)).toEqual([]);
  });

  it('finds a datasource uid nothing provisions', () => {
    const all = planted('vigil-capacity', (d) => (panel(d, 'Interfaces with errors (top 25)').targets[0].datasource.uid = 'old-prometheus'));
    expect(lintDashboards(all, UIDS)).toEqual([
      'vigil-capacity: panel "Interfaces with errors (top 25)" query A: datasource uid "old-prometheus" is not provisioned',
    ]);
  });

  it('finds a variable used but not defined, one used before it is defined, and one defined but unused', () => {
    const undefinedVar = planted(
      'vigil-voip-quality',
      (d) => (panel(d, 'Worst MOS').targets[0].expr = 'min(client_site:vigil_probe_mos:min{service=~"$service"})'),
    );
    expect(lintDashboards(undefinedVar, UIDS)).toEqual(['vigil-voip-quality: panel "Worst MOS": variable $service is not defined']);
    const order = planted('vigil-drill-down', (d) => d.templating.list.reverse());
    expect(lintDashboards(order, UIDS)).toEqual([
      'vigil-drill-down: variable check: variable $client is not defined before this one',
      'vigil-drill-down: variable check: variable $site is not defined before this one',
      'vigil-drill-down: variable check: variable $service is not defined before this one',
      'vigil-drill-down: variable service: variable $client is not defined before this one',
      'vigil-drill-down: variable service: variable $site is not defined before this one',
      'vigil-drill-down: variable site: variable $client is not defined before this one',
    ]);
    const unused = planted('vigil-collector-health', (d) => d.templating.list.push({ ...d.templating.list[0], name: 'region' }));
    expect(lintDashboards(unused, UIDS)).toEqual(['vigil-collector-health: variable region: is defined but no query uses it']);
  });

  it('finds links to a dashboard that does not exist, to a variable it lacks, to a column the table does not show, and a tag no other dashboard has', () => {
    const link = (d: Json, title: string) => panel(d, title).fieldConfig.overrides.find((o: Json) => o.properties[0].id === 'links').properties[0].value[0];
    const gone = planted(
      'vigil-noc-overview',
      (d) => (link(d, 'Clients by worst availability to date (bottom 20)').url = '/d/vigil-client-report?var-client=x'),
    );
    expect(lintDashboards(gone, UIDS)).toEqual([
      'vigil-noc-overview: panel "Clients by worst availability to date (bottom 20)" data link: dashboard vigil-client-report does not exist',
    ]);
    const noVar = planted(
      'vigil-noc-overview',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana data-link placeholder, not a template
      (d) => (link(d, 'Sites unreachable (no agent heartbeat)').url = '/d/vigil-client-sla?var-site=${__data.fields.site}'),
    );
    expect(lintDashboards(noVar, UIDS)).toEqual([
      'vigil-noc-overview: panel "Sites unreachable (no agent heartbeat)" data link: dashboard vigil-client-sla has no variable site',
    ]);
    const noField = planted(
      'vigil-voip-quality',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana data-link placeholder, not a template
      (d) => (link(d, 'Sites by worst MOS (bottom 25)').url = '/d/vigil-drill-down?var-check=${__data.fields.check}'),
    );
    expect(lintDashboards(noField, UIDS)).toEqual([
      'vigil-voip-quality: panel "Sites by worst MOS (bottom 25)" data link: field check is not a column of the table',
    ]);
    const tag = planted('vigil-agent-fleet', (d) => (d.links[0].tags = ['vigil-old']));
    expect(lintDashboards(tag, UIDS)).toEqual(['vigil-agent-fleet: link "Vigil dashboards": no other dashboard has the tags ["vigil-old"]']);
  });

  it('finds a line per check outside the drill-down, a panel without a query, off the grid, with thresholds out of order or sharing an id', () => {
    const perCheck = planted(
      'vigil-noc-overview',
      (d) => (panel(d, 'Checks down and sites unreachable').targets[0].expr = 'vigil_check_up{client=~"$client"}'),
    );
    expect(lintDashboards(perCheck, UIDS)).toEqual([
      'vigil-noc-overview: panel "Checks down and sites unreachable": draws a line per check: vigil_check_up{client=~"$client"}',
    ]);
    const broken = planted('vigil-client-sla', (d) => {
      panel(d, 'Services below target').targets = [];
      panel(d, 'Services').gridPos.x = 20;
    });
    expect(lintDashboards(broken, UIDS)).toEqual([
      'vigil-client-sla: panel "Services below target": has no query',
      'vigil-client-sla: panel "Services": gridPos {"x":20,"y":6,"w":24,"h":9} is off the 24-column grid',
    ]);
    const order = planted('vigil-voip-quality', (d) => panel(d, 'Worst MOS').fieldConfig.defaults.thresholds.steps.reverse());
    expect(lintDashboards(order, UIDS)).toEqual([
      'vigil-voip-quality: panel "Worst MOS": threshold steps [4,3.5,null] are not a base (null) then ascending values',
    ]);
    const twice = planted('vigil-agent-fleet', (d) => (panel(d, 'Agents down').id = panel(d, 'Agents').id));
    expect(lintDashboards(twice, UIDS)).toEqual([
      `vigil-agent-fleet: panel "Agents down": panel id ${panel(dashboards()[5], 'Agents').id} is missing or not unique`,
    ]);
  });
});
