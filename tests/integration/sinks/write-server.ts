import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** How the server answers the next write requests. */
export type WriteMode =
  | { kind: 'accept' }
  /** `times`: answer so that many requests, then accept again. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string; times?: number }
  | { kind: 'hang' };

export interface WriteRequest {
  path: string;
  authorization: string | undefined;
  lines: string[];
  status: number | 'hung';
}

/**
 * A loopback HTTP server speaking the InfluxDB v2 write API as far as a writer sees it
 * (POST /api/v2/write → 204), whose answers the test sets: a 401 for a wrong token, a 400, a
 * 429 with Retry-After, or no answer at all. It records every request and the lines of the accepted ones.
 */
export async function startWriteServer(initial: WriteMode = { kind: 'accept' }) {
  let mode: WriteMode = { ...initial };
  const requests: WriteRequest[] = [];
  const hung: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const text = body.toString('utf8');
      const r: WriteRequest = { path: req.url ?? '', authorization: req.headers.authorization, lines: [], status: 'hung' };
      requests.push(r);
      const m = mode;
      if (m.kind === 'hang') return void hung.push(res);
      if (m.kind === 'status') {
        r.status = m.status;
        if (m.times !== undefined && --m.times <= 0) mode = { kind: 'accept' };
        return void res
          .writeHead(m.status, { 'content-type': 'application/json', ...m.headers })
          .end(m.body ?? JSON.stringify({ code: 'x', message: `status ${m.status}` }));
      }
      r.status = 204;
      r.lines = text.split('\n').filter((l) => l !== '');
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    requests,
    /** Every line the server accepted, in arrival order. */
    accepted: () => requests.flatMap((r) => r.lines),
    /** Requests held open without an answer (mode hang). */
    hanging: () => hung.length,
    /** Requests answered with `status`. */
    answered: (status: number) => requests.filter((r) => r.status === status).length,
    /** Cuts the connections of the requests held open (the writer sees a reset). */
    cut() {
      for (const res of hung.splice(0)) res.socket?.destroy();
    },
    set(next: WriteMode) {
      mode = { ...next };
    },
    async close() {
      for (const res of hung.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type WriteServer = Awaited<ReturnType<typeof startWriteServer>>;
