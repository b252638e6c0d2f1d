/**
 * Public types of the pure SLA engine. No I/O, no Date.now(): callers pass a clock
 * or explicit instants. All instants are ms since the Unix epoch (UTC).
 */
export type MemberState = 'up' | 'down' | 'unknown';

/** A member (check) changed state at `ts`. A member's state at t is its last transition at or before t; before its first, unknown. */
export interface Transition {
  ts: number;
  check: string;
  state: MemberState;
}

/** Half-open [start, end) in ms. */
export interface Interval {
  start: number;
  end: number;
}

export type PeriodKind = 'calendar-month' | 'rolling-30d' | 'calendar-quarter';
export type UnknownPolicy = 'exclude' | 'up' | 'down';

export interface DowntimeRule {
  when: { membersDown: number } | { membersDownPercent: number };
  /** Service-level down intervals shorter than this count as up. ms. */
  minDurationMs: number;
}

export interface MaintenanceOneOff {
  /** Local date-time in the client's zone, e.g. 2026-10-25T01:00 */
  start: string;
  durationMs: number;
  reason?: string;
}
export interface MaintenanceRecurring {
  rrule: string;
  durationMs: number;
  reason?: string;
}
export type MaintenanceEntry = MaintenanceOneOff | MaintenanceRecurring;

/** One range of business hours, wall-clock time in the definition's zone (rules: shared/sla/business-hours.ts). */
export interface BusinessHoursRange {
  /** The days the range STARTS on. */
  days: Array<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'>;
  /** HH:MM local, 00:00–23:59 */
  from: string;
  /** HH:MM local, 00:00–24:00; earlier than `from`: the range runs past midnight and ends the next day */
  to: string;
}
/** One range (the original form) or a list of them; overlapping ranges merge. */
export type BusinessHours = BusinessHoursRange | BusinessHoursRange[];

export interface CreditTier {
  below: number;
  percent: number;
}

/** Manual carve-out (vendor outage, force majeure): excluded from the measured time. */
export interface Exclusion {
  service: string;
  start: number;
  end: number;
  reason: string;
  addedBy: string;
  addedAt: number;
}

export interface ServiceDefinition {
  id: string;
  target: number;
  period: PeriodKind;
  members: string[];
  downtime: DowntimeRule;
  unknown: UnknownPolicy;
  maintenance: MaintenanceEntry[];
  businessHours?: BusinessHours;
  credits?: { tiers: CreditTier[]; cap: number };
  /** Extensions (see issue 4): thresholds that turn samples into member states. */
  thresholds?: {
    errorRateAbove?: number;
    latencyP95AboveMs?: number;
    mosBelow?: number;
    /** How a degraded member counts: as down, or reported apart (default: down). */
    degradedCounts?: 'down' | 'up';
  };
  /** Incident priority of this service (p1 … p4); selects its incidentTargets. Default p2. */
  priority?: string;
  /** Per-priority incident targets (issue 6), seconds. */
  incidentTargets?: Record<string, { notifySeconds?: number; responseSeconds?: number; resolutionSeconds?: number }>;
}

/** A parsed, validated SLA definition for one client (one version). */
export interface SlaDefinition {
  client: string;
  timezone: string;
  /** Version label and the instant from which this version applies. */
  version: string;
  effectiveFrom: number;
  /** After a period's end, how long its report stays provisional (late data), ms; default DEFAULT_SETTLE_MS (6 h). */
  settleDelayMs?: number;
  services: ServiceDefinition[];
}

export interface PeriodWindow {
  /** e.g. "2026-10" / "2026-Q4" / "rolling-30d@2026-10-31T00:00:00Z" */
  label: string;
  start: number;
  end: number;
}

export interface ServiceFigures {
  id: string;
  target: number;
  /** The window this service was measured over: its own period kind (services of one definition may differ). */
  period: { label: string; start: string; end: string };
  availabilityPercent: number | null;
  measuredSeconds: number;
  downtimeSeconds: number;
  maintenanceSeconds: number;
  excludedSeconds: number;
  outsideBusinessHoursSeconds: number;
  unknownSeconds: number;
  /** In-scope seconds the service was up only because degraded members counted as up (would be down had they counted as down); 0 when none. */
  degradedSeconds: number;
  /** share of in-scope time with known data, 0..1 */
  coverage: number;
  breached: boolean;
  creditPercent: number;
  incidentCount: number;
  mttrSeconds: number | null;
  errorBudget: { totalSeconds: number; usedSeconds: number; remainingSeconds: number; remainingRatio: number };
  /** Only for a period that contains `asOf`: burn rates by window and the projection. */
  burnRate?: Record<'5m' | '30m' | '1h' | '2h' | '6h' | '24h' | '72h', number | null>;
  toDate?: {
    availabilityPercent: number | null;
    projectedAvailabilityPercent: number | null;
    projectedBreach: boolean;
    /** In-scope seconds until the error budget is used up at the last 24 h's down fraction; 0 = already; null = not this period. */
    timeToBreachSeconds: number | null;
  };
  /** Down intervals (service level, after minDuration) inside the period. */
  downIntervals: Interval[];
  /**
   * The period has ended and the service is still down at `asOf` in a run that began inside it:
   * its part inside counts (when the whole run reaches minDuration), but the figure may still
   * change, so a report stays provisional (docs/sla.md, "Runs across the period's end").
   */
  downAtPeriodEnd: boolean;
  /** Only when asked (ReportOptions.daily): each local day of the measured part of the period. */
  daily?: Array<{ day: string; availabilityPercent: number | null; measuredSeconds: number; downtimeSeconds: number }>;
}

export interface SlaReport {
  client: string;
  definitionVersion: string;
  timezone: string;
  period: { label: string; start: string; end: string };
  generatedAt: string;
  services: ServiceFigures[];
}
