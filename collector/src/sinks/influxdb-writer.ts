import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpError, InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import { parseRetryAfter } from './retry-delay.js';

/** What one write request came to. */
export type WriteOutcome =
  | { ok: true }
  | {
      ok: false;
      /** false: the server understood the points and refused them (400, 413, 422): sending them again cannot help. */
      retry: boolean;
      /** Bounded label value for /metrics: `http_401`, `econnrefused`, `timeout` … */
      cause: string;
      status?: number;
      retryAfterMs?: number;
      message: string;
    };

export interface InfluxTarget {
  url: string;
  token: string;
  org: string;
  bucket: string;
  timeoutMs: number;
}

/** Statuses that say the data itself is refused; everything else (401, 403, 404, 429, 5xx, network) may pass later. */
const REFUSED = new Set([400, 413, 422]);

/**
 * One InfluxDB v2 write API endpoint through @influxdata/influxdb-client (its transport: the
 * /api/v2/write path with org, bucket and ms precision, the token header, gzip above 64 KiB,
 * the socket timeout). The client's own retry buffer is switched off: the sink retries from its
 * disk buffer instead, so a retry survives a restart, is counted, and nothing is held in memory.
 */
export class InfluxWriter {
  private readonly api: WriteApi;
  private readonly agent: HttpAgent;

  constructor(
    target: InfluxTarget,
    private readonly now: () => number,
  ) {
    // one kept-alive connection: writes go one at a time
    const https = target.url.startsWith('https:');
    this.agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: 1 }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const influx = new InfluxDB({ url: target.url, token: target.token, timeout: target.timeoutMs, transportOptions: { agent: this.agent } });
    this.api = influx.getWriteApi(target.org, target.bucket, 'ms', {
      // the whole body is handed over as one record and sent by flush(): never split or sent on a timer
      batchSize: 2,
      flushInterval: 0,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      maxRetries: 0,
      maxBufferLines: 1,
      gzipThreshold: 64 * 1024,
      // a rejected promise makes flush() fail with the error itself, without the client logging to the console
      writeFailed: (error: Error) => Promise.reject(error),
    });
  }

  /** Sends `body` (lines joined by \n) in one request. Never throws. */
  async write(body: string): Promise<WriteOutcome> {
    try {
      this.api.writeRecord(body);
      await this.api.flush();
      return { ok: true };
    } catch (err) {
      return this.outcome(err);
    }
  }

  private outcome(err: unknown): WriteOutcome {
    if (err instanceof HttpError) {
      const status = err.statusCode;
      const retryAfterMs = parseRetryAfter(err.headers?.['retry-after'], this.now());
      const body = (err.body ?? '').slice(0, 300);
      return {
        ok: false,
        retry: !REFUSED.has(status),
        cause: `http_${status}`,
        status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        message: `${status} ${err.statusMessage ?? ''}${body ? `: ${body}` : ''}`.trim(),
      };
    }
    // the client reports a timeout without ending the request: its socket would hold the one connection for good
    this.agent.destroy();
    const e = err as NodeJS.ErrnoException;
    const code = typeof e?.code === 'string' && /^E[A-Z0-9_]{1,24}$/.test(e.code) ? e.code.toLowerCase() : undefined;
    const cause = code ?? (e?.name === 'RequestTimedOutError' ? 'timeout' : e?.name === 'AbortError' ? 'aborted' : 'network');
    return { ok: false, retry: true, cause, message: e?.message || String(err) };
  }

  /** Drops what the client holds (nothing but an unsent record) and closes the connection. */
  close(): void {
    this.api.dispose();
    this.agent.destroy();
  }
}
