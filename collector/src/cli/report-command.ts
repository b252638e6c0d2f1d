import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { request } from 'undici';
import { VigilError } from '../../../shared/errors.js';
import { pdfInfoString, type ReportSignature, reportInPdf, verifyReport } from '../../../shared/report/canonical.js';
import type { Report } from '../reports/model.js';
import { callApi, targetFrom } from './api-client.js';

interface Conn {
  collector?: string;
  token?: string;
  adminToken?: string;
}

/** `vigil report` — a client's contract report from a running collector, and `vigil report verify FILE`. */
export function reportCommand(): Command {
  const cmd = new Command('report')
    .description('contract SLA reports: fetch one (json, csv, html), or verify a signed JSON report')
    // `vigil report verify F --collector U`: options after the subcommand are the subcommand's
    .enablePositionalOptions()
    .option('--client <id>', 'client id')
    .option('--period <label>', 'e.g. 2026-10 (default: the current period)')
    .option('--format <format>', 'json, csv, html or pdf', 'json')
    .option('--out <file>', 'write to this file (default: stdout)')
    .option('--collector <url>', 'collector URL (env VIGIL_COLLECTOR_URL)')
    .option('--token <token>', 'a reporter, viewer or operator token, or the admin token (env VIGIL_TOKEN)')
    .option('-c, --config <file>', 'offline: read the store and slaDir of this collector.yaml (no collector running), sign with its key')
    .option('--all-clients', 'every client the token may see (offline: every client with a definition), into the --out directory')
    .action(async (o: Conn & { client?: string; period?: string; format: string; out?: string; config?: string; allClients?: boolean }) => {
      if (!o.client && !o.allClients)
        throw new VigilError(
          'QUERY_INVALID',
          'name the client: vigil report --client C [--period 2026-10] [--format json|csv|html|pdf], or --all-clients --out DIR',
        );
      if (!['json', 'csv', 'html', 'pdf'].includes(o.format))
        throw new VigilError('QUERY_INVALID', `--format must be json, csv, html or pdf, not "${o.format}"`);
      if (o.allClients && !o.out) throw new VigilError('QUERY_INVALID', '--all-clients writes one file per client: add --out DIR');
      const source = o.config ? await offlineSource(o.config) : onlineSource(o);
      try {
        if (!o.allClients) {
          const bytes = await source.report(o.client!, o.period, o.format);
          if (o.out) writeFileSync(o.out, bytes);
          else if (o.format === 'pdf') throw new VigilError('QUERY_INVALID', 'a PDF goes to a file: add --out FILE.pdf');
          else process.stdout.write(bytes.toString('utf8').endsWith('\n') ? bytes : Buffer.concat([bytes, Buffer.from('\n')]));
          return;
        }
        await allClients(source, o.out!, o.period, o.format);
      } finally {
        await source.close();
      }
    });
  cmd
    .command('verify')
    .description('check a signed JSON report: intact, and signed by the collector’s key')
    .argument('<file>', 'the report (JSON)')
    .option('--public-key <file>', 'the collector’s public key (PEM), e.g. saved from GET /api/v1/reports/public-key')
    .option('--collector <url>', 'fetch the public key from this collector instead')
    .action(async (file: string, o: { publicKey?: string; collector?: string }) => {
      const report = readReport(file);
      const key = o.publicKey
        ? readFileSync(o.publicKey, 'utf8')
        : await (await request(new URL('/api/v1/reports/public-key', targetFrom(o).collector))).body.text();
      const problems = verifyReport(report, key);
      if (problems.length > 0) throw new VigilError('BODY_INVALID', `${file}: NOT verified — ${problems.join('; ')}`);
      const sig = report.signature as { sha256: string };
      const pages = readFileSync(file).subarray(0, 5).toString('latin1') === '%PDF-' ? await pdfPagesCheck(file, report) : '';
      process.stdout.write(`${file}: verified (SHA-256 ${sig.sha256}, Ed25519 signature valid for this key)${pages}\n`);
    });
  return cmd;
}

/**
 * A PDF's visible pages against its signed JSON: this Vigil renders the JSON again (deterministic:
 * reports/pdf.ts fixes the dates) and the bytes must be the file's. A PDF made by another Vigil
 * version cannot be compared byte for byte: said so, and the JSON check alone stands.
 */
async function pdfPagesCheck(file: string, report: Record<string, unknown>): Promise<string> {
  const { reportPdf, PDF_RENDERER } = await import('../reports/pdf.js');
  const raw = readFileSync(file);
  const renderer = pdfInfoString(raw, 'VigilRenderer');
  if (renderer !== PDF_RENDERER)
    return `; its pages were made by ${renderer ?? 'an unknown renderer'}, not ${PDF_RENDERER}: only the signed JSON inside was checked`;
  const { signature, ...body } = report as Report & { signature: ReportSignature };
  const again = await reportPdf(body as Report, signature);
  if (!again.equals(raw))
    throw new VigilError('BODY_INVALID', `${file}: NOT verified — its pages are not what the signed report renders to (the PDF was changed after it was made)`);
  return '; its pages are exactly what the signed report renders to';
}

