import type { Report } from './model.js';

/*
 * The parts of the HTML report below the availability table (daily chart, down intervals with their
 * members and rule, quality, capacity, coverage), each rendered from the canonical JSON only, with
 * data attributes a test reads back.
 */

export const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
export const pct = (v: number | null) => (v === null ? 'no data' : `${v.toFixed(3)} %`);
export const day = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) : '—');
export function span(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
type Service = Report['services'][number];

/** Daily availability as SVG bars: the bar's height spans from the target's floor (2 × the budget below it) to 100 %. */
export function dailyChart(s: Service): string {
  if (s.daily.length === 0) return '';
  const floor = Math.max(0, 100 - 2 * (100 - s.target) - 0.001);
  const w = 1000 / s.daily.length;
  const bars = s.daily
    .map((d, i) => {
      const a = d.availabilityPercent;
      const h = a === null ? 0 : Math.max(1, ((Math.max(a, floor) - floor) / (100 - floor)) * 40);
      const fill = a === null ? '#bbb' : a < s.target ? '#c62828' : '#2e7d32';
      return `<rect data-day="${d.day}" data-availability="${a ?? ''}" x="${(i * w + 1).toFixed(1)}" y="${(40 - h).toFixed(1)}" width="${Math.max(1, w - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${fill}"><title>${d.day}: ${esc(pct(a))}</title></rect>`;
    })
    .join('');
  const ty = 40 - ((s.target - floor) / (100 - floor)) * 40;
  return `<svg class="daily" viewBox="0 0 1000 40" preserveAspectRatio="none" role="img" aria-label="daily availability of ${esc(s.id)}">${bars}<line x1="0" x2="1000" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="#555" stroke-dasharray="4 3"/></svg>`;
}

/** The down intervals of a service, each with the members down in it and the rule that made it downtime. */
export function downTable(s: Service): string {
  if (s.downIntervals.length === 0) return '';
  const rows = s.downIntervals
    .map(
      (i) =>
        `<tr data-down="${esc(i.start)}" data-seconds="${i.seconds}"><td>${esc(day(i.start))}</td><td>${esc(day(i.end))}</td><td class="n">${span(i.seconds)}</td>` +
        `<td>${i.membersDown.map((m) => `${esc(m.check)} (${span(m.downSeconds)})`).join(', ')}</td><td>${esc(i.rule)}</td></tr>`,
    )
    .join('');
  return `<table class="down"><tr><th>Down from</th><th>to</th><th class="n">Length</th><th>Members down</th><th>Why it is downtime</th></tr>${rows}</table>`;
}

export function qualityTable(r: Report): string {
  if (r.quality.sites.length === 0) return '<p>No VoIP quality measured in this period.</p>';
  const rows = r.quality.sites
    .map(
      (q) =>
        `<tr data-quality-site="${esc(q.site)}" data-median="${q.medianMos ?? ''}" data-p5="${q.p5Mos ?? ''}" data-below="${q.belowAcceptableShare ?? ''}">` +
        `<td>${esc(q.site)}</td><td>${q.checks.map(esc).join(', ')}</td><td class="n">${q.samples}</td><td class="n">${q.medianMos?.toFixed(1) ?? '—'}</td>` +
        `<td class="n">${q.p5Mos?.toFixed(1) ?? '—'}</td><td class="n">${q.belowAcceptableShare === null ? '—' : `${(q.belowAcceptableShare * 100).toFixed(2)} %`}</td></tr>`,
    )
    .join('');
  return `<table><tr><th>Site</th><th>Paths</th><th class="n">Samples</th><th class="n">Median MOS</th><th class="n">5th percentile</th><th class="n">Time below ${r.quality.acceptableMos}</th></tr>${rows}</table>`;
}

export function capacityTables(r: Report): string {
  const c = r.capacity;
  const disks =
    c.disks.length === 0
      ? `<p>No disk near full (${c.disksWatched} watched).</p>`
      : `<table><tr><th>Site</th><th>Agent</th><th>Mount</th><th class="n">Used</th><th class="n">Full in</th></tr>${c.disks
          .map(
            (d) =>
              `<tr data-disk="${esc(d.mount)}" data-used="${d.usedRatio}"><td>${esc(d.site)}</td><td>${esc(d.agent)}</td><td>${esc(d.mount)}</td><td class="n">${(d.usedRatio * 100).toFixed(1)} %</td>` +
              `<td class="n">${d.daysToFull === null ? '—' : `${d.daysToFull.toFixed(1)} days`}</td></tr>`,
          )
          .join('')}</table>`;
  const links =
    c.links.length === 0
      ? `<p>No link near full (${c.linksWatched} watched).</p>`
      : `<table><tr><th>Site</th><th>Agent</th><th>Interface</th><th>Direction</th><th class="n">Utilisation</th></tr>${c.links
          .map(
            (l) =>
              `<tr data-link="${esc(l.interface)}"><td>${esc(l.site)}</td><td>${esc(l.agent)}</td><td>${esc(l.interface)}</td><td>${esc(l.direction)}</td><td class="n">${(l.utilisation * 100).toFixed(1)} %</td></tr>`,
          )
          .join('')}</table>`;
  return `<p>As of ${esc(day(c.asOf))} UTC.</p>${disks}${links}`;
}

export function coverageTable(r: Report): string {
  const rows = r.services
    .flatMap((s) =>
      s.feeds.map(
        (f) =>
          `<tr data-feed="${esc(`${s.id}/${f.check}`)}" data-coverage="${f.coverage}"><td>${esc(s.id)}</td><td>${esc(f.check)}</td><td>${esc(f.agent ?? '—')}</td><td>${esc(f.site ?? '—')}</td>` +
          `<td class="n">${(f.coverage * 100).toFixed(2)} %</td><td class="n">${f.gaps}</td><td class="n">${span(f.longestGapSeconds)}</td></tr>`,
      ),
    )
    .join('');
  return `<table><tr><th>Service</th><th>Check</th><th>Agent</th><th>Site</th><th class="n">Coverage</th><th class="n">Gaps</th><th class="n">Longest gap</th></tr>${rows}</table>`;
}
