import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../../../shared/clock.js';
import type { CheckResultSample, MetricSample, Sample, SampleRefusal } from '../../../shared/protocol/v1/batch.js';
import type { IngestLimits } from '../config.js';
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

/**
 * Partial acceptance: each sample is judged on its own — shape, timestamp window, the
 * agent's check and series budget — and only the ones at fault are refused, with their
 * index and a code. The envelope (agentId, seq, array bounds, body size) is the route's.
 */
export class BatchIntake {
  private readonly checker: SampleChecker;
  private readonly budget: SeriesBudget;
  private readonly refusedTotal: Counter<'code'>;

  constructor(
    store: Store,
    private readonly clock: Clock,
    limits: IngestLimits,
    registry: Registry,
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

  async sort(agent: Pick<AgentRow, 'id' | 'clientId'>, samples: readonly unknown[], shapes: SampleShapes): Promise<SortedBatch> {
    const reservation = await this.budget.open(agent);
    const now = this.clock.now();
    const out: SortedBatch = { results: [], metrics: [], accepted: [], refused: [], rollback: () => reservation.rollback() };
    for (let index = 0; index < samples.length; index++) {
      const s = samples[index];
      const bad = this.checker.refusal(s, now, shapes) ?? admit(reservation, s as Sample);
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

  /** A heartbeat's catalogue within the agent's check budget; entries beyond it are left out. */
  async catalogue<D extends { id: string }>(
    agent: Pick<AgentRow, 'id' | 'clientId'>,
    descriptors: readonly D[],
  ): Promise<{ kept: D[]; left: number; rollback(): void }> {
    const reservation = await this.budget.open(agent);
    const kept = descriptors.filter((d) => reservation.check(d.id, undefined) === undefined);
    return { kept, left: descriptors.length - kept.length, rollback: () => reservation.rollback() };
  }
}

function admit(r: Reservation, s: Sample): Refusal | undefined {
  const why = s.kind === 'check' ? r.check(s.checkId, s.metrics) : r.metric(s.name, s.labels);
  return why === undefined ? undefined : { code: 'VIGIL_ERR_LIMIT', message: why };
}
