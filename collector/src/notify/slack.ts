import type { Channel, NotificationMessage } from './channel.js';
import type { SlackChannelConfig } from './channel-config.js';
import { ackLink, eventLabel, formatTime, messageFacts, toneStyle, truncate } from './format.js';
import { channelOptions, postChannel, type ChannelOptions } from './http-post.js';

/**
 * Slack incoming webhook (https://hooks.slack.com/services/…). Slack answers 200 `ok`;
 * errors come as a status plus a short code in the body (400 `invalid_payload`, 403
 * `action_prohibited`, 404 `channel_not_found`, 410 `channel_is_archived`, 429 with
 * Retry-After, 500 `rollup_error`), which http-post turns into the error text.
 */
export function slackChannel(cfg: SlackChannelConfig, opts?: Partial<ChannelOptions>): Channel {
  return postChannel(cfg.name, 'slack', channelOptions(cfg.timeout, opts), (msg, deliveryId) => ({
    url: cfg.url,
    body: JSON.stringify(slackPayload(msg)),
    // Slack ignores it; it helps whoever debugs through a proxy log.
    headers: { 'x-vigil-delivery': deliveryId },
  }));
}

// Slack's documented limits per block element; longer payloads get 400 invalid_blocks.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const FIELDS_MAX = 10;

export interface SlackPayload {
  /** Fallback for push notifications and clients that cannot show blocks. */
  text: string;
  blocks: Array<Record<string, unknown>>;
}

export function slackPayload(msg: NotificationMessage): SlackPayload {
  const { emoji } = toneStyle(msg);
  const facts = messageFacts(msg).slice(0, FIELDS_MAX);
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${emoji} ${msg.title}`, HEADER_MAX), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(eventLabel(msg))}*\n${escapeMrkdwn(msg.text)}`, SECTION_MAX) } },
    { type: 'section', fields: facts.map((f) => ({ type: 'mrkdwn', text: truncate(`*${f.label}*\n${escapeMrkdwn(f.value)}`, FIELD_MAX) })) },
  ];
  const buttons: Array<Record<string, unknown>> = [];
  const ack = ackLink(msg);
  if (ack) buttons.push({ type: 'button', action_id: 'vigil_ack', text: { type: 'plain_text', text: 'Acknowledge' }, url: ack, style: 'primary' });
  if (msg.incidentUrl) buttons.push({ type: 'button', action_id: 'vigil_incident', text: { type: 'plain_text', text: 'Open incident' }, url: msg.incidentUrl });
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Vigil · incident #${msg.incident.id} · detected ${slackDate(msg.incident.detectedAt)}` }],
  });
  return { text: `${emoji} ${escapeMrkdwn(msg.title)}`, blocks };
}

/** Slack's three control characters; everything else in mrkdwn is literal enough. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<!date^…>` shows the time in each reader's own zone; the UTC text is the fallback. */
function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeMrkdwn(iso);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time_secs}|${formatTime(iso)}>`;
}
