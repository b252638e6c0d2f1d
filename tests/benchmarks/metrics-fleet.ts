/**
 * The 10,000-endpoint fleet of bench:metrics and bench:dashboards: 200 clients × 5 sites, one agent
 * per site with 10 checks (4 http with their timing phases, 2 tcp, 2 icmp and 1 voip path with MOS,
 * jitter, loss and latency, 1 dns), each check in one of its client's 5 SLA services (10 members,
 * across the sites), and the host figures of every agent (CPU, memory, a disk, a link). Enrolled for
 * real through the collector's API; batches are assembled from per-check fragments built once, so
 * the load generator spends microseconds per body.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CLIENTS = 200;
export const SITES_PER_CLIENT = 5;
export const CHECKS_PER_AGENT = 10;
export const SERVICES_PER_CLIENT = 5;
const TIMEOUT_MS = 30_000;

export interface FleetAgent {
  /** Its place in the fleet (0 … 999). */
  index: number;
  agentId: string;
  token: string;
  client: string;
  site: string;
}

const clientId = (c: number) => `client-${String(c).padStart(3, '0')}`;
const siteId = (c: number, s: number) => `site-${String(c).padStart(3, '0')}-${s}`;
const checkId = (site: string, k: number) => `${site}.chk-${k}`;
const TYPES = ['http', 'http', 'http', 'http', 'tcp', 'tcp', 'icmp', 'icmp', 'voip', 'dns'] as const;
const serviceOf = (k: number) => `svc-${k % SERVICES_PER_CLIENT}`;

/** One SLA definition per client: service svc-j holds check j and j+5 of each of its sites. */
export function writeDefinitions(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let c = 0; c < CLIENTS; c++) {
    const services = Array.from({ length: SERVICES_PER_CLIENT }, (_, j) => {
      const members = Array.from({ length: SITES_PER_CLIENT }, (_, s) => [checkId(siteId(c, s), j), checkId(siteId(c, s), j + SERVICES_PER_CLIENT)]).flat();
      return `  - { id: svc-${j}, target: 99.9, members: [${members.join(', ')}] }`;
    });
    writeFileSync(join(dir, `${clientId(c)}.yaml`), `client: ${clientId(c)}\ntimezone: UTC\nservices:\n${services.join('\n')}\n`);
  }
}

