import nodemailer from 'nodemailer';
import type { Clock } from '../../../shared/clock.js';
import type { ReportSignature } from '../../../shared/report/canonical.js';
import type { Logger } from '../../../shared/logger.js';
import { selectDefinition } from '../../../shared/sla/definition.js';
import { resolvePeriod } from '../../../shared/sla/period.js';
import type { SlaDefinition } from '../../../shared/sla/types.js';
import type { EmailChannelConfig } from '../notify/channel-config.js';
import type { Store } from '../store/types.js';
import type { ReportDeliveryConfig } from './delivery-config.js';
import type { ReportLinks } from './links.js';
import { buildReport, type Report, SETTLE_MS } from './model.js';
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

/** The node-cron expression and zone of a delivery: `at` (default 06:00) on the 1st of each month, the client's zone. */
export function deliverySchedule(d: ReportDeliveryConfig, defs: readonly SlaDefinition[], now: number): { cron: string; timezone: string } {
  const [h, m] = (d.at ?? '06:00').split(':').map(Number);
  return { cron: `${m} ${h} 1 * *`, timezone: selectDefinition(defs, d.client, now)?.timezone ?? 'UTC' };
}

/**
 * Scheduled reports: for a delivery, the last period of its client that has ended and settled is
 * issued into the archive (issuedBy `schedule`) unless the schedule issued it already, then sent by email (the PDF and the signed JSON
 * attached, with the SMTP settings of a configured email channel) and to a webhook (its version,
 * hash and a signed 30-day link to its HTML), and the run is audited. A version whose run is audited is
 * never sent again (a restart or a second run sends nothing twice); one issued by a run killed before its
 * audit entry is sent by the next run, as issued: at least once. A failed email or webhook is logged and
 * audited, not retried.
 */
export class ReportDelivery {
  constructor(private readonly deps: DeliveryDeps) {}

  /** Issues and sends what is due for this delivery now; returns the period label sent, or undefined. */
  async run(d: ReportDeliveryConfig): Promise<string | undefined> {
    const { store, clock, logger } = this.deps;
    const now = clock.now();
    const def = selectDefinition(this.deps.definitions(), d.client, now);
    if (!def) return void logger.warn({ client: d.client }, 'report delivery: no SLA definition for this client');
    const period = resolvePeriod(def.services[0]?.period ?? 'calendar-month', { asOf: now - SETTLE_MS - 1 }, def.timezone);
    if (period.end + SETTLE_MS > now) return undefined; // still open or settling: the next run sends it
    const earlier = (await store.reports.list(d.client, period.label)).find((r) => r.issuedBy === 'schedule');
    if (earlier && (await this.delivered(d.client, `${d.client}/${earlier.period}#${earlier.version}`))) return undefined;
    let row: { version: number };
    let body: Report;
    let signature: ReportSignature;
    let json: string;
    if (earlier) {
      // issued, then the collector died before it was sent: send what was issued (same version and bytes)
      json = (await store.reports.get(earlier.id))!.json;
      ({ signature, ...body } = JSON.parse(json) as Report & { signature: ReportSignature });
      row = earlier;
    } else {
      body = await buildReport(store, this.deps.definitions(), d.client, period.label, now);
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
    if (d.email) outcome.email = await this.email(d, body.period.label, json, await reportPdf(body, signature)).catch((e: Error) => `failed: ${e.message}`);
    if (d.webhook) {
      const path = this.deps.links.path(d.client, body.period.label, now + 30 * 86_400_000);
      const url = this.deps.publicUrl ? new URL(path, this.deps.publicUrl).toString() : path;
      const payload = {
        event: 'report.issued',
        client: d.client,
        period: body.period.label,
        version: row.version,
        status: body.status,
        sha256: signature.sha256,
        url,
      };
      outcome.webhook = await fetch(d.webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(10_000),
      })
        .then((r) => (r.ok ? 'delivered' : `failed: HTTP ${r.status}`))
        .catch((e: Error) => `failed: ${e.message}`);
    }
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
    (Object.values(outcome).some((o) => o.startsWith('failed')) ? logger.warn : logger.info).call(
      logger,
      { client: d.client, period: body.period.label, ...outcome },
      'scheduled report issued',
    );
    return body.period.label;
  }

  /** Whether a run already recorded the delivery of this archived version (the audit entry is written after sending). */
  private async delivered(client: string, target: string): Promise<boolean> {
    return (await this.deps.store.audit.list({ action: 'report.deliver', clients: [client], limit: 10_000 })).some((e) => e.target === target);
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
