import { canonicalJson } from '../../shared/report/canonical.js';
import type { CheckConfig } from './config.js';

/** How a new check list differs from the running one, by check id. */
export interface CheckDiff {
  /** Ids not running before (the new entries). */
  added: CheckConfig[];
  /** Ids running with another configuration (the new entries). */
  changed: CheckConfig[];
  /** Ids no longer listed (the old entries). */
  removed: CheckConfig[];
  /** Ids whose configuration is the same: they keep running untouched. */
  unchanged: string[];
}

/**
 * Compares by id, and an entry by the canonical JSON of its whole resolved configuration (type,
 * interval, timeout, retries, labels, options …), so a reordered YAML mapping is no change and any
 * changed value is one.
 */
export function diffChecks(running: readonly CheckConfig[], next: readonly CheckConfig[]): CheckDiff {
  const before = new Map(running.map((c) => [c.id, c]));
  const d: CheckDiff = { added: [], changed: [], removed: [], unchanged: [] };
  const ids = new Set<string>();
  for (const c of next) {
    ids.add(c.id);
    const old = before.get(c.id);
    if (!old) d.added.push(c);
    else if (canonicalJson(old) === canonicalJson(c)) d.unchanged.push(c.id);
    else d.changed.push(c);
  }
  for (const c of running) if (!ids.has(c.id)) d.removed.push(c);
  return d;
}

/** `added 2, changed 1, removed 1, unchanged 40` for a log line. */
export const diffSummary = (d: CheckDiff) => ({
  added: d.added.map((c) => c.id),
  changed: d.changed.map((c) => c.id),
  removed: d.removed.map((c) => c.id),
  unchanged: d.unchanged.length,
});
