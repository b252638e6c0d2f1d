import type { ReportSignature } from '../../../shared/report/canonical.js';
import { capacityTables, coverageTable, dailyChart, day, downTable, esc, pct, qualityTable, span } from './html-parts.js';
import type { Report } from './model.js';

const mark = (v: boolean | null) => (v === null ? '–' : v ? '✓' : '✗');

/** The down intervals of a service over the period, as an SVG bar (red where down). */
function timeline(r: Report, s: Report['services'][number]): string {
  const start = Date.parse(r.period.start);
  const len = Date.parse(r.period.end) - start;
  const rects = s.downIntervals
    .map((i) => {
      const x = ((Date.parse(i.start) - start) / len) * 1000;
      const w = Math.max(1.5, ((Date.parse(i.end) - Date.parse(i.start)) / len) * 1000);
      return `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="18" fill="#c62828"><title>${esc(day(i.start))} – ${esc(day(i.end))}</title></rect>`;
    })
    .join('');
  return `<svg class="timeline" viewBox="0 0 1000 18" preserveAspectRatio="none" role="img" aria-label="down intervals of ${esc(s.id)}"><rect width="1000" height="18" fill="#2e7d32"/>${rects}</svg>`;
}

/**
 * The report as an HTML page laid out to print (A4, one section per part), rendered from the
 * canonical JSON only; every figure carries a data attribute so a test can read it back.
 */
export function reportHtml(r: Report, signature?: ReportSignature): string {
  const services = r.services
    .map(
      (s) =>
        `<tr data-service="${esc(s.id)}" data-availability="${s.availabilityPercent ?? ''}" data-downtime="${s.downtimeSeconds}" data-credit="${s.creditPercent}">` +
        `<td>${esc(s.id)}</td><td class="n">${s.target.toFixed(3)} %</td><td class="n ${s.breached ? 'bad' : 'ok'}">${pct(s.noData ? null : s.availabilityPercent)}</td>` +
        `<td class="n">${span(s.downtimeSeconds)}</td><td class="n">${span(s.maintenanceSeconds)}</td><td class="n">${span(s.excludedSeconds)}</td>` +
        `<td class="n">${span(s.unknownSeconds)} (${(s.coverage * 100).toFixed(1)} % covered)</td><td class="n">${s.creditPercent} %${s.creditTier ? ` (below ${s.creditTier.below} %${s.creditCapped ? `, capped at ${s.creditCap} %` : ''})` : ''}</td></tr>` +
        `<tr class="tl"><td colspan="8">${timeline(r, s)}${dailyChart(s)}${downTable(s)}</td></tr>` +
        s.exclusions
          .map((e) => `<tr class="ex"><td colspan="8">excluded ${esc(day(e.start))} – ${esc(day(e.end))}: ${esc(e.reason)} (${esc(e.addedBy)})</td></tr>`)
          .join(''),
    )
    .join('');
  const incidents =
    r.incidents.length === 0
      ? '<tr><td colspan="9">No incidents in this period.</td></tr>'
      : r.incidents
          .map(
            (i) =>
              `<tr data-incident="${i.id}"><td>#${i.id}</td><td>${esc(i.service)}</td><td>${esc(i.priority)}</td><td>${esc(day(i.started))}</td><td>${esc(day(i.resolved))}</td>` +
              `<td class="n">${span(i.timeToDetectSeconds)}</td><td class="n">${span(i.timeToNotifySeconds)} ${mark(i.within.notify)}</td>` +
              `<td class="n">${span(i.timeToAcknowledgeSeconds)} ${mark(i.within.response)}</td><td class="n">${span(i.timeToResolveSeconds)} ${mark(i.within.resolution)}</td></tr>`,
          )
          .join('');
  const adh = (['notify', 'response', 'resolution'] as const)
    .map(
      (m) =>
        `<td class="n">${r.adherence[m].percent === null ? '—' : `${r.adherence[m].percent.toFixed(1)} %`} (${r.adherence[m].within}/${r.adherence[m].total})</td>`,
    )
    .join('');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SLA report ${esc(r.client)} ${esc(r.period.label)}</title><style>` +
    '@page{size:A4;margin:16mm}body{font:11pt/1.4 system-ui,sans-serif;color:#1d2430;max-width:190mm;margin:0 auto}h1{font-size:16pt}h2{font-size:12.5pt;margin-top:1.4em;break-after:avoid}' +
    'table{border-collapse:collapse;width:100%;break-inside:auto}th,td{padding:3px 5px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}th{background:#eef1f4}.n{text-align:right;font-variant-numeric:tabular-nums}' +
    '.ok{color:#17663a}.bad{color:#a4161a;font-weight:600}.tl td{padding:0 5px 6px}.timeline{width:100%;height:10px}.daily{width:100%;height:28px;margin-top:3px}table.down{font-size:9pt;margin-top:3px}.ex td{font-size:9.5pt;color:#555}.prov{color:#9a5b00}footer{margin-top:2em;font-size:8.5pt;color:#666;word-break:break-all}' +
    `</style></head><body><h1>Service level report — ${esc(r.client)}, ${esc(r.period.label)}</h1>` +
    `<p>Period ${esc(day(r.period.start))} to ${esc(day(r.period.end))} (${esc(r.period.timezone)}). Contract version ${esc(r.definition.version)}, effective ${esc(day(r.definition.effectiveFrom))}. ` +
    `Generated ${esc(day(r.generatedAt))} UTC. <strong class="${r.status === 'final' ? 'ok' : 'prov'}" data-status="${r.status}">${r.status === 'final' ? 'Final' : `Provisional: ${esc((r.provisionalReasons ?? []).join('; '))}`}</strong></p>` +
    `<h2>Availability</h2><table><tr><th>Service</th><th class="n">Target</th><th class="n">Availability</th><th class="n">Downtime</th><th class="n">Maintenance</th><th class="n">Excluded</th><th class="n">Unknown</th><th class="n">Credit</th></tr>${services}</table>` +
    `<h2>Incidents</h2><table><tr><th>#</th><th>Service</th><th>Priority</th><th>Started</th><th>Resolved</th><th class="n">Detect</th><th class="n">Notify</th><th class="n">Acknowledge</th><th class="n">Resolve</th></tr>${incidents}</table>` +
    `<h2>Adherence to incident targets</h2><table><tr><th class="n">Notification</th><th class="n">Response</th><th class="n">Resolution</th></tr><tr>${adh}</tr></table>` +
    `<h2>VoIP quality</h2>${qualityTable(r)}<h2>Capacity</h2>${capacityTables(r)}<h2>Coverage: what fed these figures</h2>${coverageTable(r)}` +
    `<footer>${signature ? `SHA-256 ${esc(signature.sha256)} · Ed25519 signature ${esc(signature.value)} · verify the JSON with <code>vigil report verify</code>` : ''}</footer></body></html>`
  );
}
