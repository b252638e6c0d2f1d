import nodemailer from 'nodemailer';
import type { Clock } from '../../../shared/clock.js';
import type { ReportSignature } from '../../../shared/report/canonical.js';
import type { Logger } from '../../../shared/logger.js';
import { selectDefinition } from '../../../shared/sla/definition.js';
import type { SlaDefinition } from '../../../shared/sla/types.js';
import type { EmailChannelConfig } from '../notify/channel-config.js';
import type { Store } from '../store/types.js';
import type { ReportDeliveryConfig } from './delivery-config.js';
import type { ReportLinks } from './links.js';
import { dueReports, RETRY_FOR_MS } from './delivery-due.js';
import { buildReport, type Report } from './model.js';
import { reportPdf } from './pdf.js';
import type { ReportSigner } from './signing.js';

export interface DeliveryDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  definitions: () => readonly SlaDefinition[];
  signer: ReportSigner;
  links: ReportLinks;
  channels: readonly { name: string; type: string }[];
  publicUrl: string | undefined;
}

/**
 * The node-cron expression and zone of a delivery: every hour at the minute of `at` (default 06:00) in
 * the client's zone. Each run works out what is due (delivery-due.ts, from the definition in force
 * then), so the hour of `at`, the settle delay and the zone are re-read at every run, and a failed
 * email or webhook is retried at the next hourly run.
 */
export function deliverySchedule(d: ReportDeliveryConfig, defs: readonly SlaDefinition[], now: number): { cron: string; timezone: string } {
  const m = Number((d.at ?? '06:00').split(':')[1]);
  return { cron: `${m} * * * *`, timezone: selectDefinition(defs, d.client, now)?.timezone ?? 'UTC' };
}

/**
 * Scheduled reports: for a delivery, each report of its client that is due (the last ended period of
 * each period kind, once settled: delivery-due.ts) is issued into the archive (issuedBy `schedule`)
 * unless the schedule issued it already, then sent by email (the PDF and the signed JSON attached,
 * with the SMTP settings of a configured email channel) and to a webhook (its version, hash and a
 * signed 30-day link to its HTML), and each attempt is audited with the outcome per channel. A channel
 * whose delivery of that version is audited as delivered is never sent again (a restart or a second run
 * sends nothing twice); a failed one is retried at every run for RETRY_FOR_MS after the due moment; a
 * version issued by a run killed before its audit entry is sent by the next run, as issued: at least once.
 */
export class ReportDelivery {
  constructor(private readonly deps: DeliveryDeps) {}

  /** Issues and sends what is due for this delivery now; returns the period labels it sent something for. */
  async run(d: ReportDeliveryConfig): Promise<string[]> {
    const now = this.deps.clock.now();
    const def = selectDefinition(this.deps.definitions(), d.client, now);
    if (!def) {
      this.deps.logger.warn({ client: d.client }, 'report delivery: no SLA definition for this client');
      return [];
    }
    const sent: string[] = [];
    for (const due of dueReports(def, d.at, now)) {
      if (now > due.due + RETRY_FOR_MS) continue; // retried long enough: the failures were logged and audited
      if (await this.deliver(d, due.label, now, due.due + RETRY_FOR_MS)) sent.push(due.label);
    }
    return sent;
  }

