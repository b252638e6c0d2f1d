import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps, type Server as HttpsServer } from 'node:https';
import type { Logger } from '../../shared/logger.js';
import type { SecurityConfig } from './security-config.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The collector's cert and key (PEM), read at start and again on SIGHUP. */
export const readTls = (t: NonNullable<SecurityConfig['tls']>) => ({ cert: readFileSync(t.certFile), key: readFileSync(t.keyFile) });

/**
 * The HTTP(S) server under fastify, held to the connection rules of `security:`: a whole request
 * (body included) within requestTimeout, its headers within headersTimeout, an idle keep-alive
 * connection closed after keepAliveTimeout, and at most `maxConnections` open — past that a new
 * connection is closed at once, counted, and logged (once a minute), instead of the process
 * running out of descriptors. The timeouts are checked every second, so a slow body is cut
 * within a second of its deadline.
 */
export function collectorServer(s: SecurityConfig, logger: Logger, onCapped: () => void): (handler: Handler) => Server | HttpsServer {
  return (handler) => {
    const options = {
      requestTimeout: s.requestTimeoutMs,
      headersTimeout: Math.min(s.headersTimeoutMs, s.requestTimeoutMs),
      keepAliveTimeout: s.keepAliveTimeoutMs,
      connectionsCheckingInterval: 1000,
    };
    const server = s.tls ? createHttps({ ...options, ...readTls(s.tls) }, handler) : createHttp(options, handler);
    server.maxConnections = s.maxConnections;
    // Node holds a started request to its deadlines, not a connection that never sends a byte: until its
    // first request, a socket gets the headers deadline as an idle timeout (then keep-alive rules apply)
    server.on('connection', (socket) => socket.setTimeout(s.headersTimeoutMs, () => socket.destroy()));
    server.on('request', (req: IncomingMessage) => req.socket.setTimeout(0));
    let loggedAt = -Infinity;
    server.on('drop', (d?: { remoteAddress?: string }) => {
      onCapped();
      const now = Date.now();
      if (now - loggedAt < 60_000) return;
      loggedAt = now;
      logger.warn(
        { maxConnections: s.maxConnections, from: d?.remoteAddress },
        'connection cap reached: new connections are closed (security.connections.max; vigil_http_refused_total{reason="connection-cap"})',
      );
    });
    return server;
  };
}
