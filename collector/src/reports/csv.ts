import type { Report } from './model.js';

/**
 * CSV for billing and PSA import (RFC 4180: CRLF, quoted when needed): one row per service, then
 * one row per incident, each section with its own header and a `record` column naming it. A cell
 * that a spreadsheet would take for a formula (= + - @ at its start) gets a leading apostrophe.
 */
export function reportCsv(r: Report): string {
  const cell = (v: unknown): string => {
    let s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const row = (xs: unknown[]) => xs.map(cell).join(',');
  const lines = [
    row([
      'record',
      'client',
      'period',
      'status',
      'service',
      'target_percent',
      'availability_percent',
      'measured_seconds',
      'downtime_seconds',
      'maintenance_seconds',
      'excluded_seconds',
      'outside_business_hours_seconds',
      'unknown_seconds',
      'coverage',
      'breached',
      'credit_percent',
      'error_budget_used_seconds',
      'incidents',
      'no_data',
      'degraded_seconds',
      'credit_tier_below',
      'credit_capped',
    ]),
    ...r.services.map((s) =>
      row([
        'service',
        r.client,
        r.period.label,
        r.status,
        s.id,
        s.target,
        s.availabilityPercent,
        s.measuredSeconds,
        s.downtimeSeconds,
        s.maintenanceSeconds,
        s.excludedSeconds,
        s.outsideBusinessHoursSeconds,
        s.unknownSeconds,
        s.coverage,
        s.breached,
        s.creditPercent,
        s.errorBudget.usedSeconds,
        s.incidentCount,
        s.noData,
        s.degradedSeconds,
        s.creditTier?.below ?? '',
        s.creditCapped,
      ]),
    ),
    row([
      'record',
      'client',
      'period',
      'incident',
      'service',
      'kind',
      'priority',
      'status',
      'started',
      'detected',
      'acknowledged',
      'resolved',
      'time_to_detect_seconds',
      'time_to_notify_seconds',
      'time_to_acknowledge_seconds',
      'time_to_resolve_seconds',
      'notify_within',
      'response_within',
      'resolution_within',
    ]),
    ...r.incidents.map((i) =>
      row([
        'incident',
        r.client,
        r.period.label,
        i.id,
        i.service,
        i.kind,
        i.priority,
        i.status,
        i.started,
        i.detected,
        i.acknowledged,
        i.resolved,
        i.timeToDetectSeconds,
        i.timeToNotifySeconds,
        i.timeToAcknowledgeSeconds,
        i.timeToResolveSeconds,
        i.within.notify,
        i.within.response,
        i.within.resolution,
      ]),
    ),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