/** A JSON report, or the signed JSON a PDF report carries in its Info dictionary (reports/pdf.ts). */
function readReport(file: string): Record<string, unknown> {
  const raw = readFileSync(file);
  try {
    if (raw.subarray(0, 5).toString('latin1') === '%PDF-') {
      const inside = reportInPdf(raw);
      if (!inside) throw new Error('it carries no Vigil report (not made by Vigil, or its metadata was removed)');
      return inside;
    }
    return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new VigilError('QUERY_INVALID', `${file} is not a Vigil report: ${(e as Error).message}`);
  }
}

/** Where reports come from: a running collector, or a collector's own files (`-c collector.yaml`). */
interface ReportSource {
  clients(): Promise<string[]>;
  report(client: string, period: string | undefined, format: string): Promise<Buffer>;
  close(): Promise<void>;
}

function onlineSource(o: Conn): ReportSource {
  const t = targetFrom(o);
  const headers = t.adminToken ? { authorization: `Bearer ${t.adminToken}` } : {};
  return {
    clients: async () => ((await callApi(t, 'GET', '/api/v1/sla')) as { clients: string[] }).clients,
    report: async (client, period, format) => {
      const q = new URLSearchParams({ format, ...(period ? { period } : {}) });
      const res = await request(new URL(`/api/v1/reports/${encodeURIComponent(client)}?${q}`, t.collector), { headers }).catch((e: Error) => {
        throw new VigilError('UPSTREAM', `cannot reach the collector at ${t.collector}: ${e.message}`);
      });
      const bytes = Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode >= 400) {
        const err = (JSON.parse(bytes.toString('utf8') || '{}') as { error?: { code: string; message: string } }).error;
        throw new VigilError((err?.code ?? 'VIGIL_ERR_UPSTREAM').replace(/^VIGIL_ERR_/, '') as never, err?.message ?? `HTTP ${res.statusCode}`);
      }
      return bytes;
    },
    close: async () => {},
  };
}

/** `vigil report -c collector.yaml`: reports from the collector's own store and definitions, signed with its key, no server needed. */
async function offlineSource(configFile: string): Promise<ReportSource> {
  const [{ loadCollectorConfig }, { openStore }, { loadDefinitionsDir }, { buildReport }, { ReportSigner }, { reportCsv }, { reportHtml }, { reportPdf }] =
    await Promise.all([
      import('../config.js'),
      import('../store/open-store.js'),
      import('../../../shared/sla-files/definition-files.js'),
      import('../reports/model.js'),
      import('../reports/signing.js'),
      import('../reports/csv.js'),
      import('../reports/html.js'),
      import('../reports/pdf.js'),
    ]);
  const config = loadCollectorConfig(configFile);
  const defs = config.slaDir ? loadDefinitionsDir(config.slaDir) : [];
  const store = await openStore(config.store);
  const signer = await ReportSigner.from(store.settings, config.security.reportKey);
  return {
    clients: async () => [...new Set(defs.map((d) => d.client))].sort(),
    report: async (client, period, format) => {
      const body = await buildReport(store, defs, client, period, Date.now());
      const signature = signer.sign(body as unknown as Record<string, unknown>);
      if (format === 'pdf') return reportPdf(body, signature);
      return Buffer.from(format === 'csv' ? reportCsv(body) : format === 'html' ? reportHtml(body, signature) : `${JSON.stringify({ ...body, signature })}\n`);
    },
    close: () => store.close(),
  };
}

/**
 * Every client's report into DIR/<client>-<period>.<format>, a progress line per client on stderr.
 * A client that fails (no service fits the period …) is reported and skipped; the command then exits non-zero.
 */
async function allClients(source: ReportSource, dir: string, period: string | undefined, format: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const clients = await source.clients();
  const failed: string[] = [];
  const started = Date.now();
  for (const [i, client] of clients.entries()) {
    const at = `[${i + 1}/${clients.length}] ${client}`;
    try {
      const bytes = await source.report(client, period, format);
      const file = join(dir, `${client}-${period ?? 'current'}.${format}`);
      writeFileSync(file, bytes);
      process.stderr.write(`${at}: ${file} (${bytes.length} bytes, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    } catch (e) {
      failed.push(client);
      process.stderr.write(`${at}: FAILED ${(e as Error).message}\n`);
    }
  }
  if (failed.length > 0) throw new VigilError('QUERY_INVALID', `${failed.length} of ${clients.length} reports failed: ${failed.join(', ')}`);
  process.stderr.write(`${clients.length} reports in ${dir}\n`);
}
