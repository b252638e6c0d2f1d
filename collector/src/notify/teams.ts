import type { Channel, DeliveryResult, NotificationMessage } from './channel.js';
import type { TeamsChannelConfig } from './channel-config.js';
import { ackLink, eventLabel, messageFacts, textLines, toneStyle, truncate } from './format.js';
import { channelOptions, isPermanentStatus, postChannel, type ChannelOptions } from './http-post.js';

/**
 * Microsoft Teams: a message with one Adaptive Card, the format both the Workflows
 * ("Post to a channel when a webhook request is received", answers 202) and the older
 * Office 365 connector URLs (answer 200 `1`) accept.
 */
export function teamsChannel(cfg: TeamsChannelConfig, opts?: Partial<ChannelOptions>): Channel {
  return postChannel(cfg.name, 'teams', channelOptions(cfg.timeout, opts), (msg, deliveryId) => ({
    url: cfg.url,
    body: JSON.stringify(teamsPayload(msg)),
    headers: { 'x-vigil-delivery': deliveryId },
    checkOkBody: connectorFailure,
  }));
}

/**
 * The O365 connectors answer 200 even when delivery failed, with the real status in the
 * text ("Webhook message delivery failed with error: Microsoft Teams endpoint returned
 * HTTP error 429 …", MicrosoftDocs/msteams-docs#1810, #7425). Without this check a
 * throttled or oversized card would count as delivered.
 */
export function connectorFailure(text: string): DeliveryResult | undefined {
  if (!/delivery failed/i.test(text)) return undefined;
  const inner = /HTTP error (\d{3})/.exec(text);
  const status = inner ? Number(inner[1]) : undefined;
  return {
    ok: false,
    ...(status !== undefined ? { status } : {}),
    error: `HTTP 200 from Teams connector: ${truncate(text.replace(/\s+/g, ' ').trim(), 300)}`,
    ...(status !== undefined && isPermanentStatus(status) ? { permanent: true } : {}),
  };
}

/** Teams rejects messages over 28 KB; the text is cut well below that. */
const TEXT_MAX = 12_000;

export function teamsPayload(msg: NotificationMessage): Record<string, unknown> {
  const style = toneStyle(msg);
  const body: Array<Record<string, unknown>> = [
    {
      type: 'Container',
      style: style.containerStyle,
      bleed: true,
      items: [
        { type: 'TextBlock', text: `${style.emoji} ${msg.title}`, weight: 'Bolder', size: 'Medium', color: style.textColour, wrap: true },
        { type: 'TextBlock', text: eventLabel(msg), isSubtle: true, spacing: 'None', wrap: true },
      ],
    },
    // One block per line: a single TextBlock would need "\n\n" markdown to break lines.
    ...textLines(truncate(msg.text, TEXT_MAX)).map((line) => ({ type: 'TextBlock', text: line, wrap: true, spacing: 'Small' })),
    { type: 'FactSet', facts: messageFacts(msg).map((f) => ({ title: f.label, value: f.value })) },
  ];
  const actions: Array<Record<string, unknown>> = [];
  const ack = ackLink(msg);
  if (ack) actions.push({ type: 'Action.OpenUrl', title: 'Acknowledge', url: ack, style: 'positive' });
  if (msg.incidentUrl) actions.push({ type: 'Action.OpenUrl', title: 'Open incident', url: msg.incidentUrl });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          ...(actions.length > 0 ? { actions } : {}),
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}