async function post<T>(url: string, body: unknown, token: string | undefined, want: number): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    signal: AbortSignal.timeout(TIMEOUT_MS),
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await res.text();
  if (res.status !== want) throw new Error(`POST ${new URL(url).pathname}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Runs `fn(i)` for i in [0, n) with at most `width` in flight. */
export async function each(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** Enrolls one agent per site (an enrollment token per site, as an installer would use). */
export async function enrollFleet(base: string, adminToken: string): Promise<FleetAgent[]> {
  const out: FleetAgent[] = new Array(CLIENTS * SITES_PER_CLIENT);
  await each(out.length, 8, async (i) => {
    const client = clientId(Math.floor(i / SITES_PER_CLIENT));
    const site = siteId(Math.floor(i / SITES_PER_CLIENT), i % SITES_PER_CLIENT);
    const { token } = await post<{ token: string }>(`${base}/api/v1/admin/enrollment-tokens`, { clientId: client, siteId: site }, adminToken, 201);
    const r = await post<{ agentId: string; agentToken: string }>(
      `${base}/api/v1/enroll`,
      { token, hostname: `${site}.edge`, agentVersion: '0.1.0' },
      undefined,
      201,
    );
    out[i] = { index: i, agentId: r.agentId, token: r.agentToken, client, site };
  });
  return out;
}

/** The heartbeat of an agent: its catalogue, its spool and send figures, what it runs (version, OS, configuration). */
export function heartbeatBody(a: FleetAgent, now: number): string {
  return JSON.stringify({
    agentId: a.agentId,
    sentAt: now,
    agentVersion: '0.1.0',
    uptimeSeconds: 3600,
    queuedBatches: 0,
    intervalSeconds: 15,
    checks: TYPES.map((type, k) => ({ id: checkId(a.site, k), type, intervalSeconds: 10, timeoutSeconds: 5, target: `svc-${k}.example.invalid:443` })),
    // 1 agent in 20 has a backlog in its spool (a link that was down a while)
    spool: {
      batches: a.index % 20 === 0 ? 12 : 0,
      bytes: a.index % 20 === 0 ? 98_304 : 0,
      oldestAgeSeconds: a.index % 20 === 0 ? 95 : 0,
      droppedBatches: 0,
      droppedSamples: 0,
      corruptRecords: 0,
    },
    send: { refusedSamples: 0, tooLargeSamples: 0, rejectedSamples: 0 },
    config: { source: 'local', version: `cfg-${a.index % 3}`, state: 'applied' },
    os: 'linux 6.1.0-18-amd64 x64',
  });
}

export const sendHeartbeats = (base: string, agents: readonly FleetAgent[]) =>
  each(agents.length, 8, async (i) => {
    await post(`${base}/api/v1/heartbeat`, heartbeatBody(agents[i]!, Date.now()), agents[i]!.token, 200);
  });

/** The figures of check k (by its type); `jitter` varies them a little from round to round. */
function figures(k: number, jitter: number): string {
  const j = (v: number) => Number((v * (1 + jitter)).toPrecision(6));
  switch (TYPES[k]) {
    case 'http':
      return `{"dns_seconds":${j(0.002)},"connect_seconds":${j(0.004)},"tls_seconds":${j(0.021)},"first_byte_seconds":${j(0.052)},"total_seconds":${j(0.061)}}`;
    case 'tcp':
      return `{"connect_seconds":${j(0.003)}}`;
    case 'icmp':
      return `{"loss_ratio":0,"rtt_avg_seconds":${j(0.018)},"rtt_min_seconds":${j(0.015)},"rtt_max_seconds":${j(0.025)},"jitter_seconds":${j(0.002)},"mos":${j(4.3)}}`;
    case 'voip':
      return `{"mos":${j(4.1)},"r_factor":${j(88)},"loss_ratio":${j(0.002)},"jitter_seconds":${j(0.006)},"rtt_avg_seconds":${j(0.04)},"latency_one_way_seconds":${j(0.02)},"packets_sent":50}`;
    default:
      return `{"lookup_seconds":${j(0.008)}}`;
  }
}

/**
 * Batches of one agent: every round one result per check (1 in 50 checks of the fleet down, so
 * there are outages and incidents) and the agent's host figures, strictly increasing in time.
 */
export class FleetBatches {
  private seq = 0;
  private round = 0;
  private readonly head: string;
  private readonly down: boolean[];

  constructor(private readonly a: FleetAgent) {
    this.head = `{"agentId":${JSON.stringify(a.agentId)},"seq":`;
    this.down = TYPES.map((_, k) => (a.index * CHECKS_PER_AGENT + k) % 50 === 7);
  }

  next(now: number): string {
    const jitter = ((this.round++ * 7919) % 100) / 1000;
    const parts = TYPES.map(
      (type, k) =>
        `{"kind":"check","checkId":"${checkId(this.a.site, k)}","type":"${type}","ts":${now - CHECKS_PER_AGENT + k},"status":"${this.down[k] ? 'down' : 'up'}","durationMs":${12 + k},"metrics":${this.down[k] ? '{}' : figures(k, jitter)},"labels":{"service":"${serviceOf(k)}"}}`,
    );
    const m = (name: string, value: number, labels = '{}') => `{"kind":"metric","name":"${name}","ts":${now},"value":${value},"labels":${labels}}`;
    const disk = '{"mount":"/"}';
    const eth = '{"interface":"eth0"}';
    parts.push(
      m('host_cpu_usage_ratio', 0.2 + jitter),
      m('host_memory_used_bytes', 2e9),
      m('host_memory_total_bytes', 8e9),
      m('host_memory_available_bytes', 5e9),
      m('host_disk_used_bytes', 4e10, disk),
      m('host_disk_free_bytes', 6e10, disk),
      m('host_disk_size_bytes', 1e11, disk),
      m('host_disk_full_days', 200 - this.round / 100, disk),
      m('host_network_receive_bits_per_second', 2e7, eth),
      m('host_network_transmit_bits_per_second', 1e7, eth),
      m('host_network_utilisation_ratio', 0.2 + jitter, '{"interface":"eth0","direction":"receive"}'),
      m('host_network_utilisation_ratio', 0.1, '{"interface":"eth0","direction":"transmit"}'),
      m('host_network_errors_per_second', this.a.index % 25 === 0 ? 0.5 : 0, eth), // 1 agent in 25 sees interface errors
    );
    return `${this.head}${++this.seq},"sentAt":${now},"samples":[${parts.join(',')}]}`;
  }
}
