import { DateTime } from 'luxon';
import { DEFAULT_SETTLE_MS } from '../../../shared/sla/definition.js';
import { resolvePeriod } from '../../../shared/sla/period.js';
import type { PeriodKind, SlaDefinition } from '../../../shared/sla/types.js';

/** How long after its due moment a report whose email or webhook failed is still retried (every hourly run). */
export const RETRY_FOR_MS = 72 * 3_600_000;

export interface DueReport {
  /** The period label to report (it selects the services of that period kind). */
  label: string;
  end: number;
  /** The first `at` local time at or after end + the client's settle delay. */
  due: number;
}

/**
 * The reports of a client a delivery run at `now` should have sent: for each period kind among
 * the services of the definition in force, the last period that has ended, once its due moment
 * has come (the first `at`, default 06:00 local, after its end plus the client's `settleDelay`).
 * rolling-30d services get the 30 days ending at the start of the current month, monthly.
 * Pure; re-read at every run, so a changed definition (zone, settle delay, kinds) takes effect
 * without a restart.
 */
export function dueReports(def: SlaDefinition, at: string | undefined, now: number): DueReport[] {
  const [h, m] = (at ?? '06:00').split(':').map(Number) as [number, number];
  const settle = def.settleDelayMs ?? DEFAULT_SETTLE_MS;
  const kinds = [...new Set(def.services.map((s) => s.period))];
  const out: DueReport[] = [];
  for (const kind of kinds) {
    const last = lastEnded(kind, now, def.timezone);
    let due = DateTime.fromMillis(last.end + settle, { zone: def.timezone }).set({ hour: h, minute: m, second: 0, millisecond: 0 });
    if (due.toMillis() < last.end + settle) due = due.plus({ days: 1 });
    if (due.toMillis() <= now) out.push({ label: last.label, end: last.end, due: due.toMillis() });
  }
  return out;
}

function lastEnded(kind: PeriodKind, now: number, zone: string): { label: string; end: number } {
  if (kind === 'rolling-30d') {
    const monthStart = DateTime.fromMillis(now, { zone }).startOf('month');
    return { label: monthStart.minus({ days: 1 }).toFormat('yyyy-MM-dd'), end: monthStart.toMillis() };
  }
  const current = resolvePeriod(kind, { asOf: now }, zone);
  const previous = resolvePeriod(kind, { asOf: current.start - 1 }, zone);
  return { label: previous.label, end: previous.end };
}
