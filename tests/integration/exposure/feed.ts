import type { FedAgent } from './fed-collector.js';

/**
 * What the dashboards' query test feeds its collector: every kind of figure a panel reads, from
 * one agent at site hq — HTTP with its timing phases, TCP, ICMP and VoIP paths with MOS, jitter,
 * loss and latency, host capacity (disks, a link whose utilisation grows, an interface with
 * errors), the spool and send figures of its heartbeat (counters that move) and its version and
 * configuration.
 */
const check = (checkId: string, type: string, service: string, ts: number, status: string, metrics: Record<string, number>) => ({
  kind: 'check',
  checkId,
  type,
  ts,
  status,
  durationMs: 12,
  metrics,
  labels: { service },
});
const metric = (name: string, value: number, ts: number, labels: Record<string, string> = {}) => ({ kind: 'metric', name, ts, value, labels });

/** One round of results at `ts`: web-1 down from `downFrom` on, everything else up. */
function results(ts: number, downFrom: number) {
  return [
    check(
      'web-1',
      'http',
      'web',
      ts,
      ts >= downFrom ? 'down' : 'up',
      ts >= downFrom ? {} : { dns_seconds: 0.001, connect_seconds: 0.002, first_byte_seconds: 0.01, total_seconds: 0.012 },
    ),
    check('web-2', 'http', 'web', ts, 'up', { dns_seconds: 0.002, tls_seconds: 0.02, first_byte_seconds: 0.05, total_seconds: 0.06 }),
    check('tcp-1', 'tcp', 'web', ts, 'up', { connect_seconds: 0.001 }),
    check('ping-1', 'icmp', 'voip', ts, 'up', { loss_ratio: 0, rtt_avg_seconds: 0.02, jitter_seconds: 0.002, mos: 4.3 }),
    check('sbc-1', 'voip', 'voip', ts, 'up', { mos: 3.9, loss_ratio: 0.01, jitter_seconds: 0.012, rtt_avg_seconds: 0.04, latency_one_way_seconds: 0.02 }),
  ];
}

/** 15 minutes of results every 30 s ending at `now`; web-1 down for the last 5 minutes. */
export function history(now: number): unknown[] {
  const out: unknown[] = [];
  for (let ts = now - 15 * 60_000; ts <= now - 30_000; ts += 30_000) out.push(...results(ts, now - 5 * 60_000));
  return out;
}

/** Round `step` of the live feed: fresh results, host metrics, and a heartbeat whose counters grew. */
export async function feedOnce(agent: FedAgent, step: number): Promise<void> {
  const ts = Date.now();
  await agent.ingest([
    ...results(ts, 0),
    metric('host_cpu_usage_ratio', 0.3, ts),
    metric('host_memory_used_bytes', 2e9, ts),
    metric('host_memory_total_bytes', 8e9, ts),
    metric('host_disk_used_bytes', 4e10, ts, { mount: '/' }),
    metric('host_disk_size_bytes', 1e11, ts, { mount: '/' }),
    metric('host_disk_full_days', 180, ts, { mount: '/' }),
    metric('host_network_receive_bits_per_second', 1e6, ts, { interface: 'eth0' }),
    metric('host_network_transmit_bits_per_second', 5e5, ts, { interface: 'eth0' }),
    metric('host_network_utilisation_ratio', 0.3 + step * 0.002, ts, { interface: 'eth0', direction: 'receive' }),
    metric('host_network_utilisation_ratio', 0.1, ts, { interface: 'eth0', direction: 'transmit' }),
    metric('host_network_errors_per_second', 0, ts, { interface: 'eth0' }),
    metric('host_network_errors_per_second', 2, ts, { interface: 'eth1' }),
    // one sample from the future: refused (vigil_ingest_samples_refused_total), the rest stored
    metric('host_cpu_usage_ratio', 0.3, ts + 3_600_000),
  ]);
  await agent.heartbeat({
    spool: { batches: 3, bytes: 4096, oldestAgeSeconds: 12, droppedBatches: step, droppedSamples: 10 * step, corruptRecords: 0 },
    send: { refusedSamples: step, tooLargeSamples: 0, rejectedSamples: 0 },
    config: { source: 'central', version: 'cfg-1', state: 'applied' },
    os: 'linux 6.1.0 x64',
  });
}
