import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { Socket } from 'node:net';
import { createSecureContext, type TLSSocket } from 'node:tls';
import type { buildConnector as BuildConnector } from 'undici';
import { probeConnector } from '../http/probe-connector.js';
import { Client, MAX_HEADER_SIZE } from '../http/undici.js';

/** What the connector measures during one run of a check (its phases land in `m`). */
export interface HttpRun {
  m: Record<string, number>;
  certExpiry?: number;
  now: number;
  /** The run's deadline: also the connect's (ms). */
  timeoutMs?: number;
}

/** A connect without a run's deadline (none asked): undici's own default. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

interface Conn {
  /** One Client per origin this check reaches (its URL, and where it redirects to). */
  clients: Map<string, Client>;
  connect: BuildConnector.connector;
  run?: HttpRun;
  /** In the cache: its Clients are kept (and destroyed by close()); else each is destroyed after its run. */
  kept: boolean;
}

/** One run's hold on its check's connection state; `end()` releases it. */
export interface HttpLease {
  clientFor(origin: string): Client;
  end(): void;
}

/** Origins a check may keep a Client for (its own and a few redirect targets); beyond that, one-off. */
const MAX_ORIGINS = 4;

/**
 * A probe socket's destroy(). undici closes a `reset` connection with
 * `socket.destroy(new InformationalError('reset'))`, and Node's stream code reads that error's
 * `stack` (streams/destroy.js, checkError), so every run of an HTTP check formatted a stack trace
 * in the interpreter: ≈ 2 % of the bench agent's CPU (perf). That error is expected and reported
 * nowhere: its stack is set to its first line before it goes in. Every other error is untouched.
 */
function destroyQuietly(this: Socket, err?: Error): Socket {
  if (err && (err as { code?: unknown }).code === 'UND_ERR_INFO') err.stack = `${err.name}: ${err.message}`;
  return (Object.getPrototypeOf(this) as Socket).destroy.call(this, err);
}

/**
 * One connector (with its TLS context) and one undici Client per origin, per check (keyed by
 * its options object), built once instead of on every run. Every run still measures a cold
 * request: the request closes its connection (`reset`) and no TLS session is kept (probe-connector.ts), so each
 * run does its own DNS lookup, connect and full handshake, as blackbox_exporter does.
 * Held by the agent's ProbeRuntime: close() destroys every Client it kept.
 */
export class HttpConnections {
  private readonly conns = new Map<object, Conn>();
  private closed = false;

  /** The check's connector and Clients for one run, measuring into `run`. */
  begin(o: { insecureSkipVerify?: boolean }, run: HttpRun): HttpLease {
    const conn = this.connFor(o);
    const oneOff: Client[] = [];
    conn.run = run;
    return {
      clientFor: (origin) => this.clientFor(conn, origin, oneOff),
      end: () => {
        conn.run = undefined;
        for (const c of oneOff) void c.destroy().catch(() => undefined);
      },
    };
  }

  /** Clients kept for checks (for tests: close() must leave none undestroyed). */
  clients(): Client[] {
    return [...this.conns.values()].flatMap((c) => [...c.clients.values()]);
  }

  /** Destroys every kept Client (a request still running fails); later runs get one-off Clients only. */
  async close(): Promise<void> {
    this.closed = true;
    const all = this.clients();
    this.conns.clear();
    await Promise.all(all.map((c) => c.destroy().catch(() => undefined)));
  }

  private connFor(o: { insecureSkipVerify?: boolean }): Conn {
    const cached = this.conns.get(o);
    if (cached && !cached.run) return cached;
    // a run of the same options already going (run-once, tests) gets a one-off; after close, every run does
    const conn = { clients: new Map(), kept: !cached && !this.closed } as Conn;
    const lookup = (host: string, opts: object, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
      const s = performance.now();
      dnsLookup(host, opts as never, (err, address, family) => {
        if (conn.run) conn.run.m.dns_seconds = (performance.now() - s) / 1000;
        cb(err, address as never, family);
      });
    };
    const connector = probeConnector({
      rejectUnauthorized: !o.insecureSkipVerify,
      lookup: lookup as never,
      secureContext: createSecureContext(),
      timeoutMs: () => conn.run?.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    });
    conn.connect = (opts, cb) => {
      const s = performance.now();
      connector(opts, (err, socket) => {
        if (socket) (socket as Socket).destroy = destroyQuietly;
        const run = conn.run;
        if (!err && socket && run) {
          const done = (performance.now() - s) / 1000;
          if (opts.protocol === 'https:') {
            run.m.tls_seconds = done - (run.m.dns_seconds ?? 0);
            const validTo = (socket as TLSSocket).getPeerX509Certificate?.()?.validTo;
            if (validTo) run.certExpiry = (Date.parse(validTo) - run.now) / 86_400_000;
          } else run.m.connect_seconds = done - (run.m.dns_seconds ?? 0);
        }
        cb(err as never, socket as never);
      });
    };
    if (conn.kept) this.conns.set(o, conn);
    return conn;
  }

  private clientFor(conn: Conn, origin: string, oneOff: Client[]): Client {
    let client = conn.clients.get(origin);
    if (client) return client;
    client = new Client(origin, { connect: conn.connect, maxHeaderSize: MAX_HEADER_SIZE, pipelining: 1 });
    if (conn.kept && !this.closed && conn.clients.size < MAX_ORIGINS) conn.clients.set(origin, client);
    else oneOff.push(client);
    return client;
  }
}
