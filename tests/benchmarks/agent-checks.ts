/**
 * The 50-check mix of bench:agent, spread over every probe type the registry offers
 * that this bench has a loopback target for. Weights follow a typical MSP site: many
 * HTTP(S) and TCP service checks, gateway pings, a few certificate and VoIP path checks.
 */
import type { Targets } from './agent-targets.js';

type Check = Record<string, unknown> & { id: string; type: string };
type Make = (t: Targets, i: number) => Record<string, unknown> & { type: string };

/** Per mix entry: weight and how to build the i-th check of it. Order = tie-break order. */
const MIX: Array<{ key: string; type: string; weight: number; make: Make }> = [
  {
    key: 'http',
    type: 'http',
    weight: 12,
    make: (t, i) => ({
      type: 'http',
      url: `http://127.0.0.1:${t.httpPort}/${i % 2 ? 'health' : ''}`,
      ...(i % 2 ? { keyword: 'ok', expectStatus: [200] } : {}),
    }),
  },
  {
    key: 'https',
    type: 'http',
    weight: 8,
    make: (t, i) => ({ type: 'http', url: `https://127.0.0.1:${t.httpsPort}/${i % 2 ? 'health' : ''}`, insecureSkipVerify: true }),
  },
  { key: 'tcp', type: 'tcp', weight: 10, make: (t) => ({ type: 'tcp', host: '127.0.0.1', port: t.tcpPort }) },
  { key: 'icmp', type: 'icmp', weight: 8, make: () => ({ type: 'icmp', host: '127.0.0.1', packets: 5 }) },
  { key: 'tls', type: 'tls', weight: 7, make: (t) => ({ type: 'tls', host: '127.0.0.1', port: t.httpsPort, insecureSkipVerify: true, warnDays: 14 }) },
  { key: 'voip', type: 'voip', weight: 5, make: (t) => ({ type: 'voip', host: '127.0.0.1', port: t.voipPort, packets: 50 }) },
  {
    key: 'dns',
    type: 'dns',
    weight: 6,
    make: (t, i) => ({
      type: 'dns',
      name: `host${i}.bench.test`,
      server: `127.0.0.1:${t.dnsPort}`,
      ...(i % 2 ? { recordType: 'MX' } : { expect: ['192.0.2.10'] }),
    }),
  },
  { key: 'sip', type: 'sip', weight: 4, make: (t, i) => ({ type: 'sip', host: '127.0.0.1', port: t.sipPort, transport: i % 3 === 2 ? 'tcp' : 'udp' }) },
];

/** Spreads `total` over the available mix entries by weight (largest remainder), then builds the checks. */
export function buildChecks(total: number, types: ReadonlySet<string>, t: Targets, intervalS: number): { checks: Check[]; byKind: Record<string, number> } {
  const mix = MIX.filter((m) => types.has(m.type));
  const sum = mix.reduce((a, m) => a + m.weight, 0);
  const counts = mix.map((m) => Math.floor((total * m.weight) / sum));
  const byRemainder = mix.map((m, i) => ({ i, r: (total * m.weight) / sum - counts[i]! })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; counts.reduce((a, b) => a + b, 0) < total; k++) counts[byRemainder[k % mix.length]!.i]!++;
  const checks: Check[] = [];
  const byKind: Record<string, number> = {};
  mix.forEach((m, k) => {
    byKind[m.key] = counts[k]!;
    for (let i = 0; i < counts[k]!; i++) {
      checks.push({ id: `${m.key}-${i + 1}`, interval: `${intervalS}s`, timeout: '5s', labels: { service: m.key }, ...m.make(t, i) });
    }
  });
  return { checks, byKind };
}

/** Probe types the bench skips because it has no loopback target for them yet. */
export function unsupportedTypes(types: ReadonlySet<string>): string[] {
  const known = new Set(MIX.map((m) => m.type));
  return [...types].filter((x) => !known.has(x));
}
