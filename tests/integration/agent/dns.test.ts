import { createSocket, type Socket } from 'node:dgram';
import dnsPacket, { type Answer, type Question } from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../shared/clock.js';
import { VigilError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/logger.js';
import { parseAgentConfig } from '../../../agent/src/config.js';
import { dnsProbe } from '../../../agent/src/probes/dns.js';
import { defaultRegistry } from '../../../agent/src/probes/registry.js';
import { ProbeRuntime } from '../../../agent/src/probes/runtime.js';

const runtime = new ProbeRuntime();
afterAll(() => runtime.close());
const ctx = (timeoutMs = 2000) => ({ signal: AbortSignal.timeout(timeoutMs), timeoutMs, clock: systemClock, logger: silentLogger(), runtime });
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

/** The zone the test server knows; every other name is NXDOMAIN. */
function answer(q: Question): { rcode: number; answers: Answer[] } | 'silent' {
  const name = q.name.toLowerCase();
  if (name === 'silent.test') return 'silent';
  if (name === 'broken.test') return { rcode: RCODE.SERVFAIL, answers: [] };
  if (name === 'private.test') return { rcode: RCODE.REFUSED, answers: [] };
  if (name === '1.0.0.127.in-addr.arpa' && q.type === 'PTR')
    return { rcode: RCODE.NOERROR, answers: [{ name: q.name, ttl: 60, type: 'PTR', data: 'loopback.ok.test' }] };
  if (name !== 'ok.test') return { rcode: RCODE.NXDOMAIN, answers: [] };
  const base = { name: q.name, ttl: 60 } as const;
  if (q.type === 'A')
    return {
      rcode: RCODE.NOERROR,
      answers: [
        { ...base, type: 'A', data: '192.0.2.10' },
        { ...base, type: 'A', data: '192.0.2.11' },
      ],
    };
  if (q.type === 'MX') return { rcode: RCODE.NOERROR, answers: [{ ...base, type: 'MX', data: { preference: 10, exchange: 'mail.ok.test' } }] };
  if (q.type === 'TXT') return { rcode: RCODE.NOERROR, answers: [{ ...base, type: 'TXT', data: ['v=spf1 ', '-all'] }] };
  return { rcode: RCODE.NOERROR, answers: [] }; // NODATA: the name exists, not this type
}

/** A real UDP DNS server on loopback; `queries` records what it was asked, so a test can see it was reached. */
async function startDnsServer(): Promise<{ port: number; queries: string[]; close(): void }> {
  const sock = createSocket('udp4');
  const queries: string[] = [];
  sock.on('message', (msg, from) => {
    const query = dnsPacket.decode(msg);
    const q = query.questions?.[0];
    if (!q) return;
    queries.push(`${q.name} ${q.type}`);
    const a = answer(q);
    if (a === 'silent') return;
    const reply = dnsPacket.encode({ type: 'response', id: query.id, flags: dnsPacket.AUTHORITATIVE_ANSWER | a.rcode, questions: [q], answers: a.answers });
    sock.send(reply, from.port, from.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, queries, close: () => sock.close() };
}

/** A UDP port with nothing bound to it: the kernel answers with ICMP port unreachable. */
async function closedUdpPort(): Promise<number> {
  const s: Socket = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(r));
  return port;
}

describe('dns probe against a real UDP DNS server on loopback', () => {
  let server: Awaited<ReturnType<typeof startDnsServer>>;
  let at: string;
  beforeAll(async () => {
    server = await startDnsServer();
    at = `127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  it('A: up with both answers counted and a lookup time', async () => {
    const r = await dnsProbe.run({ name: 'ok.test', server: at }, ctx());
    expect(r).toMatchObject({ status: 'up', metrics: { answers: 2 } });
    expect(r.metrics.lookup_seconds).toBeGreaterThan(0);
    expect(server.queries).toContain('ok.test A');
  });

  it('MX and TXT: expect matches literal answers and regexes', async () => {
    const mx = await dnsProbe.run({ name: 'ok.test', recordType: 'MX', server: at, expect: ['10 mail.ok.test.', '/mail\\.OK/i'] }, ctx());
    expect(mx).toMatchObject({ status: 'up', metrics: { answers: 1 } });
    // TXT character-strings are joined, as in the zone: "v=spf1 " + "-all".
    const txt = await dnsProbe.run({ name: 'ok.test', recordType: 'TXT', server: at, expect: ['v=spf1 -all'] }, ctx());
    expect(txt).toMatchObject({ status: 'up', metrics: { answers: 1 } });
    const a = await dnsProbe.run({ name: 'OK.test', server: at, expect: ['192.0.2.11'] }, ctx());
    expect(a.status).toBe('up');
  });

  it('PTR for an IP address asks the server for its in-addr.arpa name (not /etc/hosts)', async () => {
    const r = await dnsProbe.run({ name: '127.0.0.1', recordType: 'PTR', server: at, expect: ['loopback.ok.test'] }, ctx());
    expect(r).toMatchObject({ status: 'up', metrics: { answers: 1 } });
    expect(server.queries).toContain('1.0.0.127.in-addr.arpa PTR');
  });

  it('expect mismatch: down with reason answer, naming the missing entry and the answers seen', async () => {
    const r = await dnsProbe.run({ name: 'ok.test', server: at, expect: ['192.0.2.10', '198.51.100.7'] }, ctx());
    expect(r).toMatchObject({ status: 'down', reason: 'answer', metrics: { answers: 2 } });
    expect(r.message).toContain('198.51.100.7');
    expect(r.message).toContain('192.0.2.11');
    expect(r.message).not.toContain('"192.0.2.10"');
  });

  it('NXDOMAIN and NODATA: reason dns, or answer when an answer was expected', async () => {
    const nx = await dnsProbe.run({ name: 'missing.test', server: at }, ctx());
    expect(nx).toMatchObject({ status: 'down', reason: 'dns', metrics: { answers: 0 } });
    expect(nx.message).toContain('NXDOMAIN');
    const nodata = await dnsProbe.run({ name: 'ok.test', recordType: 'AAAA', server: at }, ctx());
    expect(nodata).toMatchObject({ status: 'down', reason: 'dns' });
    expect(nodata.message).toContain('NODATA');
    const expected = await dnsProbe.run({ name: 'missing.test', server: at, expect: ['192.0.2.10'] }, ctx());
    expect(expected).toMatchObject({ status: 'down', reason: 'answer' });
    expect(expected.message).toContain('NXDOMAIN');
  });

  it('SERVFAIL and REFUSED: reason dns with the rcode in the message', async () => {
    const servfail = await dnsProbe.run({ name: 'broken.test', server: at }, ctx());
    expect(servfail).toMatchObject({ status: 'down', reason: 'dns' });
    expect(servfail.message).toContain('SERVFAIL');
    const refused = await dnsProbe.run({ name: 'private.test', server: at }, ctx());
    expect(refused).toMatchObject({ status: 'down', reason: 'dns' });
    expect(refused.message).toContain('REFUSED');
  });

  it('a server that never answers: timeout, cut off by the check signal', async () => {
    const r = await dnsProbe.run({ name: 'silent.test', server: at }, ctx(400));
    expect(r).toMatchObject({ status: 'down', reason: 'timeout' });
    expect(server.queries).toContain('silent.test A');
  });

  it('nothing listening on the server port: refused', async () => {
    const r = await dnsProbe.run({ name: 'ok.test', server: `127.0.0.1:${await closedUdpPort()}` }, ctx());
    expect(r).toMatchObject({ status: 'down', reason: 'refused' });
  });

  it('a regex that does not compile is a config result, not an exception', async () => {
    const r = await dnsProbe.run({ name: 'ok.test', server: at, expect: ['/[unclosed/'] }, ctx());
    expect(r).toMatchObject({ status: 'down', reason: 'config' });
  });
});

describe('dns check config', () => {
  it('parseAgentConfig lists a dns check without name and a bad record type with their paths', () => {
    const raw = {
      collector: { url: 'http://127.0.0.1:1' },
      stateDir: '/tmp/x',
      checks: [
        { id: 'd1', type: 'dns', server: '127.0.0.1:53' },
        { id: 'd2', type: 'dns', name: 'ok.test', recordType: 'ANY' },
      ],
    };
    let err: unknown;
    try {
      parseAgentConfig(raw, 'agent.yaml', defaultRegistry());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VigilError);
    const problems = (err as VigilError).problems;
    expect(problems).toContainEqual(expect.objectContaining({ path: '/checks/0', message: expect.stringContaining('name') }));
    expect(problems.some((p) => p.path === '/checks/1/recordType')).toBe(true);
  });
});
