import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import type { SampleBatch } from '../../../shared/protocol/v1/batch.js';
import { agentCommand } from '../../../agent/src/cli.js';
import { parseAgentConfig } from '../../../agent/src/config.js';
import { startAgent } from '../../../agent/src/main.js';
import { httpProbe } from '../../../agent/src/probes/http.js';
import { icmpProbe } from '../../../agent/src/probes/icmp.js';
import { defaultRegistry } from '../../../agent/src/probes/registry.js';
import { ProbeRuntime } from '../../../agent/src/probes/runtime.js';
import { writeState } from '../../../agent/src/state.js';
import { tempDir, waitFor } from '../../helpers/net.js';
import { standInCollector } from './stand-in-collector.js';

/**
 * Raw ICMP sockets this process holds open (Linux): the inodes of /proc/net/raw entries for
 * protocol 1 that are also among this process's file descriptors. /proc/net/raw alone lists the
 * whole network namespace, where another test worker may be pinging at the same time.
 */
function openRawIcmpSockets(): number {
  const icmp = new Set<string>();
  for (const line of readFileSync('/proc/net/raw', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // local_address is "addr:protocol" in hex for a raw socket; the inode is the tenth field
    if (f.length > 9 && f[1]!.endsWith(':0001')) icmp.add(f[9]!);
  }
  let open = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target = '';
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the directory's own descriptor, gone by the time it is read
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && icmp.has(inode)) open++;
  }
  return open;
}

const ctx = (runtime: ProbeRuntime, timeoutMs = 3000) => ({
  signal: AbortSignal.timeout(timeoutMs),
  timeoutMs,
  clock: systemClock,
  logger: silentLogger(),
  runtime,
});
const listen = (s: Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));

describe("ProbeRuntime: the probes' sockets, clients and timers, owned and closed by the agent", () => {
  let server: Server;
  let port = 0;
  /** Requests to /hang are held here, unanswered, with their socket. */
  const hung: Array<{ req: IncomingMessage; socket: Socket; closed: boolean }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/hang') return void res.end('ok');
      const h = { req, socket: req.socket, closed: false };
      req.socket.once('close', () => (h.closed = true));
      hung.push(h);
    });
    port = await listen(server);
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('close() closes the shared raw ICMP socket (ICMP checks need root or CAP_NET_RAW)', async () => {
    await icmpProbe.preflight!([]);
    const before = openRawIcmpSockets();
    const runtime = new ProbeRuntime();
    const r = await icmpProbe.run({ host: '127.0.0.1', packets: 2, spacingMs: 10 }, ctx(runtime));
    expect(r.status).toBe('up');
    expect(openRawIcmpSockets()).toBe(before + 1); // the round's socket stays open for the next round
    expect(runtime.icmp.open()).toEqual([1500]);
    await runtime.close();
    expect(openRawIcmpSockets()).toBe(before);
    expect(runtime.icmp.open()).toEqual([]);
    expect(await icmpProbe.run({ host: '127.0.0.1', packets: 2, spacingMs: 10 }, ctx(runtime))).toMatchObject({ status: 'down', reason: 'error' });
    expect(openRawIcmpSockets()).toBe(before); // a closed runtime opens no new one
  });

  it('close() destroys the undici Clients it kept; a request still running fails at once instead of at its timeout', async () => {
    const runtime = new ProbeRuntime();
    const check = { url: `http://127.0.0.1:${port}/` };
    expect((await httpProbe.run(check, ctx(runtime))).status).toBe('up');
    const hanging = { url: `http://127.0.0.1:${port}/hang` };
    const pending = httpProbe.run(hanging, ctx(runtime, 30_000));
    await waitFor(() => hung.length === 1 || undefined, 'the /hang request to reach the server');
    const kept = runtime.http.clients();
    expect(kept.length).toBe(2); // one per check
    expect(kept.map((c) => c.destroyed)).toEqual([false, false]);
    await runtime.close();
    expect(kept.map((c) => c.destroyed)).toEqual([true, true]);
    expect(runtime.http.clients()).toEqual([]);
    const r = await pending;
    expect(r).toMatchObject({ status: 'down', reason: 'error' }); // not 'timeout': the Client was destroyed under it
    await waitFor(() => hung[0]!.closed || undefined, 'the server to see the connection closed');
  });

  it('after close() a run still works but keeps nothing: its Client is one-off and destroyed when it ends', async () => {
    const runtime = new ProbeRuntime();
    await runtime.close();
    expect((await httpProbe.run({ url: `http://127.0.0.1:${port}/` }, ctx(runtime))).status).toBe('up');
    expect(runtime.http.clients()).toEqual([]);
  });

  it('two runtimes share no cache: each its own Clients, raw socket, TLS contexts, native handle; closing one leaves the other working', async () => {
    const loads = { a: 0, b: 0 };
    const a = new ProbeRuntime({ loadNative: () => (loads.a++, null) });
    const b = new ProbeRuntime({ loadNative: () => (loads.b++, null) });
    const check = { url: `http://127.0.0.1:${port}/` }; // the same options object: the cache key
    const ping = { host: '127.0.0.1', packets: 2, spacingMs: 10 };
    const before = openRawIcmpSockets();
    for (const rt of [a, b]) {
      expect((await httpProbe.run(check, ctx(rt))).status).toBe('up');
      expect((await icmpProbe.run(ping, ctx(rt))).status).toBe('up');
    }
    const [clientA, clientB] = [a.http.clients(), b.http.clients()];
    expect([clientA.length, clientB.length]).toEqual([1, 1]);
    expect(clientA[0]).not.toBe(clientB[0]);
    expect(openRawIcmpSockets()).toBe(before + 2); // one shared socket per runtime, not one per process
    expect(a.icmp.session(1500)).not.toBe(b.icmp.session(1500));
    expect(a.tls.contextFor(check)).toBe(a.tls.contextFor(check));
    expect(a.tls.contextFor(check)).not.toBe(b.tls.contextFor(check));
    expect([a.native, a.native, b.native]).toEqual([null, null, null]);
    expect(loads).toEqual({ a: 1, b: 1 });
    expect(a.pacer).not.toBe(b.pacer);

    await a.close();
    expect([clientA[0]!.destroyed, clientB[0]!.destroyed]).toEqual([true, false]);
    expect(openRawIcmpSockets()).toBe(before + 1);
    expect((await icmpProbe.run(ping, ctx(b))).status).toBe('up');
    expect((await httpProbe.run(check, ctx(b))).status).toBe('up');
    expect(b.http.clients()).toEqual(clientB); // b kept its Client across a's close
    await b.close();
    expect(openRawIcmpSockets()).toBe(before);
  });
});

