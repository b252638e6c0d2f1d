import type { SlaDefinition } from '../../../shared/sla/types.js';
import type { IncidentRow } from '../store/types.js';

type Targets = { notifySeconds?: number; responseSeconds?: number; resolutionSeconds?: number };
type Measure = 'notify' | 'response' | 'resolution';

export interface IncidentFigures {
  timeToDetectSeconds: number;
  /** First delivered notification of the opening, from the start of the outage. */
  timeToNotifySeconds: number | null;
  timeToAcknowledgeSeconds: number | null;
  timeToResolveSeconds: number | null;
  targets: Targets;
  /** true/false = met/missed; null = no target, or not decided yet (still inside the target). */
  within: Record<Measure, boolean | null>;
}

export interface Distribution {
  count: number;
  p50: number | null;
  p95: number | null;
  mean: number | null;
  max: number | null;
}
export interface Adherence {
  percent: number | null;
  within: number;
  total: number;
  pending: number;
}

export interface IncidentSummary {
  count: number;
  open: number;
  byPriority: Record<string, number>;
  timeToDetect: Distribution;
  timeToNotify: Distribution;
  timeToAcknowledge: Distribution;
  timeToResolve: Distribution;
  mttaSeconds: number | null;
  mttrSeconds: number | null;
  adherence: Record<Measure, Adherence & { byPriority: Record<string, Adherence> }>;
}

/** Contract targets of an incident: its service's, or (site incidents) the first service of the client with targets for that priority. */
export function targetsOf(i: IncidentRow, def: SlaDefinition | undefined): Targets {
  if (!def) return {};
  const svc = def.services.find((s) => s.id === i.service);
  if (svc) return svc.incidentTargets?.[i.priority] ?? {};
  return def.services.find((s) => s.incidentTargets?.[i.priority])?.incidentTargets?.[i.priority] ?? {};
}

/**
 * Per-incident figures, all measured from the start of the outage (the client's view).
 * Response is the acknowledgement; an outage that recovered before anybody acknowledged it
 * counts its recovery as the response. A measure not reached yet is missed once its target
 * has passed, and pending (left out of the adherence) while it still can be met.
 */
export function incidentFigures(i: IncidentRow, firstNotifiedAt: number | null, def: SlaDefinition | undefined, now: number): IncidentFigures {
  const s = (at: number | null) => (at === null ? null : (at - i.startedAt) / 1000);
  const targets = targetsOf(i, def);
  const elapsed = ((i.resolvedAt ?? now) - i.startedAt) / 1000;
  const values: Record<Measure, number | null> = {
    notify: s(firstNotifiedAt),
    response: s(i.acknowledgedAt ?? i.resolvedAt),
    resolution: s(i.resolvedAt),
  };
  const judge = (m: Measure, target: number | undefined): boolean | null => {
    if (target === undefined) return null;
    const v = values[m];
    if (v !== null) return v <= target;
    return elapsed > target || (m === 'notify' && i.resolvedAt !== null) ? false : null;
  };
  return {
    timeToDetectSeconds: (i.detectedAt - i.startedAt) / 1000,
    timeToNotifySeconds: values.notify,
    timeToAcknowledgeSeconds: s(i.acknowledgedAt),
    timeToResolveSeconds: values.resolution,
    targets,
    within: {
      notify: judge('notify', targets.notifySeconds),
      response: judge('response', targets.responseSeconds),
      resolution: judge('resolution', targets.resolutionSeconds),
    },
  };
}

/** Nearest-rank percentile (the value a client can find in the incident list). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function distribution(values: Array<number | null>): Distribution {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  const mean = v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  return { count: v.length, p50: percentile(v, 0.5), p95: percentile(v, 0.95), mean, max: v.length ? v[v.length - 1]! : null };
}

function adherence(judged: Array<boolean | null>): Adherence {
  const total = judged.filter((x) => x !== null).length;
  const within = judged.filter((x) => x === true).length;
  return { percent: total > 0 ? (within / total) * 100 : null, within, total, pending: judged.length - total };
}

/** Aggregates over a client's incidents of a period (outages only: muted ones and warnings are not incidents of the contract). */
export function summarize(rows: ReadonlyArray<{ incident: IncidentRow; figures: IncidentFigures }>): IncidentSummary {
  const byPriority: Record<string, number> = {};
  for (const r of rows) byPriority[r.incident.priority] = (byPriority[r.incident.priority] ?? 0) + 1;
  const adh = (m: Measure) => {
    const withTarget = rows.filter((r) => r.figures.targets[`${m}Seconds` as keyof Targets] !== undefined);
    const judged = withTarget.map((r) => r.figures.within[m]);
    const prios = Object.fromEntries(
      Object.keys(byPriority).map((p) => {
        const mine = withTarget.filter((r) => r.incident.priority === p).map((r) => r.figures.within[m]);
        return [p, adherence(mine)];
      }),
    );
    return { ...adherence(judged), byPriority: prios };
  };
  const tta = distribution(rows.map((r) => r.figures.timeToAcknowledgeSeconds));
  const ttr = distribution(rows.map((r) => r.figures.timeToResolveSeconds));
  return {
    count: rows.length,
    open: rows.filter((r) => r.incident.status === 'open').length,
    byPriority,
    timeToDetect: distribution(rows.map((r) => r.figures.timeToDetectSeconds)),
    timeToNotify: distribution(rows.map((r) => r.figures.timeToNotifySeconds)),
    timeToAcknowledge: tta,
    timeToResolve: ttr,
    mttaSeconds: tta.mean,
    mttrSeconds: ttr.mean,
    adherence: { notify: adh('notify'), response: adh('response'), resolution: adh('resolution') },
  };
}
