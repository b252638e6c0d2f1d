import { request, type Dispatcher } from 'undici';
import { systemClock, type Clock } from '../../../shared/clock.js';
import { parseDurationMs } from '../../../shared/sla/duration.js';
import { VERSION } from '../../../shared/version.js';
import type { Channel, DeliveryResult, NotificationMessage } from './channel.js';

export const USER_AGENT = `vigil-collector/${VERSION}`;
export const DEFAULT_TIMEOUT_MS = 10_000;

/** What every channel factory gets besides its own config entry. */
export interface ChannelOptions {
  /** Per attempt; on top of the signal the outbox passes to `send`. */
  timeoutMs: number;
  clock: Clock;
  /** undici dispatcher (proxy, custom TLS); the global one when absent. */
  dispatcher?: Dispatcher;
}

/** Fills in defaults, so a factory can also be called with just its config entry. */
export function channelOptions(timeout: string | number | undefined, given: Partial<ChannelOptions> = {}): ChannelOptions {
  const fromConfig = timeout === undefined ? undefined : parseDurationMs(timeout);
  return {
    timeoutMs: given.timeoutMs ?? fromConfig ?? DEFAULT_TIMEOUT_MS,
    clock: given.clock ?? systemClock,
    ...(given.dispatcher ? { dispatcher: given.dispatcher } : {}),
  };
}

export interface HttpPostOptions {
  url: string;
  body: string;
  /** Merged over content-type JSON and our user-agent; names are case-insensitive. */
  headers?: Readonly<Record<string, string>>;
  method?: 'POST' | 'PUT' | 'PATCH';
  timeoutMs: number;
  /** The caller's abort (e.g. the outbox shutting down); the timeout is added on top. */
  signal?: AbortSignal;
  /** For `Retry-After: <HTTP date>`. */
  clock?: Clock;
  dispatcher?: Dispatcher;
  /** Some receivers (legacy Teams connectors) answer 2xx with the failure in the body. */
  checkOkBody?: (text: string) => DeliveryResult | undefined;
}

/** Error bodies are read only this far: enough for Slack's `invalid_payload`, bounded in memory. */
const SNIPPET_BYTES = 4096;

/**
 * One HTTP attempt, classified for the outbox: 2xx ok; 408/429/5xx and network errors
 * retryable; other 4xx (and 3xx — a moved webhook is a config problem) permanent. Never
 * throws. The body is always drained so the keep-alive connection can be reused (one
 * larger than undici's dump limit, 128 KiB, closes the connection instead).
 */
export async function httpPost(o: HttpPostOptions): Promise<DeliveryResult> {
  const d = deadline(o.signal, o.timeoutMs);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT };
  for (const [k, v] of Object.entries(o.headers ?? {})) headers[k.toLowerCase()] = v;
  try {
    const res = await request(o.url, {
      method: o.method ?? 'POST',
      headers,
      body: o.body,
      signal: d.signal,
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
    });
    const status = res.statusCode;
    if (status >= 200 && status < 300 && !o.checkOkBody) {
      // The receiver has accepted; a body that fails to drain does not undo that.
      await res.body.dump().catch(() => undefined);
      return { ok: true, status };
    }
    const text = await readSnippet(res.body);
    if (status >= 200 && status < 300) return o.checkOkBody?.(text) ?? { ok: true, status };
    const retryAfter = status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after'], (o.clock ?? systemClock).now()) : undefined;
    const location = status >= 300 && status < 400 ? res.headers.location : undefined;
    const detail = location ? `redirect to ${String(location)}: configure the final URL` : oneLine(text);
    return {
      ok: false,
      status,
      error: `HTTP ${status}${detail ? `: ${detail}` : ''}`,
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
      ...(isPermanentStatus(status) ? { permanent: true } : {}),
    };
  } catch (e) {
    return { ok: false, error: d.timedOut() ? `timeout after ${o.timeoutMs} ms` : o.signal?.aborted ? `aborted: ${errorText(o.signal.reason)}` : errorText(e) };
  } finally {
    d.clear();
  }
}

/** 408 and 429 are 4xx that say "later"; every other non-5xx failure says "not like this". */
export function isPermanentStatus(status: number): boolean {
  return status < 500 && status !== 408 && status !== 429;
}

/** `Retry-After` as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // All three HTTP-date forms start with a day name; Date.parse alone takes "-5" for a year.
  const at = /^[A-Za-z]{3}/.test(v) ? Date.parse(v) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export interface Deadline {
  signal: AbortSignal;
  timedOut(): boolean;
  clear(): void;
}

/**
 * The caller's signal plus our own timeout, as one signal. A clearable timer rather than
 * AbortSignal.timeout so nothing outlives the attempt, and so we know which one fired.
 */
export function deadline(outer: AbortSignal | undefined, timeoutMs: number): Deadline {
  const ctl = new AbortController();
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    ctl.abort(new Error(`timeout after ${timeoutMs} ms`));
  }, timeoutMs);
  const onOuter = () => ctl.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  return {
    signal: ctl.signal,
    timedOut: () => fired,
    clear: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    const cause = e.cause instanceof Error ? ` (${e.cause.message})` : '';
    return `${e.message}${cause}${code && !e.message.includes(code) ? ` [${code}]` : ''}`;
  }
  return e === undefined ? 'aborted' : String(e);
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 299)}…` : t;
}

/**
 * Reads the start of a body for the error text. A short body is read to its end (the
 * connection stays reusable); a long one is cut off, which closes the connection rather
 * than downloading an unbounded error page. Never fails the attempt.
 */
async function readSnippet(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= SNIPPET_BYTES) break;
    }
  } catch {
    // A body that breaks off still leaves the status line to judge by.
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, SNIPPET_BYTES);
}

/** What a channel decides for one message; the attempt's timeout, signal, clock and dispatcher are filled in by postChannel. */
export type PostRequest = Omit<HttpPostOptions, 'timeoutMs' | 'signal' | 'clock' | 'dispatcher'>;

/** A Channel that makes one HTTP request per message: webhook, Slack, Teams and PSA differ only in the request. */
export function postChannel(name: string, type: string, o: ChannelOptions, requestFor: (msg: NotificationMessage, deliveryId: string) => PostRequest): Channel {
  return {
    name,
    type,
    send: (msg, deliveryId, signal) =>
      httpPost({ ...requestFor(msg, deliveryId), timeoutMs: o.timeoutMs, signal, clock: o.clock, ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}) }),
  };
}
