import type { CheckResultSample, MetricSample, Sample } from '../../../shared/protocol/v1/batch.js';
import type { AgentIdentity } from './types.js';

/**
 * Samples as InfluxDB line protocol (README, "InfluxDB sink"), one line per sample, millisecond
 * timestamps. Measurement `vigil`; the field names are the collector's /metrics names without the
 * `vigil_` prefix, so VictoriaMetrics (which names a series `<measurement>_<field>`) holds
 * `vigil_check_up`, `vigil_probe_rtt_avg_seconds`, `vigil_host_cpu_usage_ratio` … and the
 * dashboards' PromQL reads it as it reads Prometheus. Every field is a float: InfluxDB refuses a
 * write whose field changes type, so `5` and `5.5` must never be told apart. No string fields:
 * VictoriaMetrics would store each as a series of zeros (the reason and message stay in the collector).
 *
 *   vigil,agent=a1,check=web-1,client=acme,service=web,site=hq,type=http check_up=1,check_degraded=0,check_duration_seconds=0.042,probe_http_status=200 1767225600000
 *   vigil,agent=a1,client=acme,mount=/,site=hq host_disk_used_bytes=1.2e+10 1767225600000
 */
export const MEASUREMENT = 'vigil';

/** Tag keys set from the agent's identity: a sample's own labels of these names are left out. */
const IDENTITY_KEYS = new Set(['client', 'site', 'agent']);

const SPECIAL = /[\\, =\n\r\t]/;

/**
 * Tag keys, tag values and field keys: `,`, `=` and space escaped, and `\` too (InfluxDB and
 * VictoriaMetrics both read `\\` as one backslash; unescaped, a value ending in `\` — a Windows
 * mount `C:\` — would swallow the comma after it). Line breaks cannot occur in a line: written as `\n`.
 */
export function escapeKey(s: string): string {
  return SPECIAL.test(s)
    ? s
        .replace(/[\\, =]/g, '\\$&')
        .replace(/\n/g, '\\n')
        .replace(/\r/g, '\\r')
        .replace(/\t/g, '\\t')
    : s;
}

/** A float field value: JSON numbers are finite, and String() of one is a valid line-protocol float (`1e+21`, `-2.5e-7`). */
const float = (v: number) => String(v);

// Hot path (every stored sample): tags written in sorted order by hand, no intermediate arrays for check results.
export function checkLine(s: CheckResultSample, agent: AgentIdentity): string {
  const service = s.labels?.service;
  const tags =
    `,agent=${escapeKey(agent.agentId)},check=${escapeKey(s.checkId)},client=${escapeKey(agent.client)}` +
    (service ? `,service=${escapeKey(service)}` : '') + // an empty tag value is not allowed
    `,site=${escapeKey(agent.site)},type=${escapeKey(s.type)}`;
  let fields = `check_up=${s.status === 'up' ? 1 : 0},check_degraded=${s.status === 'degraded' ? 1 : 0},check_duration_seconds=${float(s.durationMs / 1000)}`;
  const m = s.metrics;
  if (m) for (const k in m) if (Number.isFinite(m[k])) fields += `,probe_${escapeKey(k)}=${float(m[k]!)}`;
  return `${MEASUREMENT}${tags} ${fields} ${s.ts}`;
}

/** The field a host metric goes in: `host_<name>` as the collector's `vigil_host_<name>` gauge (a leading `host_` is not doubled). */
export function hostField(name: string): string {
  return name.startsWith('host_') ? name : `host_${name}`;
}

export function metricLine(s: MetricSample, agent: AgentIdentity): string {
  const own: Record<string, string> = { agent: agent.agentId, client: agent.client, site: agent.site };
  // `__name__` and its kind are VictoriaMetrics' own: a label so named would clash with the series name
  if (s.labels) for (const k in s.labels) if (!IDENTITY_KEYS.has(k) && !k.startsWith('__')) own[k] = s.labels[k]!;
  let tags = '';
  // sorted by key, as InfluxDB asks for (it sorts otherwise, per line); an empty value is not allowed
  for (const k of Object.keys(own).sort()) if (own[k] !== '') tags += `,${escapeKey(k)}=${escapeKey(own[k]!)}`;
  return `${MEASUREMENT}${tags} ${escapeKey(hostField(s.name))}=${float(s.value)} ${s.ts}`;
}

/** One line per sample, or undefined for a value that cannot be written (a non-finite host value). */
export function sampleLine(s: Sample, agent: AgentIdentity): string | undefined {
  if (s.kind === 'check') return checkLine(s, agent);
  return Number.isFinite(s.value) ? metricLine(s, agent) : undefined;
}
