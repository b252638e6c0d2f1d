import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Channel, DeliveryResult, NotificationMessage } from './channel.js';
import type { EmailChannelConfig } from './channel-config.js';
import { ackLink, escapeHtml, eventLabel, messageFacts, toneStyle } from './format.js';
import { channelOptions, deadline, errorText, type ChannelOptions } from './http-post.js';

/**
 * E-mail over SMTP (nodemailer). The transporter is made once per channel; it is not
 * pooled, because notifications are rare and an idle pooled connection would only be
 * closed by the server. SMTP 5xx (and bad credentials or envelope) are permanent; 4xx,
 * network errors and timeouts retryable.
 *
 * nodemailer cannot cancel one message, so on abort or timeout we stop waiting; its own
 * socket timeouts (a second later) end the connection. Should that message still go out,
 * the Message-ID — the same for every attempt of one delivery — lets mail systems and
 * readers recognise the retry as a duplicate.
 */
export function emailChannel(cfg: EmailChannelConfig, opts?: Partial<ChannelOptions>): Channel {
  const o = channelOptions(cfg.timeout, opts);
  const transportOptions: SMTPTransport.Options = {
    host: cfg.host,
    ...(cfg.port !== undefined ? { port: cfg.port } : {}), // nodemailer: 465 when secure, else 587
    secure: cfg.secure ?? false,
    requireTLS: cfg.requireTLS ?? false,
    ...(cfg.auth ? { auth: { user: cfg.auth.user, pass: cfg.auth.pass } } : {}),
    // A backstop that closes the socket after we stopped waiting: our own deadline decides.
    connectionTimeout: o.timeoutMs + 1000,
    greetingTimeout: o.timeoutMs + 1000,
    socketTimeout: o.timeoutMs + 1000,
    dnsTimeout: o.timeoutMs + 1000,
    tls: { rejectUnauthorized: cfg.tlsRejectUnauthorized ?? true },
  };
  const transporter = nodemailer.createTransport(transportOptions);
  const domain = /@([^\s>]+)>?\s*$/.exec(cfg.from)?.[1] ?? 'vigil.invalid';
  return {
    name: cfg.name,
    type: 'email',
    async send(msg: NotificationMessage, deliveryId: string, signal: AbortSignal): Promise<DeliveryResult> {
      const id = deliveryId.replace(/[\r\n]+/g, ' ');
      const mail = {
        from: cfg.from,
        to: cfg.to,
        subject: msg.title.replace(/\s+/g, ' ').trim(),
        text: emailText(msg),
        html: emailHtml(msg),
        messageId: `<vigil.${createHash('sha256').update(deliveryId).digest('hex').slice(0, 32)}@${domain}>`,
        // Threads every message of one incident together in clients that follow References.
        references: `<vigil.incident.${msg.incident.id}@${domain}>`,
        headers: { 'X-Vigil-Delivery': id, 'X-Vigil-Event': msg.event, 'Auto-Submitted': 'auto-generated' },
      };
      const d = deadline(signal, o.timeoutMs);
      const sent = transporter.sendMail(mail);
      const stopped = new Promise<never>((_, reject) => {
        if (d.signal.aborted) reject(d.signal.reason);
        d.signal.addEventListener('abort', () => reject(d.signal.reason), { once: true });
      });
      // Whichever loses the race settles later with nobody listening.
      sent.catch(() => undefined);
      stopped.catch(() => undefined);
      try {
        const info = await Promise.race([sent, stopped]);
        const rejected = info.rejected.map(String);
        // Some recipients got it: resending would duplicate it for them, so this counts as delivered.
        return {
          ok: true,
          ...replyCode(info.response),
          ...(rejected.length > 0 ? { error: `accepted for ${info.accepted.length}, rejected: ${rejected.join(', ')}` } : {}),
        };
      } catch (e) {
        if (d.timedOut()) return { ok: false, error: `timeout after ${o.timeoutMs} ms` };
        if (signal.aborted) return { ok: false, error: `aborted: ${errorText(signal.reason)}` };
        return smtpFailure(e as SMTPConnection.SMTPError);
      } finally {
        d.clear();
      }
    },
  };
}

/** A reply code decides when there is one; otherwise only our own config can be at fault. */
export function smtpFailure(e: SMTPConnection.SMTPError): DeliveryResult {
  const text = `${e.command ? `${e.command}: ` : ''}${(e.response ?? e.message).trim()}`;
  const code = e.responseCode;
  if (code !== undefined) return { ok: false, status: code, error: text, ...(code >= 500 ? { permanent: true } : {}) };
  const configProblem = e.code === 'EAUTH' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE';
  return { ok: false, error: `${text}${e.code && !text.includes(e.code) ? ` [${e.code}]` : ''}`, ...(configProblem ? { permanent: true } : {}) };
}

function replyCode(response: string | undefined): { status?: number } {
  const m = /^(\d{3})/.exec(response ?? '');
  return m ? { status: Number(m[1]) } : {};
}

export function emailText(msg: NotificationMessage): string {
  const ack = ackLink(msg);
  return [
    msg.text.trimEnd(),
    '',
    ...messageFacts(msg).map((f) => `${f.label}: ${f.value}`),
    '',
    ...(ack ? [`Acknowledge: ${ack}`] : []),
    ...(msg.incidentUrl ? [`Incident: ${msg.incidentUrl}`] : []),
    '-- ',
    `Vigil · ${eventLabel(msg)}`,
  ].join('\n');
}

export function emailHtml(msg: NotificationMessage): string {
  const { colour } = toneStyle(msg);
  const ack = ackLink(msg);
  const rows = messageFacts(msg)
    .map((f) => `<tr><td style="padding:2px 12px 2px 0;color:#555">${escapeHtml(f.label)}</td><td style="padding:2px 0">${escapeHtml(f.value)}</td></tr>`)
    .join('');
  const links = [
    ack
      ? `<a href="${escapeHtml(ack)}" style="display:inline-block;padding:8px 14px;background:${colour};color:#fff;text-decoration:none;border-radius:4px">Acknowledge</a>`
      : '',
    msg.incidentUrl ? `<a href="${escapeHtml(msg.incidentUrl)}" style="margin-left:12px">Open incident</a>` : '',
  ].join('');
  return [
    '<!doctype html><html><body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#222">',
    `<div style="border-left:6px solid ${colour};padding:4px 0 4px 12px;margin-bottom:12px">`,
    `<div style="font-size:18px;font-weight:bold">${escapeHtml(msg.title)}</div>`,
    `<div style="color:#555">${escapeHtml(eventLabel(msg))}</div></div>`,
    `<p style="white-space:pre-wrap;margin:0 0 12px">${escapeHtml(msg.text.trimEnd())}</p>`,
    `<table style="border-collapse:collapse;margin-bottom:16px">${rows}</table>`,
    links ? `<p>${links}</p>` : '',
    '</body></html>',
  ].join('\n');
}
