import PDFDocument from 'pdfkit';
import type { ReportSignature } from '../../../shared/report/canonical.js';
import { VERSION } from '../../../shared/version.js';
import type { Report } from './model.js';
import { capacityRows, coverageRows, dailyBars, downRows, type PdfPage, qualityRows, span, when } from './pdf-parts.js';

/** The PDF Info key that carries the signed canonical JSON (base64), for `vigil report verify FILE.pdf`. */
export const PDF_REPORT_KEY = 'VigilReport';
/** The Info key naming the renderer: the pages are a pure function of the signed JSON for one renderer version. */
export const PDF_RENDERER_KEY = 'VigilRenderer';
export const PDF_RENDERER = `vigil ${VERSION} pdf/1`;

const pct = (v: number | null) => (v === null ? 'no data' : `${v.toFixed(3)} %`);
const mark = (v: boolean | null) => (v === null ? '-' : v ? 'met' : 'MISSED');

/**
 * The report as a PDF, made in-process with pdfkit from the canonical JSON only (no browser):
 * A4, the same sections as the HTML, a down-interval bar per service. The signed JSON rides in the
 * document's Info dictionary, so the PDF itself can be verified.
 */
export function reportPdf(r: Report, signature: ReportSignature): Promise<Buffer> {
  const signed = Buffer.from(JSON.stringify({ ...r, signature })).toString('base64');
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    info: {
      Title: `SLA report ${r.client} ${r.period.label}`,
      Author: 'Vigil',
      Subject: `${r.status} report, ${r.definition.version}`,
      // fixed dates (the report's own) make the bytes, the file ID included, a pure function of the signed JSON:
      // `vigil report verify F.pdf` renders them again and compares, so the visible pages are covered too
      CreationDate: new Date(r.generatedAt),
      ModDate: new Date(r.generatedAt),
      [PDF_REPORT_KEY]: signed,
      [PDF_RENDERER_KEY]: PDF_RENDERER,
    } as PDFKit.DocumentInfo,
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;

  /** A row of cells at fixed fractions of the width; returns the row's height. */
  const row = (cells: string[], fractions: number[], bold = false) => {
    const y = doc.y;
    let x = left;
    let h = 0;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    cells.forEach((c, i) => {
      const w = width * fractions[i]!;
      doc.text(c, x + 2, y, { width: w - 4 });
      h = Math.max(h, doc.y - y);
      x += w;
    });
    doc.y = y + h + 3;
    doc
      .moveTo(left, doc.y - 1)
      .lineTo(left + width, doc.y - 1)
      .lineWidth(0.3)
      .strokeColor('#cccccc')
      .stroke();
    if (doc.y > doc.page.height - doc.page.margins.bottom - 40) doc.addPage();
  };
  const heading = (t: string) => {
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).fillColor('#17324d').text(t, left, doc.y).fillColor('black').moveDown(0.3);
  };

  const page: PdfPage = { doc, left, width, row, heading };
  doc.font('Helvetica-Bold').fontSize(16).text(`Service level report - ${r.client}, ${r.period.label}`);
  doc.moveDown(0.3).font('Helvetica').fontSize(9.5);
  doc.text(
    `Period ${when(r.period.start)} to ${when(r.period.end)} (${r.period.timezone}). Contract version ${r.definition.version}, effective ${when(r.definition.effectiveFrom)}.`,
  );
  doc.text(`Generated ${when(r.generatedAt)}. ${r.status === 'final' ? 'Final.' : `Provisional: ${(r.provisionalReasons ?? []).join('; ')}.`}`);

  heading('Availability');
  const sf = [0.16, 0.1, 0.13, 0.11, 0.12, 0.1, 0.18, 0.1];
  row(['Service', 'Target', 'Availability', 'Downtime', 'Maintenance', 'Excluded', 'Unknown (coverage)', 'Credit'], sf, true);
  const start = Date.parse(r.period.start);
  const len = Date.parse(r.period.end) - start;
  for (const s of r.services) {
    row(
      [
        s.id,
        `${s.target.toFixed(3)} %`,
        pct(s.noData ? null : s.availabilityPercent),
        span(s.downtimeSeconds),
        span(s.maintenanceSeconds),
        span(s.excludedSeconds),
        `${span(s.unknownSeconds)} (${(s.coverage * 100).toFixed(1)} %)`,
        `${s.creditPercent} %${s.creditCapped ? ' (capped)' : ''}`,
      ],
      sf,
    );
    const y = doc.y;
    doc.rect(left, y, width, 6).fill('#2e7d32');
    for (const i of s.downIntervals)
      doc
        .rect(left + ((Date.parse(i.start) - start) / len) * width, y, Math.max(1, ((Date.parse(i.end) - Date.parse(i.start)) / len) * width), 6)
        .fill('#c62828');
    doc.fillColor('black');
    doc.y = y + 10;
    dailyBars(page, s);
    downRows(page, s);
    for (const e of s.exclusions)
      doc
        .font('Helvetica')
        .fontSize(8)
        .text(`excluded ${when(e.start)} - ${when(e.end)}: ${e.reason} (${e.addedBy})`, left + 4);
  }

  heading('Incidents');
  const inf = [0.06, 0.14, 0.08, 0.16, 0.16, 0.1, 0.1, 0.1, 0.1];
  row(['#', 'Service', 'Priority', 'Started', 'Resolved', 'Detect', 'Notify', 'Acknowledge', 'Resolve'], inf, true);
  if (r.incidents.length === 0) row(['No incidents in this period.'], [1]);
  for (const i of r.incidents)
    row(
      [
        `${i.id}`,
        i.service,
        i.priority,
        when(i.started),
        when(i.resolved),
        span(i.timeToDetectSeconds),
        `${span(i.timeToNotifySeconds)} ${mark(i.within.notify)}`,
        `${span(i.timeToAcknowledgeSeconds)} ${mark(i.within.response)}`,
        `${span(i.timeToResolveSeconds)} ${mark(i.within.resolution)}`,
      ],
      inf,
    );

  heading('Adherence to incident targets');
  const ad = (m: 'notify' | 'response' | 'resolution') => {
    const a = r.adherence[m];
    return `${a.percent === null ? '-' : `${a.percent.toFixed(1)} %`} (${a.within}/${a.total})`;
  };
  row(['Notification', 'Response', 'Resolution'], [1 / 3, 1 / 3, 1 / 3], true);
  row([ad('notify'), ad('response'), ad('resolution')], [1 / 3, 1 / 3, 1 / 3]);
  qualityRows(page, r);
  capacityRows(page, r);
  coverageRows(page, r);

  doc.moveDown(1.5).font('Helvetica').fontSize(7).fillColor('#666666');
  doc.text(`SHA-256 ${signature.sha256}`, left);
  doc.text(`Ed25519 signature ${signature.value}`, left, doc.y, { width });
  doc.text('Check it: vigil report verify THIS.pdf --collector URL', left);
  doc.end();
  return done;
}
