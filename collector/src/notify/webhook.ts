import { createHmac } from 'node:crypto';
import type { Channel } from './channel.js';
import type { WebhookChannelConfig } from './channel-config.js';
import { channelOptions, postChannel, type ChannelOptions } from './http-post.js';

export type { DeliveryResult } from './channel.js';

/**
 * Generic JSON webhook: the body is the NotificationMessage itself, so a receiver gets
 * every field the engine knows. With a `secret`, the raw body bytes are signed with
 * HMAC-SHA256 (`X-Vigil-Signature: sha256=<hex>`); the receiver recomputes it over the
 * bytes it read, before parsing. `X-Vigil-Delivery` is stable across retries of one
 * delivery, so a receiver can drop the duplicate of an attempt that did arrive.
 */
export function webhookChannel(cfg: WebhookChannelConfig, opts?: Partial<ChannelOptions>): Channel {
  return postChannel(cfg.name, 'webhook', channelOptions(cfg.timeout, opts), (msg, deliveryId) => {
    const body = JSON.stringify(msg);
    // Ours last: a configured header must not replace the signature or delivery id.
    return { url: cfg.url, body, headers: { ...cfg.headers, ...vigilHeaders(cfg.secret, deliveryId, body), 'x-vigil-event': msg.event } };
  });
}

/** `sha256=<hex>` of HMAC-SHA256(secret, body): what a receiver compares in constant time. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function vigilHeaders(secret: string | undefined, deliveryId: string, body: string): Record<string, string> {
  const h: Record<string, string> = { 'x-vigil-delivery': deliveryId };
  if (secret) h['x-vigil-signature'] = signBody(secret, body);
  return h;
}
