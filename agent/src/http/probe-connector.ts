import type { LookupFunction, Socket } from 'node:net';
import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect, type SecureContext } from 'node:tls';
import type { buildConnector as BuildConnector } from 'undici';

export interface ProbeConnectorOptions {
  rejectUnauthorized: boolean;
  secureContext: SecureContext;
  lookup: LookupFunction;
  /** The connect (and TLS handshake) deadline of the run asking, ms. */
  timeoutMs: () => number;
}

/** undici's connect-timeout error, as its own connector raises it (classifyError reads `timeout` from the code). */
class ConnectTimeoutError extends Error {
  readonly code = 'UND_ERR_CONNECT_TIMEOUT';
  constructor(ms: number) {
    super(`connect timed out after ${ms} ms`);
    this.name = 'ConnectTimeoutError';
  }
}

/**
 * The HTTP probe's connector for undici's `Client`: a plain TCP or a TLS connection of its own,
 * with what a cold probe needs and nothing a reused connection would. Why not undici's
 * buildConnector: it listens to every TLS socket's `session` event to cache sessions (also with
 * `maxCachedSessions: 0`), and a `session` listener turns on Node's session callbacks, so each of
 * the TLS 1.3 tickets a server sends after the handshake (OpenSSL sends two) was serialised to a
 * Buffer with the server's certificate in it and emitted, for nothing; and it sets TCP keep-alive
 * and a connect timer of its own on a connection the probe closes after one request.
 * Same connection otherwise: ALPN `http/1.1`, SNI from the host name (none for an IP address),
 * Nagle off, the check's verification setting and TLS context.
 */
export function probeConnector(o: ProbeConnectorOptions): BuildConnector.connector {
  return (opts, cb) => {
    const https = opts.protocol === 'https:';
    const host = opts.hostname.startsWith('[') ? opts.hostname.slice(1, -1) : opts.hostname;
    const port = Number(opts.port) || (https ? 443 : 80);
    const socket: Socket = https
      ? tlsConnect({
          host,
          port,
          servername: opts.servername || (isIP(host) ? undefined : host),
          secureContext: o.secureContext,
          rejectUnauthorized: o.rejectUnauthorized,
          ALPNProtocols: ['http/1.1'],
          lookup: o.lookup,
        })
      : netConnect({ host, port, lookup: o.lookup });
    socket.setNoDelay(true);
    let pending = true;
    const ms = o.timeoutMs();
    const timer = setTimeout(() => socket.destroy(new ConnectTimeoutError(ms)), ms);
    const settle = (err: Error | null) => {
      if (!pending) return;
      pending = false;
      clearTimeout(timer);
      if (err) cb(err as never, null as never);
      else cb(null, socket as never);
    };
    socket.once(https ? 'secureConnect' : 'connect', () => settle(null));
    // stays on: undici adds its own handlers once it has the socket, an error before that goes to cb
    socket.on('error', (err) => settle(err));
  };
}
