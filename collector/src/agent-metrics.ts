import { Counter, Gauge, type Registry } from 'prom-client';
import type { HeartbeatSend } from '../../shared/protocol/v1/heartbeat.js';
import type { AgentRow, AgentSpool } from './store/types.js';

const LABELS = ['client', 'site', 'agent'];
type SpoolFigure = Exclude<keyof AgentSpool, 'at'>;
type Figure<K> = { figure: K; name: string; help: string; counter?: true };

/** The agents' spool figures (from their heartbeats): gauges for depth and age, counters for what was lost (counted by the agent). */
const SPOOL: ReadonlyArray<Figure<SpoolFigure>> = [
  { figure: 'batches', name: 'vigil_agent_spool_batches', help: "Batches waiting in the agent's disk spool" },
  { figure: 'bytes', name: 'vigil_agent_spool_bytes', help: "Bytes of the agent's disk spool" },
  { figure: 'oldestAgeSeconds', name: 'vigil_agent_spool_oldest_age_seconds', help: 'Age of the oldest batch waiting in the spool (0 when none)' },
  {
    figure: 'droppedSamples',
    name: 'vigil_agent_spool_dropped_samples_total',
    help: 'Samples the agent dropped unsent (spool maxBytes, maxAge, disk full)',
    counter: true,
  },
  {
    figure: 'droppedBatches',
    name: 'vigil_agent_spool_dropped_batches_total',
    help: 'Batches the agent dropped unsent (spool maxBytes, maxAge, disk full)',
    counter: true,
  },
  { figure: 'corruptRecords', name: 'vigil_agent_spool_corrupt_records_total', help: "Damaged records skipped in the agent's spool files", counter: true },
];

/** What the agent's transport dropped after the collector's answer (heartbeat `send`), counted by the agent since it started. */
const SEND: ReadonlyArray<Figure<keyof HeartbeatSend>> = [
  {
    figure: 'refusedSamples',
    name: 'vigil_agent_send_refused_samples_total',
    help: 'Samples the collector refused in a 200 (partial acceptance) and the agent dropped',
  },
  {
    figure: 'tooLargeSamples',
    name: 'vigil_agent_send_too_large_samples_total',
    help: 'Single samples the collector answered 413 for (over its body limit) and the agent dropped',
  },
  {
    figure: 'rejectedSamples',
    name: 'vigil_agent_send_rejected_samples_total',
    help: 'Samples of batches the collector refused whole (400) and the agent dropped',
  },
];

/**
 * The per-agent series: up, last seen, and the figures agents report in their heartbeats. Rebuilt
 * from the store's agents at every scrape, so a revoked agent's series go with it. Spool figures are
 * stored (GET /api/v1/agents shows them too); send figures are kept here only: the agent counts
 * since it started, so its next heartbeat after a collector restart brings them back whole.
 */
export class AgentMetrics {
  private readonly up: Gauge;
  private readonly seen: Gauge;
  private readonly spool: ReadonlyArray<{ figure: SpoolFigure; metric: Gauge | Counter }>;
  private readonly send: ReadonlyArray<{ figure: keyof HeartbeatSend; metric: Counter }>;
  /** Agent id → the send figures of its last heartbeat (absent: its last heartbeat had none). */
  private readonly sent = new Map<string, HeartbeatSend>();
  /** The fleet families (what each agent runs, as stored from its heartbeats; collector/src/fleet). */
  private readonly fleet: Record<'info' | 'start' | 'config' | 'rejected' | 'pending', Gauge>;
  private expected: (a: AgentRow) => string | undefined = () => undefined;

  constructor(registry: Registry) {
    const o = (name: string, help: string, more: string[] = []) => ({ name, help, labelNames: [...LABELS, ...more], registers: [registry] });
    this.fleet = {
      info: new Gauge(o('vigil_agent_info', 'The agent version and OS an agent last reported (value 1)', ['version', 'os'])),
      start: new Gauge(o('vigil_agent_start_time_seconds', 'When the agent process started (its uptime at a heartbeat, on the collector clock)')),
      config: new Gauge(
        o('vigil_agent_config_info', 'The configuration an agent runs (value 1): source central/local, version, state applied/rejected/none', [
          'source',
          'version',
          'state',
        ]),
      ),
      rejected: new Gauge(o('vigil_agent_config_rejected', '1 while the agent rejects the newest configuration offered (the last good one keeps running)')),
      pending: new Gauge(o('vigil_agent_config_pending', '1 while a centrally configured agent does not run the version the collector holds for it')),
    };
    this.up = new Gauge(o('vigil_agent_up', '1 while the agent sends heartbeats'));
    this.seen = new Gauge(o('vigil_agent_last_seen_timestamp_seconds', 'Last time the collector heard from the agent'));
    this.spool = SPOOL.map(({ figure, name, help, counter }) => ({ figure, metric: counter ? new Counter(o(name, help)) : new Gauge(o(name, help)) }));
    this.send = SEND.map(({ figure, name, help }) => ({ figure, metric: new Counter(o(name, help)) }));
  }

  /** The version of its central configuration each agent should run (undefined: none). */
  watchFleet(expected: (a: AgentRow) => string | undefined): void {
    this.expected = expected;
  }

  /** A heartbeat's send figures; one without them clears those of an older heartbeat (an agent version from before them). */
  heartbeat(agentId: string, send: HeartbeatSend | undefined): void {
    if (send) this.sent.set(agentId, send);
    else this.sent.delete(agentId);
  }

  collect(agents: readonly AgentRow[]): void {
    this.up.reset();
    this.seen.reset();
    for (const s of this.spool) s.metric.reset();
    for (const s of this.send) s.metric.reset();
    for (const g of Object.values(this.fleet)) g.reset();
    for (const a of agents) {
      if (a.revokedAt !== null) {
        this.sent.delete(a.id); // a heartbeat still in flight at the revocation
        continue;
      }
      const l = { client: a.clientId, site: a.siteId, agent: a.id };
      this.up.set(l, a.reachable && a.lastSeen !== null ? 1 : 0);
      if (a.lastSeen !== null) this.seen.set(l, a.lastSeen / 1000);
      // the agent counts, the collector shows its latest count: a counter is set by adding it to a reset one
      if (a.spool)
        for (const { figure, metric } of this.spool) {
          const v = a.spool[figure];
          if (v === null) continue; // not reported by this agent version
          if (metric instanceof Counter) metric.inc(l, v);
          else metric.set(l, v);
        }
      const sent = this.sent.get(a.id);
      if (sent) for (const { figure, metric } of this.send) metric.inc(l, sent[figure]);
      if (a.runtime) this.collectFleet(a, l);
    }
  }

  private collectFleet(a: AgentRow, l: Record<string, string>): void {
    const r = a.runtime!;
    this.fleet.info.set({ ...l, version: r.agentVersion, os: r.os ?? '' }, 1);
    this.fleet.start.set(l, r.startedAt / 1000);
    const c = r.config;
    if (!c) return;
    this.fleet.config.set({ ...l, source: c.source, version: c.version ?? '', state: c.state }, 1);
    this.fleet.rejected.set(l, c.state === 'rejected' ? 1 : 0);
    const expected = c.source === 'central' ? this.expected(a) : undefined;
    if (c.source === 'central') this.fleet.pending.set(l, expected !== undefined && expected !== c.version ? 1 : 0);
  }
}
