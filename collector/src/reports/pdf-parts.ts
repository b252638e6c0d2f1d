import type { Report } from './model.js';

/** What the parts need from the document being drawn (pdf.ts). */
export interface PdfPage {
  doc: PDFKit.PDFDocument;
  left: number;
  width: number;
  row: (cells: string[], fractions: number[], bold?: boolean) => void;
  heading: (text: string) => void;
}

export function span(seconds: number | null): string {
  if (seconds === null) return '-';
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
export const when = (iso: string | null | undefined) => (iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : '-');
type Service = Report['services'][number];

/** Daily availability bars under a service row (red below target), as in the HTML. */
export function dailyBars(p: PdfPage, s: Service): void {
  if (s.daily.length === 0) return;
  const { doc, left, width } = p;
  const floor = Math.max(0, 100 - 2 * (100 - s.target) - 0.001);
  const y = doc.y;
  const w = width / s.daily.length;
  s.daily.forEach((d, i) => {
    const a = d.availabilityPercent;
    const h = a === null ? 0 : Math.max(0.5, ((Math.max(a, floor) - floor) / (100 - floor)) * 16);
    doc.rect(left + i * w + 0.5, y + 16 - h, Math.max(0.5, w - 1), h).fill(a === null ? '#bbbbbb' : a < s.target ? '#c62828' : '#2e7d32');
  });
  doc.fillColor('black');
  doc.y = y + 20;
}

/** The service's down intervals with the members down and the rule, as a small table. */
export function downRows(p: PdfPage, s: Service): void {
  if (s.downIntervals.length === 0) return;
  const f = [0.17, 0.17, 0.1, 0.26, 0.3];
  p.row(['Down from', 'to', 'Length', 'Members down', 'Why it is downtime'], f, true);
  for (const i of s.downIntervals)
    p.row([when(i.start), when(i.end), span(i.seconds), i.membersDown.map((m) => `${m.check} (${span(m.downSeconds)})`).join(', '), i.rule], f);
}

export function qualityRows(p: PdfPage, r: Report): void {
  p.heading('VoIP quality');
  if (r.quality.sites.length === 0) {
    p.row(['No VoIP quality measured in this period.'], [1]);
    return;
  }
  const f = [0.18, 0.3, 0.1, 0.14, 0.14, 0.14];
  p.row(['Site', 'Paths', 'Samples', 'Median MOS', '5th percentile', `Time below ${r.quality.acceptableMos}`], f, true);
  for (const q of r.quality.sites)
    p.row(
      [
        q.site,
        q.checks.join(', '),
        String(q.samples),
        q.medianMos?.toFixed(1) ?? '-',
        q.p5Mos?.toFixed(1) ?? '-',
        q.belowAcceptableShare === null ? '-' : `${(q.belowAcceptableShare * 100).toFixed(2)} %`,
      ],
      f,
    );
}

export function capacityRows(p: PdfPage, r: Report): void {
  const c = r.capacity;
  p.heading(`Capacity (as of ${when(c.asOf)})`);
  if (c.disks.length === 0) p.row([`No disk near full (${c.disksWatched} watched).`], [1]);
  else {
    const f = [0.2, 0.3, 0.2, 0.15, 0.15];
    p.row(['Site', 'Agent', 'Mount', 'Used', 'Full in'], f, true);
    for (const d of c.disks)
      p.row([d.site, d.agent, d.mount, `${(d.usedRatio * 100).toFixed(1)} %`, d.daysToFull === null ? '-' : `${d.daysToFull.toFixed(1)} days`], f);
  }
  if (c.links.length === 0) p.row([`No link near full (${c.linksWatched} watched).`], [1]);
  else {
    const f = [0.2, 0.3, 0.2, 0.15, 0.15];
    p.row(['Site', 'Agent', 'Interface', 'Direction', 'Utilisation'], f, true);
    for (const l of c.links) p.row([l.site, l.agent, l.interface, l.direction, `${(l.utilisation * 100).toFixed(1)} %`], f);
  }
}

export function coverageRows(p: PdfPage, r: Report): void {
  p.heading('Coverage: what fed these figures');
  const f = [0.15, 0.17, 0.22, 0.12, 0.12, 0.08, 0.14];
  p.row(['Service', 'Check', 'Agent', 'Site', 'Coverage', 'Gaps', 'Longest gap'], f, true);
  for (const s of r.services)
    for (const m of s.feeds)
      p.row([s.id, m.check, m.agent ?? '-', m.site ?? '-', `${(m.coverage * 100).toFixed(2)} %`, String(m.gaps), span(m.longestGapSeconds)], f);
}
