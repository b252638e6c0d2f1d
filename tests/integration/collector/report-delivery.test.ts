import { createServer, type Server } from 'node:http';
import cron from 'node-cron';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import { reportInPdf, verifyReport } from '../../../shared/report/canonical.js';
import { parseCollectorConfig } from '../../../collector/src/config.js';
import { deliverySchedule } from '../../../collector/src/reports/delivery.js';
import { freePort, waitFor } from '../../helpers/net.js';
import { AS_ADMIN, collectorFixture } from '../../unit/collector/fixture.js';

/**
 * Scheduled reports, delivered for real: an SMTP server (smtp-server) and a webhook receiver on
 * loopback. The run at 06:00 Berlin on 1 November issues October into the archive, mails the PDF and
 * the signed JSON, posts the webhook; a second run sends nothing again.
 */
const BERLIN =
  'client: acme\ntimezone: Europe/Berlin\nservices:\n  - { id: network, target: 99.9, members: [fw-1, sw-1], downtime: { when: { membersDown: 1 } } }\n';
const mails: Array<{ to: string; raw: Buffer }> = [];

/** A MIME message's subject and its attachments (base64 parts by file name), as nodemailer writes them. */
function parseMail(raw: Buffer): { subject: string; attachments: Map<string, Buffer> } {
  const text = raw.toString('latin1');
  const subject = /^Subject: (.*)$/m.exec(text)?.[1]?.trim() ?? '';
  const attachments = new Map<string, Buffer>();
  for (const part of text.split(/\r?\n--[^\r\n]+\r?\n/)) {
    const name = /filename="?([^";\r\n]+)"?/.exec(part)?.[1];
    if (!name || !/Content-Transfer-Encoding: base64/i.test(part)) continue;
    const body = part
      .split(/\r?\n\r?\n/)
      .slice(1)
      .join('')
      .replace(/--[^\r\n]*--\s*$/, '');
    attachments.set(name, Buffer.from(body.replace(/\s+/g, ''), 'base64'));
  }
  return { subject, attachments };
}
const hooks: Array<Record<string, unknown>> = [];
let smtp: SMTPServer;
let hook: Server;
let smtpPort: number;
let hookPort: number;
beforeAll(async () => {
  [smtpPort, hookPort] = [await freePort(), await freePort()];
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), raw: Buffer.concat(chunks) });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', () => r()));
  hook = createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      hooks.push(JSON.parse(b));
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(hookPort, '127.0.0.1', () => r()));
});
afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  hook.close();
});

const config = () => ({
  notifications: { channels: [{ type: 'email', name: 'mail', host: '127.0.0.1', port: smtpPort, from: 'vigil@msp.example', to: ['noc@msp.example'] }] },
  reports: { deliveries: [{ client: 'acme', email: { channel: 'mail', to: ['cfo@acme.example'] }, webhook: { url: `http://127.0.0.1:${hookPort}/psa` } }] },
});

