import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What the proxy does with the next requests to a path: pass them to the collector, answer a
 * status itself, accept and never answer, or pass them and cut the connection before the answer
 * (the collector stored it; the agent never learns).
 */
export type Fault = { kind: 'pass' } | { kind: 'status'; status: number; headers?: Record<string, string> } | { kind: 'hang' } | { kind: 'lose-answer' };

export interface Passed {
  path: string;
  /** The (injected) clock's time the request arrived at. */
  at: number;
  /** The batch's seq (ingest requests). */
  seq?: number;
  /** The collector's answer status; undefined when the proxy answered (or hung) itself. */
  status: number | undefined;
  fault: Fault['kind'];
}

/**
 * A WAN between agent and collector on loopback, owned by the test (../shared/PEERS.md: the
 * kernel here has no netem). `down()` closes the listener, so the agent meets connection refused
 * as at a real outage; `up()` listens again on the same port. Faults are queued per request.
 */
export function faultProxy(collectorPort: number, now: () => number = Date.now) {
  const queue: Fault[] = [];
  const log: Passed[] = [];
  const sockets = new Set<Socket>();
  const held: ServerResponse[] = [];
  let server: Server | undefined;
  let port = 0;
  let ingestOnly = true;

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, fault: Fault, at: number, seq: number | undefined) => {
    const out = request(
      { host: '127.0.0.1', port: collectorPort, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${collectorPort}` } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (d: Buffer) => chunks.push(d));
        answer.on('end', () => {
          log.push({ path: req.url ?? '', at, seq, status: answer.statusCode, fault: fault.kind });
          if (fault.kind === 'lose-answer') return void res.socket?.destroy();
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(chunks));
        });
      },
    );
    out.on('error', () => res.socket?.destroy());
    out.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const at = now();
      const seq = req.url === '/api/v1/ingest' ? Number(/"seq":(\d+)/.exec(Buffer.concat(chunks).toString('utf8'))?.[1]) : undefined;
      const faulted = !ingestOnly || req.url === '/api/v1/ingest';
      const fault = (faulted && queue.shift()) || { kind: 'pass' as const };
      if (fault.kind === 'status') {
        log.push({ path: req.url ?? '', at, seq, status: undefined, fault: 'status' });
        return void res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end('{"error":{"code":"VIGIL_ERR_TEST"}}');
      }
      if (fault.kind === 'hang') {
        log.push({ path: req.url ?? '', at, seq, status: undefined, fault: 'hang' });
        return void held.push(res);
      }
      forward(req, Buffer.concat(chunks), res, fault, at, seq);
    });
  };

  const p = {
    log,
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    /** The next `n` ingest requests (every request when `allPaths`) meet this fault. */
    next(fault: Fault, n = 1, allPaths = false) {
      ingestOnly = !allPaths;
      for (let i = 0; i < n; i++) queue.push(fault);
    },
    get queued() {
      return queue.length;
    },
    /** Arrival times of the ingest requests. */
    ingestTimes: () => log.filter((l) => l.path === '/api/v1/ingest').map((l) => l.at),
    /** The seqs of the batches the collector acknowledged (2xx), in the order it answered. */
    ackedSeqs: () => log.flatMap((l) => (l.path === '/api/v1/ingest' && l.status !== undefined && l.status < 300 && l.seq !== undefined ? [l.seq] : [])),
    /** Ingest requests the collector answered with this status. */
    answered: (status: number) => log.filter((l) => l.path === '/api/v1/ingest' && l.status === status).length,
    faulted: (kind: Fault['kind']) => log.filter((l) => l.fault === kind).length,
    up: () =>
      new Promise<void>((resolve) => {
        server = createServer(handle);
        server.on('connection', (s) => {
          sockets.add(s);
          s.once('close', () => sockets.delete(s));
        });
        server.listen(port, '127.0.0.1', () => {
          port = (server!.address() as { port: number }).port;
          resolve();
        });
      }),
    /** The WAN goes down: nothing listens, open connections are reset. */
    down: () =>
      new Promise<void>((resolve) => {
        for (const r of held.splice(0)) r.socket?.destroy();
        for (const s of sockets) s.destroy();
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
  };
  return p;
}
export type FaultProxy = ReturnType<typeof faultProxy>;
