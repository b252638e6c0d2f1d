import { Client, exchange, MAX_HEADER_SIZE } from './http/undici.js';

/** One answer of the collector; `status` is the HTTP status, or the error code when there was none (ECONNREFUSED, a timeout …). */
export interface CollectorAnswer {
  status: number | string;
  /** The body text, up to 64 KiB (an ack, or a coded error). */
  body: string;
  retryAfter: string | string[] | undefined;
}

/** `{error: {code}}` of a coded error body, when there is one. */
export function errorCode(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The agent's one keep-alive connection to the collector (batches and heartbeats go one at a
 * time). Every request has a deadline for the whole exchange — queueing behind another
 * request, connecting, the answer's head and its body — so a collector that accepts the
 * connection and never answers, or trickles its answer, holds the agent for at most `timeoutMs`.
 */
export class CollectorClient {
  private readonly client: Client;
  /** Path prefix of the collector URL (a collector behind a reverse proxy at /vigil/). */
  private readonly prefix: string;

  constructor(
    collectorUrl: string,
    private readonly timeoutMs: number,
  ) {
    const base = new URL(`${collectorUrl.replace(/\/$/, '')}/`);
    this.client = new Client(base.origin, { keepAliveTimeout: 30_000, maxHeaderSize: MAX_HEADER_SIZE, connectTimeout: timeoutMs });
    this.prefix = base.pathname.slice(0, -1);
  }

  async post(path: string, body: string, token: string): Promise<CollectorAnswer> {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })), this.timeoutMs);
    try {
      const res = await exchange(this.client, `${this.prefix}${path}`, {
        method: 'POST',
        body,
        signal: ctl.signal,
        timeoutMs: this.timeoutMs,
        maxBodyBytes: 64 * 1024,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
      return { status: res.statusCode, body: res.body.toString('utf8'), retryAfter: res.headers['retry-after'] };
    } catch (e) {
      return { status: (e as NodeJS.ErrnoException).code ?? 'error', body: '', retryAfter: undefined };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