describe('scheduled reports', () => {
  it('at 06:00 on the 1st in the client’s zone: October issued once into the archive, mailed with PDF and signed JSON, posted to the webhook', async () => {
    const clock = new ManualClock(Date.parse('2026-10-05T10:00:00Z'));
    const f = await collectorFixture(config(), BERLIN, { clock });
    try {
      const a = await f.enroll('site-a');
      for (let i = 0; i < 12; i++) {
        clock.advance(10_000);
        await f.ingest(a, [
          { check: 'fw-1', status: i >= 4 && i < 8 ? 'down' : 'up' },
          { check: 'sw-1', status: 'up' },
        ]);
      }
      await f.engine.idle();
      const d = f.config.reportDeliveries[0]!;
      expect(deliverySchedule(d, [], clock.now())).toEqual({ cron: '0 6 1 * *', timezone: 'UTC' });
      const s = deliverySchedule(d, [(await import('../../../shared/sla/definition.js')).parseDefinition(BERLIN, 'a.yaml')], clock.now());
      expect(s).toEqual({ cron: '0 6 1 * *', timezone: 'Europe/Berlin' });
      expect(cron.validate(s.cron)).toBe(true);

      clock.set(Date.parse('2026-10-31T12:00:00Z')); // October not over: nothing due
      expect(await f.reports.run(d)).toBeUndefined();
      clock.set(Date.parse('2026-11-01T05:00:00Z')); // 06:00 in Berlin (CET): October ended 23:00Z, settled 05:00Z
      expect(await f.reports.run(d)).toBe('2026-10');
      // (the incident's own notification goes to the channel's noc@ address; the report to the delivery's)
      const reportMails = () => mails.filter((m) => m.to === 'cfo@acme.example');
      await waitFor(() => (reportMails().length === 1 && hooks.length === 1) || undefined, 'the mail and the webhook', 5000);
      const mail = parseMail(reportMails()[0]!.raw);
      expect(mail.subject).toBe('Service level report acme 2026-10');
      const pdf = mail.attachments.get('vigil-report-acme-2026-10.pdf')!;
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const json = JSON.parse(mail.attachments.get('vigil-report-acme-2026-10.json')!.toString('utf8'));
      const key = (await f.app.inject({ url: '/api/v1/reports/public-key' })).body;
      expect(verifyReport(json, key)).toEqual([]);
      expect(verifyReport(reportInPdf(pdf)!, key)).toEqual([]);
      expect(json).toMatchObject({ client: 'acme', status: 'final', period: { label: '2026-10', timezone: 'Europe/Berlin' } });
      expect(hooks[0]).toMatchObject({ event: 'report.issued', client: 'acme', period: '2026-10', version: 1, status: 'final', sha256: json.signature.sha256 });
      expect((await f.app.inject({ url: String(hooks[0]!.url) })).statusCode).toBe(200); // the signed link opens the HTML
      const archived = (await f.app.inject({ url: '/api/v1/reports/acme/archive', headers: AS_ADMIN })).json().reports;
      expect(archived).toMatchObject([{ period: '2026-10', version: 1, issuedBy: 'schedule', sha256: json.signature.sha256 }]);

      clock.advance(3_600_000); // a restart or a second run: nothing again
      expect(await f.reports.run(d)).toBeUndefined();
      expect(reportMails()).toHaveLength(1);
      expect(hooks).toHaveLength(1);
      expect((await f.store.audit.list({ action: 'report.deliver' }))[0]!.detail).toEqual({ email: 'delivered', webhook: 'delivered' });
    } finally {
      await f.close();
    }
  });

  it('a run killed after issuing and before sending: the next run sends that version, as issued, once', async () => {
    const clock = new ManualClock(Date.parse('2026-11-01T05:00:00Z'));
    const f = await collectorFixture(config(), BERLIN, { clock });
    try {
      hooks.length = 0;
      const before = mails.length;
      // what the killed run left: the signed report in the archive, no delivery recorded
      const body = JSON.parse((await f.app.inject({ url: '/api/v1/reports/acme?period=2026-10', headers: AS_ADMIN })).body);
      const issued = await f.store.reports.add({
        client: 'acme',
        period: '2026-10',
        issuedAt: clock.now(),
        issuedBy: 'schedule',
        reason: null,
        status: 'final',
        sha256: body.signature.sha256,
        json: JSON.stringify(body),
      });
      const d = f.config.reportDeliveries[0]!;
      expect(await f.reports.run(d)).toBe('2026-10');
      await waitFor(() => (hooks.length === 1 && mails.length > before) || undefined, 'the resent mail and webhook', 5000);
      expect(hooks[0]).toMatchObject({ version: issued.version, sha256: body.signature.sha256 });
      expect((await f.store.reports.list('acme', '2026-10')).length).toBe(1); // nothing issued anew
      expect(await f.reports.run(d)).toBeUndefined();
      expect(hooks).toHaveLength(1);
    } finally {
      await f.close();
    }
  });

  it('refuses a delivery whose email names no email channel', () => {
    const bad = { ...config(), notifications: { channels: [] } };
    expect(() => parseCollectorConfig({ dataDir: '/tmp/x', ...bad }, 'collector.yaml')).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ path: '/reports/deliveries/0/email/channel' })] }),
    );
  });
});
