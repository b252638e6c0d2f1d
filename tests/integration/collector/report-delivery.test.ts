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
 * the signed JSON, posts the webhook; a second run sends nothing again. A failed webhook is retried
 * at the next hourly run (the mail is not sent twice); a quarterly service gets its quarter's report;
 * a client's settle delay moves the due moment.
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
/** What the webhook receiver answers next (a test sets 500 to make a delivery fail). */
let hookStatus = 200;
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
      res.statusCode = hookStatus;
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
      expect(deliverySchedule(d, [], clock.now())).toEqual({ cron: '0 * * * *', timezone: 'UTC' });
      const s = deliverySchedule(d, [(await import('../../../shared/sla/definition.js')).parseDefinition(BERLIN, 'a.yaml')], clock.now());
      expect(s).toEqual({ cron: '0 * * * *', timezone: 'Europe/Berlin' });
      expect(cron.validate(s.cron)).toBe(true);

      clock.set(Date.parse('2026-10-31T12:00:00Z')); // October not over: nothing due
      expect(await f.reports.run(d)).toEqual([]);
      clock.set(Date.parse('2026-11-01T04:00:00Z')); // 05:00 in Berlin: settled at 05:00Z, not due before 06:00 local
      expect(await f.reports.run(d)).toEqual([]);
      // the cron fires a few ms after 06:00 Berlin (CET): October ended 23:00Z and settled at 05:00Z
      clock.set(Date.parse('2026-11-01T05:00:00.007Z'));
      expect(await f.reports.run(d)).toEqual(['2026-10']);
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
      expect(await f.reports.run(d)).toEqual([]);
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
      expect(await f.reports.run(d)).toEqual(['2026-10']);
      await waitFor(() => (hooks.length === 1 && mails.length > before) || undefined, 'the resent mail and webhook', 5000);
      expect(hooks[0]).toMatchObject({ version: issued.version, sha256: body.signature.sha256 });
      expect((await f.store.reports.list('acme', '2026-10')).length).toBe(1); // nothing issued anew
      expect(await f.reports.run(d)).toEqual([]);
      expect(hooks).toHaveLength(1);
    } finally {
      await f.close();
    }
  });

  it('a failed webhook is retried at the next run with the same version, the mail is not sent again', async () => {
    const clock = new ManualClock(Date.parse('2026-11-01T05:00:00Z'));
    const f = await collectorFixture(config(), BERLIN, { clock });
    try {
      hooks.length = 0;
      const cfo = () => mails.filter((m) => m.to === 'cfo@acme.example').length;
      const mailsBefore = cfo();
      const d = f.config.reportDeliveries[0]!;
      hookStatus = 500;
      expect(await f.reports.run(d)).toEqual(['2026-10']);
      expect(hooks).toHaveLength(1);
      await waitFor(() => cfo() === mailsBefore + 1 || undefined, 'the mail', 5000);
      expect((await f.store.audit.list({ action: 'report.deliver' }))[0]!.detail).toEqual({ email: 'delivered', webhook: 'failed: HTTP 500' });
      clock.advance(3_600_000); // the next hourly run: the webhook again, not the mail
      hookStatus = 200;
      expect(await f.reports.run(d)).toEqual(['2026-10']);
      expect(hooks).toHaveLength(2);
      expect(hooks[1]).toMatchObject({ version: 1, sha256: hooks[0]!.sha256 });
      expect((await f.store.audit.list({ action: 'report.deliver' }))[0]!.detail).toEqual({ webhook: 'delivered' });
      expect(await f.reports.run(d)).toEqual([]);
      expect(cfo()).toBe(mailsBefore + 1);
      expect((await f.store.reports.list('acme', '2026-10')).length).toBe(1);
    } finally {
      hookStatus = 200;
      await f.close();
    }
  });

  it('gives up retrying 72 h after the due moment', async () => {
    const clock = new ManualClock(Date.parse('2026-11-01T05:00:00Z'));
    const hookOnly = { reports: { deliveries: [{ client: 'acme', webhook: { url: `http://127.0.0.1:${hookPort}/psa` } }] } };
    const f = await collectorFixture(hookOnly, BERLIN, { clock });
    try {
      hooks.length = 0;
      hookStatus = 503;
      const d = f.config.reportDeliveries[0]!;
      expect(await f.reports.run(d)).toEqual(['2026-10']);
      clock.set(Date.parse('2026-11-04T05:00:00Z')); // due + 72 h: the last retry
      expect(await f.reports.run(d)).toEqual(['2026-10']);
      clock.set(Date.parse('2026-11-04T06:00:00Z'));
      expect(await f.reports.run(d)).toEqual([]);
      expect(hooks).toHaveLength(2);
    } finally {
      hookStatus = 200;
      await f.close();
    }
  });

  it('each period kind of the client gets its own report; the client’s settle delay moves the due moment', async () => {
    const def =
      'client: acme\ntimezone: Europe/Berlin\nsettleDelay: 2d\nservices:\n' +
      '  - { id: network, target: 99.9, members: [fw-1], downtime: { when: { membersDown: 1 } } }\n' +
      '  - { id: voice, target: 99.5, period: calendar-quarter, members: [sw-1], downtime: { when: { membersDown: 1 } } }\n';
    const clock = new ManualClock(Date.parse('2027-01-01T05:00:00Z'));
    const hookOnly = { reports: { deliveries: [{ client: 'acme', webhook: { url: `http://127.0.0.1:${hookPort}/psa` } }] } };
    const f = await collectorFixture(hookOnly, def, { clock });
    try {
      hooks.length = 0;
      const d = f.config.reportDeliveries[0]!;
      expect(await f.reports.run(d)).toEqual([]); // 06:00 on 1 January: still settling (2 days)
      clock.set(Date.parse('2027-01-03T04:59:00Z'));
      expect(await f.reports.run(d)).toEqual([]);
      clock.set(Date.parse('2027-01-03T05:00:00Z')); // 06:00 local on the 3rd
      expect(await f.reports.run(d)).toEqual(['2026-12', '2026-Q4']);
      expect(hooks.map((h) => h.period).sort()).toEqual(['2026-12', '2026-Q4']);
      const q4 = JSON.parse((await f.store.reports.get((await f.store.reports.list('acme', '2026-Q4'))[0]!.id))!.json);
      expect(q4.services.map((s: { id: string }) => s.id)).toEqual(['voice']);
      expect(q4).toMatchObject({ status: 'final', settleDelaySeconds: 172_800 });
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
