import { VigilError, type Problem } from '../errors.js';
import type { MemberState, Transition } from './types.js';

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const STATES = new Set<MemberState>(['up', 'down', 'unknown']);

/** Parses `timestamp,check,state` CSV; every bad row is reported with its line number. */
export function parseTransitionsCsv(text: string, source = 'transitions.csv'): Transition[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').trim().toLowerCase().replace(/\s/g, '');
  const problems: Problem[] = [];
  if (header !== 'timestamp,check,state') problems.push({ path: 'line 1', message: `header must be "timestamp,check,state", got "${lines[0] ?? ''}"` });
  const out: Transition[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    const where = `line ${i + 1}`;
    if (cells.length !== 3) {
      problems.push({ path: where, message: `expected 3 fields, got ${cells.length}` });
      continue;
    }
    const [timestamp, check, state] = cells as [string, string, string];
    const ts = ISO_WITH_ZONE.test(timestamp) ? Date.parse(timestamp) : NaN;
    if (Number.isNaN(ts)) problems.push({ path: where, message: `timestamp "${timestamp}" is not ISO-8601 with an offset or Z` });
    if (!check) problems.push({ path: where, message: 'check is empty' });
    if (!STATES.has(state as MemberState)) problems.push({ path: where, message: `state "${state}" is not up, down or unknown` });
    if (!Number.isNaN(ts) && check && STATES.has(state as MemberState)) out.push({ ts, check, state: state as MemberState });
  }
  if (problems.length > 0) throw new VigilError('CSV_INVALID', `${source}: ${problems.length} bad row(s)`, problems);
  return out.sort((a, b) => a.ts - b.ts);
}
