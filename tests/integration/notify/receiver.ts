import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { NotificationMessage } from '../../../collector/src/notify/channel.js';

/** What a receiver saw of one request: exactly the bytes on the wire, not a re-serialisation. */
export interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  requests: Captured[];
  /** TCP connections accepted so far: tells whether keep-alive sockets were reused. */
  connections(): number;
  close(): Promise<void>;
}

export type Reply = (req: Captured, res: ServerResponse) => void;

const okReply: Reply = (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');

/** A real HTTP server on 127.0.0.1 (free port) that records every request, then replies. */
export async function startReceiver(reply: Reply = okReply): Promise<Receiver> {
  const requests: Captured[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req
      .on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => {
        const captured = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        requests.push(captured);
        reply(captured, res);
      });
  });
  server.on('connection', () => void connections++);
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // hanging requests and keep-alive sockets too
        server.close(() => resolve());
      }),
  };
}

/** A realistic opened-incident message; override what a test is about. */
export function sampleMessage(over: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    event: 'incident.opened',
    title: 'DOWN acme/network (p1)',
    text: 'acme/network is down since 2026-10-05 10:00:00 UTC.\nMembers down: fw-1, sw-1\nAcknowledge: https://vigil.example/ack/abc',
    severity: 'critical',
    client: 'acme',
    service: 'network',
    priority: 'p1',
    incident: {
      id: 42,
      kind: 'service-down',
      status: 'open',
      startedAt: '2026-10-05T10:00:00.000Z',
      detectedAt: '2026-10-05T10:00:30.000Z',
      membersDown: ['fw-1', 'sw-1'],
    },
    ackUrl: 'https://vigil.example/ack/abc',
    incidentUrl: 'https://vigil.example/api/v1/incidents/42',
    sentAt: '2026-10-05T10:00:31.000Z',
    ...over,
  };
}

/** The same incident, resolved after 12 minutes. */
export function resolvedMessage(over: Partial<NotificationMessage> = {}): NotificationMessage {
  const base = sampleMessage();
  return {
    ...base,
    event: 'incident.resolved',
    title: 'UP acme/network (p1), down 12m 00s',
    text: 'acme/network is up again after 12m 00s.',
    incident: { ...base.incident, status: 'resolved', resolvedAt: '2026-10-05T10:12:00.000Z', durationSeconds: 720 },
    ...over,
  };
}

export const never = (): AbortSignal => new AbortController().signal;
