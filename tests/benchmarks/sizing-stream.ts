/**
 * bench:sizing's model of a client site: each agent runs CHECKS_PER_AGENT checks of mixed
 * types every 60 s, phased as the agent's scheduler phases them (10 s slots), with the metric
 * keys the real probes report, full-precision timings, and an outage model an MSP would
 * recognise: about one outage of 3–40 minutes per check a week, a few single failed probes a
 * day, ICMP latency spells (degraded). Deterministic (seeded): every run stores the same rows.
 */
import { phaseOf } from '../../agent/src/scheduler.js';
import type { Heartbeat } from '../../shared/protocol/v1/heartbeat.js';

export const CHECKS_PER_AGENT = 10;
export const INTERVAL_MS = 60_000;
export const SLOT_MS = 10_000;
const TYPES = ['http', 'http', 'icmp', 'tcp', 'dns', 'tls', 'http', 'icmp', 'tcp', 'http'] as const;
type CheckType = (typeof TYPES)[number];
const MINUTE = 60_000;
/** Per sample: an outage starts (≈ 0.15 a day), a single probe fails, an ICMP latency spell starts (≈ 0.1 a day). */
const P_OUTAGE = 0.15 / 1440;
const P_BLIP = 0.003;
const P_DEGRADED = 0.1 / 1440;

/** mulberry32: small, fast, good enough to vary timings; seeded per check. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimCheck {
  id: string;
  type: CheckType;
  /** Offset of its runs within the minute (the scheduler's phase). */
  phase: number;
  random: () => number;
  downUntil: number;
  degradedUntil: number;
}

export interface Sample {
  kind: 'check';
  checkId: string;
  type: string;
  ts: number;
  status: 'up' | 'down' | 'degraded';
  reason?: string;
  durationMs: number;
  metrics: Record<string, number>;
}

/** The checks of agent number `n` (ids as an operator names them: `site-007-http-03`). */
export function agentChecks(n: number): SimCheck[] {
  return TYPES.slice(0, CHECKS_PER_AGENT).map((type, i) => {
    const id = `site-${String(n).padStart(3, '0')}-${type}-${String(i).padStart(2, '0')}`;
    return { id, type, phase: phaseOf({ id, intervalMs: INTERVAL_MS }, SLOT_MS, false), random: rng(n * 1000 + i + 1), downUntil: 0, degradedUntil: 0 };
  });
}

/** How many distinct slots an agent's checks run in per minute: its live batches per minute (one flush per burst). */
export const slotsPerMinute = (checks: readonly SimCheck[]) => new Set(checks.map((c) => c.phase)).size;

function metricsOf(c: SimCheck, ok: boolean): Record<string, number> {
  const r = c.random;
  switch (c.type) {
    case 'http': {
      const fb = 0.02 + 0.05 * r();
      return { first_byte_seconds: fb, total_seconds: fb + 0.01 * r(), status_code: ok ? 200 : 503, content_length_bytes: 18_000 + Math.floor(2000 * r()) };
    }
    case 'icmp': {
      const min = 0.004 + 0.004 * r();
      const avg = min + 0.003 * r();
      return { rtt_min_seconds: min, rtt_avg_seconds: avg, rtt_max_seconds: avg + 0.006 * r(), jitter_seconds: 0.002 * r(), loss_ratio: ok ? 0 : 1 };
    }
    case 'tcp':
      return { connect_seconds: 0.003 + 0.01 * r() };
    case 'dns':
      return { lookup_seconds: 0.001 + 0.02 * r() };
    case 'tls':
      return { handshake_seconds: 0.03 + 0.04 * r(), tls_cert_expiry_days: 40 + 20 * r(), tls_chain_expiry_days: 400 + 20 * r() };
  }
}

/** The result of check `c` at `ts`; call in time order per check (the outage model keeps state). */
function sampleAt(c: SimCheck, ts: number): Sample {
  const r = c.random;
  let status: Sample['status'] = 'up';
  let reason: string | undefined;
  if (ts < c.downUntil) status = 'down';
  else if (r() < P_OUTAGE) {
    c.downUntil = ts + (3 + Math.floor(37 * r())) * MINUTE;
    status = 'down';
  } else if (c.type === 'icmp' && (ts < c.degradedUntil || r() < P_DEGRADED)) {
    if (ts >= c.degradedUntil) c.degradedUntil = ts + (5 + Math.floor(10 * r())) * MINUTE;
    status = 'degraded';
    reason = 'latency';
  } else if (r() < P_BLIP) status = 'down';
  if (status === 'down') reason = c.type === 'icmp' ? 'loss' : 'timeout';
  const durationMs = status === 'down' ? 5000 : 3 + 60 * r();
  return { kind: 'check', checkId: c.id, type: c.type, ts, status, ...(reason ? { reason } : {}), durationMs, metrics: metricsOf(c, status !== 'down') };
}

/** Every sample of `checks` due in [from, to), in time order. */
export function samplesIn(checks: readonly SimCheck[], from: number, to: number): Sample[] {
  const out: Sample[] = [];
  for (const c of checks) {
    const base = Math.floor(from / INTERVAL_MS) * INTERVAL_MS + c.phase;
    for (let t = base < from ? base + INTERVAL_MS : base; t < to; t += INTERVAL_MS) out.push(sampleAt(c, t));
  }
  return out.sort((a, b) => a.ts - b.ts);
}

export function heartbeatOf(agentId: string, checks: readonly SimCheck[], now: number): Heartbeat {
  return {
    agentId,
    sentAt: now,
    agentVersion: 'bench-sizing',
    uptimeSeconds: 1,
    queuedBatches: 0,
    intervalSeconds: 15,
    checks: checks.map((c) => ({ id: c.id, type: c.type, intervalSeconds: INTERVAL_MS / 1000, timeoutSeconds: 5, target: `${c.id}.example.net:443` })),
  };
}

/** One SLA service per agent over its checks (down when any is), so outages become incidents as in production. */
export function definitionYaml(client: string, agents: ReadonlyArray<readonly SimCheck[]>): string {
  const services = agents.map(
    (checks, n) => `  - { id: site-${n}, target: 99.9, members: [${checks.map((c) => c.id).join(', ')}], downtime: { when: { membersDown: 1 } } }`,
  );
  return `client: ${client}\ntimezone: UTC\nservices:\n${services.join('\n')}\n`;
}
