/**
 * The crash test's loopback HTTP proxy between the agent and the collector. It forwards every
 * request to the collector's current port and records what the collector acknowledged: for each
 * /api/v1/ingest the (agentId, seq), its results and the answer; for each heartbeat its spool
 * figures. While the collector is dead the upstream connection fails and the proxy resets the
 * agent's connection, as a dead collector does — never a polite 502 the real one would not send.
 * `loseAnswer` makes it cut the connection after the collector acknowledged a batch, instead of
 * passing the answer on (a connection lost on the way back): the agent must resend that seq, and
 * the collector must store it once.
 */
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';

export interface IngestAnswer {
  /** Test-clock ms the answer came back. */
  at: number;
  agentId: string;
  seq: number;
  /** (check id, ts) of each check result in the batch, as the agent sent it. */
  results: Array<[string, number]>;
  /** HTTP status, or 'reset' when the collector was not there to answer. */
  status: number | 'reset';
  stored?: boolean;
  /** The answer reached the agent (false: the connection was reset, or the answer lost on purpose). */
  delivered: boolean;
  /** Samples the collector refused inside a 200 (partial acceptance): dropped by the agent. */
  refused: number;
}

export interface HeartbeatSeen {
  at: number;
  status: number | 'reset';
  /** Its spool figures (drop and damage counters among them) and its transport's loss counts (`send`), as the agent sent them. */
  spool?: Record<string, number>;
  send?: Record<string, number>;
}

/** Hop-by-hop headers are the proxy's own business on each side (RFC 9110 §7.6.1). */
const HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'];
const endToEnd = (h: IncomingHttpHeaders) => Object.fromEntries(Object.entries(h).filter(([k]) => !HOP.includes(k)));

export class RecordingProxy {
  /** The collector's port: the test points it at each new collector process. */
  upstreamPort = 0;
  readonly ingests: IngestAnswer[] = [];
  readonly heartbeats: HeartbeatSeen[] = [];
  /** `agentId#seq` → its first 2xx answer: what the collector acknowledged. */
  readonly acknowledged = new Map<string, IngestAnswer>();
  /** `agentId#seq` of the acknowledgements that reached the agent. */
  private readonly delivered = new Set<string>();
  private readonly upstream = new Agent({ keepAlive: true, maxSockets: 16 });
  private readonly server: Server;
  port = 0;
  /** Acknowledgements cut on purpose. */
  answersLost = 0;

  constructor(private readonly loseAnswer: () => boolean = () => false) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', () => undefined); // the agent was killed mid-request
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        let answered = false;
        const reset = () => {
          if (answered) return;
          answered = true;
          this.record(req.url ?? '', body, 'reset', undefined, false);
          req.socket.destroy();
        };
        const up = request(
          { host: '127.0.0.1', port: this.upstreamPort, method: req.method, path: req.url, headers: endToEnd(req.headers), agent: this.upstream },
          (answer) => {
            const back: Buffer[] = [];
            answer.on('data', (c: Buffer) => back.push(c));
            answer.on('error', reset); // the collector died while answering
            answer.on('end', () => {
              if (!answer.complete) return reset();
              if (answered) return;
              answered = true;
              const text = Buffer.concat(back);
              const status = answer.statusCode ?? 0;
              const lose = req.url === '/api/v1/ingest' && status === 200 && this.loseAnswer();
              this.record(req.url ?? '', body, status, text, !lose);
              if (lose) {
                this.answersLost++;
                return void req.socket.destroy();
              }
              res.writeHead(answer.statusCode ?? 502, { ...endToEnd(answer.headers), 'content-length': String(text.length) }).end(text);
            });
          },
        );
        up.on('error', reset); // refused (the collector is down) or cut (killed mid-request)
        up.end(body);
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as { port: number }).port;
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether the collector answered 2xx to this (agentId, seq); `delivered`: and the agent got such an answer. */
  acked(agentId: string, seq: number, delivered = false): boolean {
    const key = `${agentId}#${seq}`;
    return delivered ? this.delivered.has(key) : this.acknowledged.has(key);
  }

  private record(url: string, body: Buffer, status: number | 'reset', answer: Buffer | undefined, delivered: boolean): void {
    const at = Date.now();
    const json = (b: Buffer | undefined) => {
      try {
        return b && b.length > 0 ? JSON.parse(b.toString('utf8')) : undefined;
      } catch {
        return undefined;
      }
    };
    if (url.startsWith('/api/v1/heartbeat')) {
      const hb = json(body);
      return void this.heartbeats.push({ at, status, spool: hb?.spool, send: hb?.send });
    }
    if (!url.startsWith('/api/v1/ingest')) return;
    const batch = json(body) as { agentId: string; seq: number; samples: Array<{ kind: string; checkId?: string; ts: number }> } | undefined;
    if (!batch) return;
    const ok = typeof status === 'number' && status >= 200 && status < 300;
    const ack = ok ? json(answer) : undefined;
    const entry: IngestAnswer = {
      at,
      agentId: batch.agentId,
      seq: batch.seq,
      results: batch.samples.flatMap((s) => (s.kind === 'check' && s.checkId ? [[s.checkId, s.ts] as [string, number]] : [])),
      status,
      ...(ack ? { stored: ack.stored === true } : {}),
      refused: Array.isArray(ack?.refused) ? ack.refused.length : 0,
      delivered,
    };
    this.ingests.push(entry);
    const key = `${entry.agentId}#${entry.seq}`;
    if (!ok) return;
    if (!this.acknowledged.has(key)) this.acknowledged.set(key, entry);
    if (delivered) this.delivered.add(key);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    this.upstream.destroy();
  }
}