/**
 * The agent's own wiring: startAgent makes one ProbeRuntime and stop() closes it; run-once makes
 * one and closes it before it prints. Seen from outside, as the raw ICMP sockets this process
 * holds (ICMP checks need root or CAP_NET_RAW): the shared socket stays open between rounds, so
 * only closing the runtime gives it back.
 */
describe('the agent closes its probe runtime', () => {
  const dir = tempDir();
  const registry = defaultRegistry();
  let collector: Awaited<ReturnType<typeof standInCollector>>;
  let collectorUrl = '';
  let ingested: SampleBatch[] = [];

  beforeAll(async () => {
    collector = await standInCollector();
    collectorUrl = collector.url;
    ingested = collector.batches;
  });
  afterAll(() => {
    collector.close();
    dir.remove();
  });

  const ping = { id: 'ping', type: 'icmp', host: '127.0.0.1', packets: 2, spacingMs: 10, interval: '1s', timeout: '500ms' };

  it('stop() closes the shared raw ICMP socket the checks kept open between rounds', async () => {
    const stateDir = join(dir.path, 'state');
    writeState(stateDir, { agentId: 'acme.stop', agentToken: 'x'.repeat(64), clientId: 'acme', siteId: 'hq', collectorUrl, lastSeq: 0 });
    const config = parseAgentConfig(
      {
        collector: { url: collectorUrl },
        stateDir,
        checks: [ping],
        send: { flushInterval: '100ms' },
        schedule: { slot: '100ms' },
        host: { enabled: false },
        memory: { trim: false },
      },
      'agent.yaml',
      registry,
      dir.path,
    );
    const before = openRawIcmpSockets();
    const agent = await startAgent(config, registry, silentLogger());
    try {
      const sample = await waitFor(
        () => ingested.flatMap((b) => b.samples).find((s) => s.kind === 'check' && s.checkId === 'ping'),
        'a ping result at the collector',
      );
      expect(sample).toMatchObject({ status: 'up', metrics: { loss_ratio: 0 } });
      expect(openRawIcmpSockets()).toBe(before + 1);
    } finally {
      await agent.stop();
    }
    expect(openRawIcmpSockets()).toBe(before);
  });

  it('run-once runs every check on one runtime and closes it before it prints', async () => {
    const file = join(dir.path, 'once.yaml');
    writeFileSync(file, stringify({ collector: { url: collectorUrl }, stateDir: './once', checks: [ping, { ...ping, id: 'ping2', packets: 3 }] }));
    const before = openRawIcmpSockets();
    let printed = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      // the runtime is closed by the time results are printed: the round's socket is gone
      expect(openRawIcmpSockets()).toBe(before);
      return true;
    });
    try {
      await agentCommand().exitOverride().parseAsync(['run-once', '-c', file, '--json'], { from: 'user' });
    } finally {
      write.mockRestore();
    }
    const { results } = JSON.parse(printed) as { results: Array<{ checkId: string; status: string }> };
    expect(results.map((r) => [r.checkId, r.status])).toEqual([
      ['ping', 'up'],
      ['ping2', 'up'],
    ]);
    expect(openRawIcmpSockets()).toBe(before);
  });
});