  private async deliver(d: ReportDeliveryConfig, label: string, now: number, retryUntil: number): Promise<boolean> {
    const { store, logger } = this.deps;
    const earlier = (await store.reports.list(d.client, label)).find((r) => r.issuedBy === 'schedule');
    const done = earlier ? await this.deliveredChannels(d.client, `${d.client}/${earlier.period}#${earlier.version}`) : new Set<string>();
    const missing = (['email', 'webhook'] as const).filter((c) => d[c] !== undefined && !done.has(c));
    if (missing.length === 0) return false;
    let row: { version: number };
    let body: Report;
    let signature: ReportSignature;
    let json: string;
    if (earlier) {
      // issued earlier (a failed channel, or the collector died before sending): send what was issued, same version and bytes
      json = (await store.reports.get(earlier.id))!.json;
      ({ signature, ...body } = JSON.parse(json) as Report & { signature: ReportSignature });
      row = earlier;
    } else {
      body = await buildReport(store, this.deps.definitions(), d.client, label, now);
      signature = this.deps.signer.sign(body as unknown as Record<string, unknown>);
      json = JSON.stringify({ ...body, signature });
      row = await store.reports.add({
        client: d.client,
        period: body.period.label,
        issuedAt: now,
        issuedBy: 'schedule',
        reason: null,
        status: body.status,
        sha256: signature.sha256,
        json,
      });
    }
    const outcome: Record<string, string> = {};
    if (missing.includes('email'))
      outcome.email = await this.email(d, body.period.label, json, await reportPdf(body, signature)).catch((e: Error) => `failed: ${e.message}`);
    if (missing.includes('webhook')) outcome.webhook = await this.webhook(d, body, row.version, signature, now);
    await store.audit.append({
      ts: now,
      principal: 'schedule',
      role: 'schedule',
      action: 'report.deliver',
      target: `${d.client}/${body.period.label}#${row.version}`,
      client: d.client,
      source: 'collector',
      detail: outcome,
    });
    const failed = Object.values(outcome).some((o) => o.startsWith('failed'));
    if (failed)
      logger.warn(
        { client: d.client, period: body.period.label, ...outcome, retryUntil: new Date(retryUntil).toISOString() },
        'scheduled report: a delivery failed; retried at the next run',
      );
    else logger.info({ client: d.client, period: body.period.label, ...outcome }, 'scheduled report delivered');
    return true;
  }

  /** The channels whose delivery of this archived version an audit entry records as delivered (written after sending). */
  private async deliveredChannels(client: string, target: string): Promise<Set<string>> {
    const entries = await this.deps.store.audit.list({ action: 'report.deliver', clients: [client], limit: 10_000 });
    const out = new Set<string>();
    for (const e of entries) {
      if (e.target !== target) continue;
      for (const [channel, result] of Object.entries((e.detail ?? {}) as Record<string, unknown>)) if (result === 'delivered') out.add(channel);
    }
    return out;
  }

  private async webhook(d: ReportDeliveryConfig, body: Report, version: number, signature: ReportSignature, now: number): Promise<string> {
    const path = this.deps.links.path(d.client, body.period.label, now + 30 * 86_400_000);
    const url = this.deps.publicUrl ? new URL(path, this.deps.publicUrl).toString() : path;
    const payload = { event: 'report.issued', client: d.client, period: body.period.label, version, status: body.status, sha256: signature.sha256, url };
    return fetch(d.webhook!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    })
      .then((r) => (r.ok ? 'delivered' : `failed: HTTP ${r.status}`))
      .catch((e: Error) => `failed: ${e.message}`);
  }

  private async email(d: ReportDeliveryConfig, label: string, json: string, pdf: Buffer): Promise<string> {
    const ch = this.deps.channels.find((c) => c.name === d.email!.channel && c.type === 'email') as EmailChannelConfig | undefined;
    if (!ch) return `failed: no email channel "${d.email!.channel}" in notifications.channels`;
    const t = nodemailer.createTransport({
      host: ch.host,
      ...(ch.port !== undefined ? { port: ch.port } : {}),
      secure: ch.secure ?? false,
      requireTLS: ch.requireTLS ?? false,
      ...(ch.auth ? { auth: { user: ch.auth.user, pass: ch.auth.pass } } : {}),
      tls: { rejectUnauthorized: ch.tlsRejectUnauthorized ?? true },
      connectionTimeout: 15_000,
      socketTimeout: 30_000,
    });
    const name = `vigil-report-${d.client}-${label}`;
    await t.sendMail({
      from: ch.from,
      to: d.email!.to,
      subject: `Service level report ${d.client} ${label}`,
      text: `The service level report of ${d.client} for ${label} is attached (PDF, and the signed JSON: check it with \`vigil report verify ${name}.json\`).`,
      attachments: [
        { filename: `${name}.pdf`, content: pdf, contentType: 'application/pdf' },
        { filename: `${name}.json`, content: json, contentType: 'application/json' },
      ],
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
    t.close();
    return 'delivered';
  }
}
