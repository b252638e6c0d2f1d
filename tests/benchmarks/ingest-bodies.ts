/**
 * The wire shapes bench:ingest sends: one check catalogue per agent (heartbeat) and v1 sample
 * batches of check results. A batch's JSON is assembled from per-check fragments built once,
 * so the load generator spends microseconds per body and leaves the cores to the server.
 */
import type { Heartbeat } from '../../shared/protocol/v1/heartbeat.js';

export const CHECKS_PER_AGENT = 10;
export const CHECK_INTERVAL_S = 10;
const TYPES = ['http', 'tcp', 'icmp', 'dns', 'tls'] as const;
const METRIC: Record<(typeof TYPES)[number], string> = {
  http: 'http_duration_seconds',
  tcp: 'connect_seconds',
  icmp: 'rtt_avg_seconds',
  dns: 'lookup_seconds',
  tls: 'tls_cert_expiry_days',
};

export interface BenchAgent {
  agentId: string;
  token: string;
}

/** Each agent its own checks (as at real sites): one client's 1,000 agents make 10,000 checks, not 10 shared ones. */
const checkId = (agentId: string, i: number) => `${agentId}.chk-${String(i).padStart(2, '0')}`;
const typeOf = (i: number) => TYPES[i % TYPES.length]!;

/** The catalogue every agent reports in its heartbeat: CHECKS_PER_AGENT checks of mixed types. */
export function heartbeatOf(agentId: string, now: number): Heartbeat {
  return {
    agentId,
    sentAt: now,
    agentVersion: 'bench-ingest',
    uptimeSeconds: 1,
    queuedBatches: 0,
    intervalSeconds: 30,
    checks: Array.from({ length: CHECKS_PER_AGENT }, (_, i) => ({
      id: checkId(agentId, i),
      type: typeOf(i),
      intervalSeconds: CHECK_INTERVAL_S,
      timeoutSeconds: 5,
      target: `svc-${i}.bench.invalid:443`,
    })),
  };
}

/**
 * Builds batch bodies for one agent: `samplesPerBatch` check results cycling over its checks.
 * Timestamps are close to now and strictly increasing per agent (so per check), as a real
 * agent's are: the collector's state machine sees every result as the newest, never as late.
 */
export class BatchBuilder {
  private seq = 0;
  private lastTs = 0;
  private readonly head: string;
  private readonly parts: Array<[string, string]>;

  constructor(
    agentId: string,
    private readonly samplesPerBatch: number,
  ) {
    this.head = `{"agentId":${JSON.stringify(agentId)},"seq":`;
    this.parts = Array.from({ length: CHECKS_PER_AGENT }, (_, i) => {
      const ms = 5 + ((i * 7) % 40) + 0.25;
      const metric = typeOf(i) === 'tls' ? 61 : ms / 1000;
      return [
        `{"kind":"check","checkId":"${checkId(agentId, i)}","type":"${typeOf(i)}","ts":`,
        `,"status":"up","durationMs":${ms},"metrics":{"${METRIC[typeOf(i)]}":${metric}}}`,
      ];
    });
  }

  /** The next batch (seq + 1) as JSON text. */
  next(now: number): { seq: number; body: string } {
    const seq = ++this.seq;
    let s = `${this.head}${seq},"sentAt":${now},"samples":[`;
    const n = this.samplesPerBatch;
    for (let k = 0; k < n; k++) {
      const ts = Math.max(this.lastTs + 1, now - n + k);
      this.lastTs = ts;
      const [a, b] = this.parts[k % CHECKS_PER_AGENT]!;
      s += k === 0 ? `${a}${ts}${b}` : `,${a}${ts}${b}`;
    }
    return { seq, body: `${s}]}` };
  }
}
