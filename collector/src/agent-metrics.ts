import type { HeartbeatSend } from '../../shared/protocol/v1/heartbeat.js';
import { Family, labelPairs, slices } from './exposition/text.js';
import type { AgentRow, AgentSpool } from './store/types.js';

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

/** The fleet families (what each agent runs, as stored from its heartbeats; collector/src/fleet). */
const FLEET = {
  info: ['vigil_agent_info', 'The agent version and OS an agent last reported (value 1)'],
  start: ['vigil_agent_start_time_seconds', 'When the agent process started (its uptime at a heartbeat, on the collector clock)'],
  config: ['vigil_agent_config_info', 'The configuration an agent runs (value 1): source central/local, version, state applied/rejected/none'],
  rejected: ['vigil_agent_config_rejected', '1 while the agent rejects the newest configuration offered (the last good one keeps running)'],
  pending: ['vigil_agent_config_pending', '1 while a centrally configured agent does not run the version the collector holds for it'],
} as const;

/**
 * The per-agent series: up, last seen, the figures agents report in their heartbeats and what they
 * run. Rebuilt from the store's agents at every scrape, so a revoked agent's series go with it, and
 * written as text (exposition/text.ts) in slices: 1,000 agents make ~16,000 series. Spool figures are
 * stored (GET /api/v1/agents shows them too); send figures are kept here only: the agent counts
 * since it started, so its next heartbeat after a collector restart brings them back whole. A
 * counter shows the agent's latest count.
 */
export class AgentMetrics {
  /** Agent id → the send figures of its last heartbeat (absent: its last heartbeat had none). */
  private readonly sent = new Map<string, HeartbeatSend>();
  private expected: (a: AgentRow) => string | undefined = () => undefined;

  /** The version of its central configuration each agent should run (undefined: none). */
  watchFleet(expected: (a: AgentRow) => string | undefined): void {
    this.expected = expected;
  }

  /** A heartbeat's send figures; one without them clears those of an older heartbeat (an agent version from before them). */
  heartbeat(agentId: string, send: HeartbeatSend | undefined): void {
    if (send) this.sent.set(agentId, send);
    else this.sent.delete(agentId);
  }

  /** The families, in a fixed order, each present (if empty) whatever the agents. */
  async collect(agents: readonly AgentRow[]): Promise<Family[]> {
    const fleet = Object.fromEntries(Object.entries(FLEET).map(([k, [name, help]]) => [k, new Family(name, help)])) as Record<keyof typeof FLEET, Family>;
    const up = new Family('vigil_agent_up', '1 while the agent sends heartbeats');
    const seen = new Family('vigil_agent_last_seen_timestamp_seconds', 'Last time the collector heard from the agent');
    const spool = SPOOL.map((f) => ({ ...f, family: new Family(f.name, f.help, f.counter ? 'counter' : 'gauge') }));
    const send = SEND.map((f) => ({ ...f, family: new Family(f.name, f.help, 'counter') }));
    const pause = slices();
    for (const a of agents) {
      await pause.tick();
      if (a.revokedAt !== null) {
        this.sent.delete(a.id); // a heartbeat still in flight at the revocation
        continue;
      }
      const l = labelPairs([
        ['client', a.clientId],
        ['site', a.siteId],
        ['agent', a.id],
      ]);
      up.add(l, a.reachable && a.lastSeen !== null ? 1 : 0);
      if (a.lastSeen !== null) seen.add(l, a.lastSeen / 1000);
      if (a.spool)
        for (const { figure, family } of spool) {
          const v = a.spool[figure];
          if (v !== null) family.add(l, v); // null: not reported by this agent version
        }
      const sent = this.sent.get(a.id);
      if (sent) for (const { figure, family } of send) family.add(l, sent[figure]);
      if (a.runtime) this.collectFleet(a, l, fleet);
    }
    return [...Object.values(fleet), up, seen, ...spool.map((s) => s.family), ...send.map((s) => s.family)];
  }

  private collectFleet(a: AgentRow, l: string, fleet: Record<keyof typeof FLEET, Family>): void {
    const r = a.runtime!;
    fleet.info.add(
      `${l},${labelPairs([
        ['version', r.agentVersion],
        ['os', r.os ?? ''],
      ])}`,
      1,
    );
    fleet.start.add(l, r.startedAt / 1000);
    const c = r.config;
    if (!c) return;
    fleet.config.add(
      `${l},${labelPairs([
        ['source', c.source],
        ['version', c.version ?? ''],
        ['state', c.state],
      ])}`,
      1,
    );
    fleet.rejected.add(l, c.state === 'rejected' ? 1 : 0);
    const expected = c.source === 'central' ? this.expected(a) : undefined;
    if (c.source === 'central') fleet.pending.add(l, expected !== undefined && expected !== c.version ? 1 : 0);
  }
}
