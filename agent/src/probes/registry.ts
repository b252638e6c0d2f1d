import type { Probe } from './types.js';
import { httpProbe } from './http.js';
import { tcpProbe } from './tcp.js';
import { icmpProbe } from './icmp.js';
import { tlsProbe } from './tls.js';
import { voipProbe } from './voip.js';
import { dnsProbe } from './dns.js';
import { sipProbe } from './sip.js';
import { statuspageProbe } from './statuspage.js';
import { googleStatusProbe } from './google-status.js';
import { m365HealthProbe } from './m365-health.js';

/** One map from check type to probe (blackbox_exporter's prober map). */
export type ProbeRegistry = ReadonlyMap<string, Probe>;

export function defaultRegistry(): ProbeRegistry {
  const probes: Probe[] = [
    httpProbe,
    tcpProbe,
    icmpProbe,
    tlsProbe,
    voipProbe,
    dnsProbe,
    sipProbe,
    statuspageProbe,
    googleStatusProbe,
    m365HealthProbe,
  ] as unknown as Probe[];
  return new Map(probes.map((p) => [p.type, p]));
}
