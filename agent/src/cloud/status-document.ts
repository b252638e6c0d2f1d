import { BodyTooLargeError, Client, exchangeFollowing, MAX_HEADER_SIZE } from '../http/undici.js';
import { classifyError } from '../probes/classify-error.js';
import type { ProbeContext, ProbeResult } from '../probes/types.js';

/** Vendor status pages can be large (Google's incidents.json holds the whole history); an agent still caps what it buffers. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface DocumentRequest {
  url: string;
  headers?: Record<string, string>;
  insecureSkipVerify?: boolean;
}

export type DocumentAnswer = { ok: true; json: unknown; metrics: Record<string, number>; t0: number } | { ok: false; result: ProbeResult };

/**
 * GETs a vendor's status document and parses it as JSON. Never throws: a transport error,
 * a non-2xx status, an oversized or non-JSON body come back as a failed result with its
 * reason (`timeout`, `tls`, `status`, `protocol` …), with the timing figures measured so far.
 */
export async function fetchStatusDocument(o: DocumentRequest, ctx: ProbeContext): Promise<DocumentAnswer> {
  const t0 = performance.now();
  const metrics: Record<string, number> = {};
  // one Client per origin for this fetch (the document and where it redirects to), closed after
  const clients = new Map<string, InstanceType<typeof Client>>();
  const clientFor = (origin: string) => {
    let c = clients.get(origin);
    if (!c) clients.set(origin, (c = new Client(origin, { connect: { rejectUnauthorized: !o.insecureSkipVerify }, maxHeaderSize: MAX_HEADER_SIZE })));
    return c;
  };
  const fail = (reason: ProbeResult['reason'], message: string): DocumentAnswer => ({
    ok: false,
    result: { status: 'down', reason, message, durationMs: performance.now() - t0, metrics },
  });
  try {
    const res = await exchangeFollowing(clientFor, o.url, {
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'vigil-agent', ...o.headers },
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
      reset: true,
      maxRedirects: 3,
      maxBodyBytes: MAX_BODY_BYTES,
      rejectLargerBody: true,
    });
    metrics.first_byte_seconds = (res.headAt - t0) / 1000;
    metrics.status_code = res.statusCode;
    metrics.total_seconds = (performance.now() - t0) / 1000;
    metrics.content_length_bytes = res.bytes;
    if (res.statusCode < 200 || res.statusCode > 299) return fail('status', `HTTP ${res.statusCode}`);
    try {
      return { ok: true, json: JSON.parse(res.body.toString('utf8')), metrics, t0 };
    } catch (e) {
      return fail('protocol', `status document is not JSON: ${(e as Error).message}`);
    }
  } catch (e) {
    if (e instanceof BodyTooLargeError) return fail('protocol', `status document larger than ${MAX_BODY_BYTES} bytes`);
    const { reason, message } = classifyError(e, ctx.signal);
    return fail(reason, message);
  } finally {
    for (const c of clients.values()) void c.destroy().catch(() => undefined);
  }
}

/** 0 operational, 1 degraded, 2 outage: the one scale every vendor's vocabulary maps onto. */
export type Level = 0 | 1 | 2;
const STATUS: Record<Level, ProbeResult['status']> = { 0: 'up', 1: 'degraded', 2: 'down' };

/** One affected item (component, product, service) as the vendor reports it. */
export interface Affected {
  name: string;
  level: Level;
  says: string;
}

/**
 * The result for a parsed document: the worst level wins; every affected item is named in
 * the message. Figures: `vendor_status_level` (0/1/2) and `vendor_affected_count`.
 */
export function vendorResult(answer: { metrics: Record<string, number>; t0: number }, affected: Affected[], overall?: Affected): ProbeResult {
  const level = affected.reduce<Level>((w, a) => (a.level > w ? a.level : w), overall?.level ?? 0);
  const hit = affected.filter((a) => a.level > 0);
  const metrics = { ...answer.metrics, vendor_status_level: level, vendor_affected_count: hit.length };
  const durationMs = performance.now() - answer.t0;
  if (level === 0) return { status: 'up', durationMs, metrics };
  const named = [...(overall && overall.level > 0 ? [overall] : []), ...hit].map((a) => `${a.name}: ${a.says}`).join('; ');
  return { status: STATUS[level], reason: 'answer', message: named, durationMs, metrics };
}

/** A document that parsed as JSON but is not the vendor's format. */
export function notTheFormat(answer: { metrics: Record<string, number>; t0: number }, what: string): ProbeResult {
  return { status: 'down', reason: 'protocol', message: `not a ${what}`, durationMs: performance.now() - answer.t0, metrics: answer.metrics };
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
