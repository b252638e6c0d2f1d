import { createHmac } from 'node:crypto';
import { request } from 'undici';

export interface DeliveryResult {
  ok: boolean;
  status?: number;
  retryAfterMs?: number;
  error?: string;
}

export interface WebhookChannel {
  name: string;
  url: string;
  secret?: string;
  timeoutMs: number;
}

/**
 * Generic JSON webhook. The body is signed with HMAC-SHA256 over the raw bytes
 * (`X-Vigil-Signature: sha256=<hex>`) when a secret is set; `X-Vigil-Delivery` lets the
 * receiver drop a duplicate after a retry whose first attempt did arrive.
 */
export async function sendWebhook(ch: WebhookChannel, deliveryId: string, body: string): Promise<DeliveryResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-vigil-delivery': deliveryId, 'user-agent': 'vigil-collector' };
  if (ch.secret) headers['x-vigil-signature'] = `sha256=${createHmac('sha256', ch.secret).update(body).digest('hex')}`;
  try {
    const res = await request(ch.url, { method: 'POST', headers, body, headersTimeout: ch.timeoutMs, bodyTimeout: ch.timeoutMs, signal: AbortSignal.timeout(ch.timeoutMs) });
    await res.body.dump();
    if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode };
    const ra = res.headers['retry-after'];
    const retryAfterMs = typeof ra === 'string' ? parseRetryAfter(ra) : undefined;
    return { ok: false, status: res.statusCode, error: `HTTP ${res.statusCode}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

function parseRetryAfter(v: string): number | undefined {
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
