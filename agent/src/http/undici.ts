/**
 * The agent's HTTP/1.1 client: undici's `Client` (one origin, its connector) driven through
 * undici's dispatch API by a small handler, imported by module path instead of through
 * undici's index. Why not undici's `Agent` + `request()`: with a connection closed after every
 * probe, the Agent builds a new Pool (with a 2048-slot queue) for every request, and the
 * request API wraps each body in a Readable stream, so those were most of what the agent
 * allocated (and garbage-collected) per minute. The index itself loads fetch, WebSocket,
 * caches and Node's own bundled undici. Pinned by the undici 7.x range in package.json;
 * tests/integration/agent exercises every caller.
 */
import type { Dispatcher } from 'undici';
import ClientClass from 'undici/lib/dispatcher/client.js';

export type { Dispatcher };
export const Client = ClientClass;
export type Client = InstanceType<typeof ClientClass>;

/** Node's default header limit, given explicitly so undici never asks `node:http` for it. */
export const MAX_HEADER_SIZE = 16_384;

export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body, up to `maxBodyBytes`. */
  body: Buffer;
  /** Every body byte received, kept or not. */
  bytes: number;
  /** performance.now() when the response head arrived. */
  headAt: number;
}

export interface ExchangeOptions {
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Bounds both the wait for the response head and each gap in the body (ms). */
  timeoutMs?: number;
  /** Close the connection after this request (a cold measurement). */
  reset?: boolean;
  /** Body bytes kept in `Answer.body`; the rest is counted and dropped (default 8 MiB)… */
  maxBodyBytes?: number;
  /** …or, when set, the request fails with BodyTooLargeError as soon as the body is larger. */
  rejectLargerBody?: boolean;
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`);
  }
}

/** One request on an origin-bound dispatcher (a Client); rejects with undici's error or the abort reason. */
export function exchange(client: Dispatcher, path: string, o: ExchangeOptions = {}): Promise<Answer> {
  const max = o.maxBodyBytes ?? 8 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(o.signal.reason);
    const chunks: Buffer[] = [];
    let kept = 0;
    let bytes = 0;
    let head: Omit<Answer, 'body' | 'bytes'> | undefined;
    let ctl: Dispatcher.DispatchController | undefined;
    let settled = false;
    // before undici starts the request (still connecting) there is nothing to abort yet: answer
    // now; onRequestStart aborts the request when the connection is up
    const onAbort = () => (ctl ? ctl.abort(o.signal!.reason as Error) : settle(o.signal!.reason as Error));
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      if (err || !head) reject(err ?? new Error('response ended without a head'));
      else resolve({ ...head, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, kept), bytes });
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    client.dispatch(
      {
        path,
        method: o.method ?? 'GET',
        headers: o.headers,
        body: o.body,
        reset: o.reset,
        headersTimeout: o.timeoutMs,
        bodyTimeout: o.timeoutMs,
      },
      {
        onRequestStart(c) {
          ctl = c;
          if (o.signal?.aborted) c.abort(o.signal.reason as Error);
        },
        onResponseStart(_c, statusCode, headers) {
          head = { statusCode, headers, headAt: performance.now() };
        },
        onResponseData(c, chunk) {
          bytes += chunk.length;
          if (bytes > max && o.rejectLargerBody) return c.abort(new BodyTooLargeError(max));
          if (kept >= max) return;
          const part = kept + chunk.length > max ? chunk.subarray(0, max - kept) : chunk;
          chunks.push(part);
          kept += part.length;
        },
        onResponseEnd() {
          settle();
        },
        onResponseError(_c, err) {
          settle(err);
        },
      },
    );
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that must not follow a redirect to another origin. */
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization', 'host'];

/**
 * A request that follows redirects like a browser's fetch: 303 (and 301/302 after a POST)
 * turn into a GET without body; credentials are not sent to another origin. `clientFor` gives
 * the dispatcher for an origin. After `maxRedirects` the last 3xx is the answer.
 */
export async function exchangeFollowing(
  clientFor: (origin: string) => Dispatcher,
  url: string,
  o: ExchangeOptions & { maxRedirects: number },
): Promise<Answer & { url: URL; redirects: number }> {
  let at = new URL(url);
  let req = { ...o };
  for (let redirects = 0; ; redirects++) {
    const answer = await exchange(clientFor(at.origin), `${at.pathname}${at.search}`, req);
    const location = answer.headers.location;
    if (!REDIRECTS.has(answer.statusCode) || typeof location !== 'string' || redirects >= o.maxRedirects) return { ...answer, url: at, redirects };
    const next = new URL(location, at);
    const method = req.method ?? 'GET';
    const toGet = (answer.statusCode === 303 && method !== 'HEAD') || ((answer.statusCode === 301 || answer.statusCode === 302) && method === 'POST');
    const headers = Object.fromEntries(
      Object.entries(req.headers ?? {}).filter(([k]) => {
        const key = k.toLowerCase();
        return !(next.origin !== at.origin && CREDENTIALS.includes(key)) && !(toGet && key.startsWith('content-'));
      }),
    );
    req = { ...req, headers, ...(toGet ? { method: 'GET', body: undefined } : {}) };
    at = next;
  }
}
