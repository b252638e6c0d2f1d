import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import type { CheckResultSample, MetricSample, Sample, SampleRefusal } from '../../../shared/protocol/v1/batch.js';
import type { IngestLimits } from '../config.js';
import type { CheckOwners } from '../engine/check-owners.js';
import type { AgentRow, Store } from '../store/types.js';
import { type Refusal, SampleChecker, type SampleShapes } from './sample-checker.js';
import { type Reservation, SeriesBudget } from './series-budget.js';

/** A batch's samples sorted into what goes to the engine and what is refused. */
export interface SortedBatch {
  results: CheckResultSample[];
  metrics: MetricSample[];
  /** The accepted samples in batch order (for the sinks). */
  accepted: Sample[];
  refused: SampleRefusal[];
  /** Gives the per-agent budget back: call when the batch was not stored. */
  rollback(): void;
}

type AgentRef = Pick<AgentRow, 'id' | 'clientId'>;

/**
 * Partial acceptance: each sample is judged on its own — shape, timestamp window, who owns
 * its check id, the agent's check and series budget — and only the ones at fault are
 * refused, with their index and a code. The envelope (agentId, seq, array bounds, body
 * size) is the route's. A check id of a client belongs to one agent (engine/check-owners.ts):
 * another agent's samples of it are refused with VIGIL_ERR_CONFLICT, its catalogue entry left
 * out, with one warning per (agent, check).
 */
export class BatchIntake {
  private readonly checker: SampleChecker;
  private readonly budget: SeriesBudget;
  private readonly refusedTotal: Counter<'code'>;
  private readonly warned = new Set<string>();

  constructor(
    store: Store,
    private readonly clock: Clock,
    limits: IngestLimits,
    registry: Registry,
    private readonly owners: CheckOwners,
    private readonly logger: Logger,
  ) {
    this.checker = new SampleChecker(limits);
    this.budget = new SeriesBudget(store, clock, limits);
    this.refusedTotal = new Counter({
      name: 'vigil_ingest_samples_refused_total',
      help: 'Samples refused at ingest (the rest of their batch stored), by code',
      labelNames: ['code'],
      registers: [registry],
    });
  }

  async sort(agent: AgentRef, samples: readonly unknown[], shapes: SampleShapes): Promise<SortedBatch> {
    const reservation = await this.budget.open(agent);
    const now = this.clock.now();
    const owned = this.owners.of(agent.clientId);
    const claims = this.owners.mayClaim(agent.id);
    const out: SortedBatch = { results: [], metrics: [], accepted: [], refused: [], rollback: () => reservation.rollback() };
    for (let index = 0; index < samples.length; index++) {
      const s = samples[index];
      const bad = this.checker.refusal(s, now, shapes) ?? this.admit(agent, owned, claims, reservation, s as Sample);
      if (bad) {
        out.refused.push({ index, code: bad.code, message: bad.message });
        this.refusedTotal.inc({ code: bad.code });
        continue;
      }
      const sample = s as Sample;
      out.accepted.push(sample);
      if (sample.kind === 'check') out.results.push(sample);
      else out.metrics.push(sample);
    }
    return out;
  }

  /** A heartbeat's catalogue: entries another agent owns are left out (`taken`), and those beyond the agent's check budget (`left`). */
  async catalogue<D extends { id: string }>(agent: AgentRef, descriptors: readonly D[]): Promise<{ kept: D[]; taken: number; left: number; rollback(): void }> {
    const reservation = await this.budget.open(agent);
    const owned = this.owners.of(agent.clientId);
    const claims = this.owners.mayClaim(agent.id);
    let taken = 0;
    const kept = descriptors.filter((d) => {
      const owner = owned.get(d.id);
      if (owner !== undefined && owner !== agent.id) {
        taken++;
        this.conflict(agent, d.id, owner);
        return false;
      }
      if (reservation.check(d.id, undefined) !== undefined) return false;
      if (owner === undefined && claims) owned.set(d.id, agent.id);
      return true;
    });
    return { kept, taken, left: descriptors.length - kept.length - taken, rollback: () => reservation.rollback() };
  }

  /** Owner first (a conflict costs no budget), then the budget; an id nobody owns is this agent's once admitted. */
  private admit(agent: AgentRef, owned: Map<string, string>, claims: boolean, r: Reservation, s: Sample): Refusal | undefined {
    if (s.kind !== 'check') {
      const why = r.metric(s.name, s.labels);
      return why === undefined ? undefined : { code: 'VIGIL_ERR_LIMIT', message: why };
    }
    const owner = owned.get(s.checkId);
    if (owner !== undefined && owner !== agent.id) return this.conflict(agent, s.checkId, owner);
    const why = r.check(s.checkId, s.metrics);
    if (why !== undefined) return { code: 'VIGIL_ERR_LIMIT', message: why };
    if (owner === undefined && claims) owned.set(s.checkId, agent.id);
    return undefined;
  }

  private conflict(agent: AgentRef, check: string, owner: string): Refusal {
    const seen = `${agent.id}\u0000${check}`;
    if (!this.warned.has(seen)) {
      this.warned.add(seen);
      this.logger.warn(
        { agentId: agent.id, client: agent.clientId, check, owner },
        'check id belongs to another agent of this client: its results are refused until the id is released',
      );
    }
    return {
      code: 'VIGIL_ERR_CONFLICT',
      message:
        `check "${check}" of client ${agent.clientId} belongs to agent ${owner} (a check id is one series per client): ` +
        `give this check another id, or release it (revoke ${owner}, or DELETE /api/v1/admin/checks/${agent.clientId}/${check})`,
    };
  }
}
