import { Client, exchange, MAX_HEADER_SIZE } from './http/undici.js';
import { PATHS } from '../../shared/protocol/v1/index.js';

/** What a fetch of the central configuration gave. */
export type FetchResult =
  | { kind: 'document'; document: unknown }
  | { kind: 'unchanged' }
  /** `status`: the HTTP status, or the error code when there was no answer; `code`: the coded error's, when there is one. */
  | { kind: 'failed'; status: number | string; code?: string };

/** A document larger than this is refused (10,000 checks of a few hundred bytes each). */
const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

/**
 * GET /api/v1/agent/config with the agent token and `If-None-Match: "<version it runs>"`. A fetch
 * happens only when a heartbeat answer names another version (a few times a day), so each one
 * has a connection of its own, closed after it, with a deadline for the whole exchange.
 */
export class ConfigFetcher {
  private readonly base: URL;

  constructor(
    collectorUrl: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.base = new URL(`${collectorUrl.replace(/\/$/, '')}/`);
  }

  async fetch(token: string, running: string | undefined): Promise<FetchResult> {
    const client = new Client(this.base.origin, { maxHeaderSize: MAX_HEADER_SIZE, connectTimeout: this.timeoutMs });
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })), this.timeoutMs);
    try {
      const res = await exchange(client, `${this.base.pathname.slice(0, -1)}${PATHS.agentConfig}`, {
        method: 'GET',
        signal: ctl.signal,
        timeoutMs: this.timeoutMs,
        maxBodyBytes: MAX_DOCUMENT_BYTES,
        rejectLargerBody: true,
        headers: { authorization: `Bearer ${token}`, ...(running ? { 'if-none-match': `"${running}"` } : {}) },
      });
      const text = res.body.toString('utf8');
      if (res.statusCode === 304) return { kind: 'unchanged' };
      if (res.statusCode !== 200) return { kind: 'failed', status: res.statusCode, ...codeOf(text) };
      try {
        return { kind: 'document', document: JSON.parse(text) as unknown };
      } catch {
        return { kind: 'failed', status: 'not JSON' };
      }
    } catch (e) {
      return { kind: 'failed', status: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
    } finally {
      clearTimeout(timer);
      void client.close().catch(() => undefined);
    }
  }
}

function codeOf(body: string): { code?: string } {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? { code: code.slice(0, 64) } : {};
  } catch {
    return {};
  }
}
