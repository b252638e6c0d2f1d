import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { BigValueColorMode, BigValueGraphMode, ReduceDataOptionsBuilder, TableSortByFieldStateBuilder } from '@grafana/grafana-foundation-sdk/common';
import { type DashboardBuilder, MappingType, type Panel, RowBuilder, ThresholdsConfigBuilder, ThresholdsMode } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelineBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** The one datasource every panel and variable queries; provisioning/datasources/vigil.yaml defines it with this uid. */
export const DATASOURCE = { type: 'prometheus', uid: 'vigil-prometheus' };

const refs = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A range query (time series panels). */
export const rangeQuery = (expr: string, legend: string, refId = 'A') =>
  new DataqueryBuilder().datasource(DATASOURCE).expr(expr).legendFormat(legend).range().refId(refId);

/** An instant query in table format (tables and stats read the value now, not a line over time). */
export const instantQuery = (expr: string, refId = 'A') =>
  new DataqueryBuilder().datasource(DATASOURCE).expr(expr).instant().format(PromQueryFormat.Table).legendFormat('__auto').refId(refId);

/** Green below `warn`, orange from it, red from `bad` (for a figure where more is worse); reversed when `lowIsBad`; `warn` = `bad`: no orange. */
export function steps(warn: number, bad: number, lowIsBad = false) {
  const t = new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute);
  const orange = warn === bad ? [] : [{ value: lowIsBad ? bad : warn, color: 'orange' }];
  return lowIsBad
    ? t.steps([{ value: null, color: 'red' }, ...orange, { value: warn, color: 'green' }])
    : t.steps([{ value: null, color: 'green' }, ...orange, { value: bad, color: 'red' }]);
}

export interface StatOptions {
  unit?: string;
  decimals?: number;
  thresholds?: ReturnType<typeof steps>;
  description?: string;
}

/** One number now (the last value of an instant query). */
export function stat(title: string, expr: string, o: StatOptions = {}) {
  const p = new StatBuilder()
    .title(title)
    .datasource(DATASOURCE)
    .unit(o.unit ?? 'none')
    .graphMode(BigValueGraphMode.None)
    .colorMode(o.thresholds ? BigValueColorMode.Background : BigValueColorMode.Value)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(o.thresholds ?? new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([{ value: null, color: 'text' }]))
    .withTarget(instantQuery(expr));
  if (o.decimals !== undefined) p.decimals(o.decimals);
  if (o.description) p.description(o.description);
  return p;
}

/** Lines over the dashboard's range; each target is one expression with its legend. */
export function trend(title: string, unit: string, targets: ReadonlyArray<{ expr: string; legend: string }>, description?: string) {
  const p = new TimeseriesBuilder().title(title).datasource(DATASOURCE).unit(unit);
  targets.forEach((t, i) => p.withTarget(rangeQuery(t.expr, t.legend, refs[i]!)));
  if (description) p.description(description);
  return p;
}

/** States over the range (0/1 series as coloured bands), e.g. the down intervals of a service's checks. */
export function timeline(title: string, expr: string, legend: string, description?: string) {
  const p = new StateTimelineBuilder()
    .title(title)
    .datasource(DATASOURCE)
    .withTarget(rangeQuery(expr, legend))
    .mappings([
      {
        type: MappingType.ValueToText,
        options: { '0': { text: 'up', color: 'green', index: 0 }, '1': { text: 'down', color: 'red', index: 1 } },
      },
    ]);
  if (description) p.description(description);
  return p;
}

export interface Column {
  title: string;
  expr: string;
  unit?: string;
  decimals?: number;
}

export interface RankOptions {
  /** The label columns shown first, in this order (e.g. client, site). */
  labels: readonly string[];
  /** The value columns; the first one ranks the rows (its expression holds the topk/bottomk). */
  columns: readonly Column[];
  sort: { column: string; desc: boolean };
  /** A data link on a label column: its URL may use ${__data.fields.<label>}. */
  link?: { column: string; title: string; url: string };
  description?: string;
}

/**
 * A ranked table from instant queries joined on their labels (merge), showing only the named
 * label columns and the value columns (filterFieldsByName), renamed and in order (organize).
 */
export function rankTable(title: string, o: RankOptions) {
  const value = (i: number) => (o.columns.length === 1 ? 'Value' : `Value #${refs[i]}`);
  const p = new TableBuilder().title(title).datasource(DATASOURCE);
  o.columns.forEach((c, i) => p.withTarget(instantQuery(c.expr, refs[i]!)));
  const include = [...o.labels, ...o.columns.map((_, i) => value(i))];
  p.withTransformation({ id: 'merge', options: {} })
    .withTransformation({ id: 'filterFieldsByName', options: { include: { names: include } } })
    .withTransformation({
      id: 'organize',
      options: {
        renameByName: Object.fromEntries(o.columns.map((c, i) => [value(i), c.title])),
        indexByName: Object.fromEntries(include.map((n, i) => [n, i])),
      },
    })
    .sortBy([new TableSortByFieldStateBuilder().displayName(o.sort.column).desc(o.sort.desc)]);
  for (const c of o.columns) {
    const props = [...(c.unit ? [{ id: 'unit', value: c.unit }] : []), ...(c.decimals !== undefined ? [{ id: 'decimals', value: c.decimals }] : [])];
    if (props.length > 0) p.overrideByName(c.title, props);
  }
  if (o.link) p.overrideByName(o.link.column, [{ id: 'links', value: [{ title: o.link.title, url: o.link.url }] }]);
  if (o.description) p.description(o.description);
  return p;
}

type Sized = cog.Builder<Panel> & { gridPos(g: { x: number; y: number; w: number; h: number }): unknown; id(id: number): unknown };

/**
 * Panels in reading order, each with its width and height; the SDK places them left to right,
 * wrapping at 24 columns, and rows start a new line. Panel ids are given in order, so links to a
 * panel (viewPanel) stay stable as long as the order does.
 */
export class Page {
  private nextId = 1;

  constructor(private readonly dash: DashboardBuilder) {}

  row(title: string): this {
    this.dash.withRow(new RowBuilder(title).id(this.nextId++));
    return this;
  }

  add(panel: Sized, w: number, h: number): this {
    panel.gridPos({ x: 0, y: 0, w, h });
    panel.id(this.nextId++);
    this.dash.withPanel(panel);
    return this;
  }
}
