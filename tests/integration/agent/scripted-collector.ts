import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Clock } from '../../../shared/clock.js';

/** One request the agent made, with the (injected) clock's time it arrived at. */
export interface Seen {
  at: number;
  path: string;
  auth: string | undefined;
  bytes: number;
  body: { agentId: string; seq: number; samples: Array<{ checkId?: string; ts: number; message?: string }> } & Record<string, unknown>;
}

/** What the scripted collector answers: store the batch (refusing some samples), a status, or nothing at all. */
export type Answer =
  | {
      kind: 'store';
      refuse?: (sample: Seen['body']['samples'][number], index: number) => string | undefined;
      /** Stored, but the connection is cut before the answer: the agent never learns it. */
      lostAnswer?: boolean;
    }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'hang' }
  | { kind: 'head-only' };

export const store: Answer = { kind: 'store' };
export const status = (code: number, headers?: Record<string, string>, body?: unknown): Answer => ({ kind: 'status', status: code, headers, body });

const keyOf = (s: { checkId?: string; ts: number }) => `${s.checkId}@${s.ts}`;

/**
 * A collector on loopback whose answers a test scripts, keeping the books a real one keeps:
 * batches are idempotent by seq, samples stored are counted by (check id, ts), and every seq
 * seen twice with different content is recorded as a violation (the agent must never do that).
 */
export function scriptedCollector(clock: Clock) {
  const seen: Seen[] = [];
  const stored = new Map<string, number>();
  const storedSeqs = new Set<number>();
  const contentOf = new Map<number, string>();
  const violations: number[] = [];
  const open: ServerResponse[] = [];
  const c = {
    seen,
    stored,
    violations,
    ingest: (_b: Seen): Answer => store,
    heartbeat: (_h: Seen): Answer => status(200, undefined, { serverTime: clock.now() }),
    batches: () => seen.filter((s) => s.path === '/api/v1/ingest'),
    server: undefined as unknown as Server,
    /** How often each key was stored; keys never stored are absent. */
    timesStored: (s: { checkId?: string; ts: number }) => stored.get(keyOf(s)) ?? 0,
  };
  c.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const s: Seen = { at: clock.now(), path: req.url ?? '', auth: bearer(req.headers), bytes: raw.length, body: JSON.parse(raw.toString('utf8')) };
      seen.push(s);
      const answer = s.path === '/api/v1/heartbeat' ? c.heartbeat(s) : c.ingest(s);
      if (s.path === '/api/v1/ingest') {
        const content = JSON.stringify(s.body.samples);
        const before = contentOf.get(s.body.seq);
        if (before !== undefined && before !== content) violations.push(s.body.seq);
        contentOf.set(s.body.seq, content);
      }
      if (answer.kind === 'hang') return void open.push(res);
      if (answer.kind === 'head-only') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{');
        return void open.push(res);
      }
      if (answer.kind === 'status') {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        return void res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      }
      const { seq, agentId, samples } = s.body;
      const refused = samples.flatMap((x, index) => {
        const code = answer.refuse?.(x, index);
        return code ? [{ index, code, message: `sample ${index} refused (${code})` }] : [];
      });
      const isNew = !storedSeqs.has(seq);
      if (isNew) {
        storedSeqs.add(seq);
        samples.forEach((x, i) => refused.some((r) => r.index === i) || stored.set(keyOf(x), (stored.get(keyOf(x)) ?? 0) + 1));
      }
      if (answer.lostAnswer) return void res.destroy();
      const ack = { agentId, seq, stored: isNew, accepted: isNew ? samples.length - refused.length : 0, ...(refused.length ? { refused } : {}) };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ack));
    });
  });
  return Object.assign(c, {
    listen: (port = 0) => new Promise<number>((r) => c.server.listen(port, '127.0.0.1', () => r((c.server.address() as { port: number }).port))),
    close: () =>
      new Promise<void>((r) => {
        for (const res of open.splice(0)) res.destroy();
        c.server.closeAllConnections();
        c.server.close(() => r());
      }),
  });
}

function bearer(h: IncomingHttpHeaders): string | undefined {
  return h.authorization?.replace(/^Bearer /, '');
}

/** A check result as the agent sends it; `ts` makes it unique per check. */
export const result = (ts: number, checkId = 'web-1', message?: string) => ({
  kind: 'check' as const,
  checkId,
  type: 'http',
  ts,
  status: 'up' as const,
  durationMs: 1,
  ...(message ? { message } : {}),
});
