import { DateTime, IANAZone } from 'luxon';
import { VigilError } from '../errors.js';
import type { PeriodKind, PeriodWindow, ServiceDefinition } from './types.js';

const DAY_MS = 86_400_000;

/**
 * The calendar window of a period in the client's zone. `spec` is a label
 * ("2026-10", "2026-Q4", or a date "2026-10-31" for rolling-30d: the 30 days ending
 * at the end of that local day) or `{ asOf }`: the period containing that instant.
 */
export function resolvePeriod(kind: PeriodKind, spec: string | { asOf: number }, timezone: string): PeriodWindow {
  // create() is cached by luxon per name; isValidZone builds an Intl.DateTimeFormat at every call (~70 µs)
  if (!IANAZone.create(timezone).isValid) throw new VigilError('QUERY_INVALID', `unknown IANA time zone "${timezone}"`);
  if (kind === 'rolling-30d') {
    const end = typeof spec === 'string' ? parseLocal(spec, 'yyyy-MM-dd', timezone).plus({ days: 1 }).toMillis() : spec.asOf;
    const label = `rolling-30d@${new Date(end).toISOString()}`;
    return { label, start: end - 30 * DAY_MS, end };
  }
  const months = kind === 'calendar-month' ? 1 : 3;
  let start: DateTime;
  if (typeof spec === 'string') {
    if (kind === 'calendar-month') start = parseLocal(spec, 'yyyy-MM', timezone);
    else {
      const m = /^(\d{4})-Q([1-4])$/.exec(spec);
      if (!m) throw new VigilError('QUERY_INVALID', `period "${spec}" is not a quarter like 2026-Q4`);
      start = DateTime.fromObject({ year: Number(m[1]), month: (Number(m[2]) - 1) * 3 + 1, day: 1 }, { zone: timezone });
    }
  } else {
    const at = DateTime.fromMillis(spec.asOf, { zone: timezone });
    const firstMonth = kind === 'calendar-month' ? at.month : Math.floor((at.month - 1) / 3) * 3 + 1;
    start = DateTime.fromObject({ year: at.year, month: firstMonth, day: 1 }, { zone: timezone });
  }
  const end = start.plus({ months });
  const label = kind === 'calendar-month' ? start.toFormat('yyyy-MM') : `${start.year}-Q${Math.floor((start.month - 1) / 3) + 1}`;
  return { label, start: start.toMillis(), end: end.toMillis() };
}

/** The shape of a label for each kind: the shapes exclude one another, so a label fits exactly one kind. */
const LABEL_SHAPES: Record<PeriodKind, RegExp> = {
  'calendar-month': /^\d{4}-\d{2}$/,
  'calendar-quarter': /^\d{4}-Q\d$/,
  'rolling-30d': /^\d{4}-\d{2}-\d{2}$/,
};

/** Whether `label` has the shape of a period of `kind` (its values are checked by resolvePeriod). */
export function labelFits(kind: PeriodKind, label: string): boolean {
  return LABEL_SHAPES[kind].test(label);
}

/**
 * Each service's own period, keyed by service id, in definition order. With `{ asOf }`: every
 * service over its current period. With a label: only the services whose kind the label fits
 * ("2026-10" the monthly ones, "2026-Q4" the quarterly ones, "2026-10-31" the rolling-30d ones);
 * the others are left out of the report rather than measured over a window they were not promised.
 * A label that fits none is refused, naming each service and its kind.
 */
export function resolveServicePeriods(
  services: readonly Pick<ServiceDefinition, 'id' | 'period'>[],
  spec: string | { asOf: number },
  timezone: string,
): Map<string, PeriodWindow> {
  const out = new Map<string, PeriodWindow>();
  for (const s of services) if (typeof spec !== 'string' || labelFits(s.period, spec)) out.set(s.id, resolvePeriod(s.period, spec, timezone));
  if (out.size === 0) {
    const kinds = services.map((s) => `${s.id} (${s.period})`).join(', ');
    throw new VigilError(
      'QUERY_INVALID',
      `period "${spec as string}" fits no service: ${kinds}; use 2026-10 (calendar-month), 2026-Q4 (calendar-quarter) or 2026-10-31 (rolling-30d)`,
    );
  }
  return out;
}

function parseLocal(text: string, format: string, zone: string): DateTime {
  const dt = DateTime.fromFormat(text, format, { zone });
  if (!dt.isValid) throw new VigilError('QUERY_INVALID', `period "${text}" does not match ${format}`);
  return dt.startOf('day');
}
