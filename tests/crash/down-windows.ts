/**
 * When the agent was not taking results, from what the test recorded of its runs, and which gaps
 * in a check's stored timestamps those windows explain. Pure: the crash test feeds it the runs'
 * seal times and the stored timestamps.
 *
 * A kill -9 loses, by design, the results not sealed yet: those since the last seal before the
 * kill. So an agent-down window runs from the last seal logged before the kill (by any run) to
 * the first seal logged after it: the next run's scheduler started before that seal, so every run
 * due after it took place. A run killed before its first seal simply widens the window of the kill
 * before it (the windows are merged).
 */
import type { Seal } from './agent-runs.js';

export interface Window {
  from: number;
  to: number;
}

export interface RunTimes {
  spawnedAt: number;
  killedAt?: number;
  seals: readonly Seal[];
}

/** The agent-down windows of these runs (in spawn order), merged where they touch. */
export function agentDownWindows(runs: readonly RunTimes[]): Window[] {
  const seals = runs.flatMap((r) => r.seals.map((s) => s.at)).sort((a, b) => a - b);
  const out: Window[] = [];
  for (const r of runs) {
    if (r.killedAt === undefined) continue;
    const killedAt = r.killedAt;
    const from = seals.filter((t) => t <= killedAt).at(-1) ?? runs[0]!.spawnedAt;
    const to = seals.find((t) => t > killedAt) ?? Infinity;
    const last = out.at(-1);
    if (last && from <= last.to) last.to = Math.max(last.to, to);
    else out.push({ from, to });
  }
  return out;
}

export interface Gap {
  check: string;
  /** The stored results either side of the missing ones. */
  after: number;
  before: number;
}

export interface GapRules {
  intervalMs: number;
  /** A result taken up to this long before a seal may still have been running at it (the check's timeout plus event-loop slack). */
  inFlightMs: number;
  /** Timer lateness tolerated on a loaded machine. */
  slackMs: number;
}

/**
 * Gaps of more than 1.5 intervals between consecutive stored results of one check (one missed run
 * or more) that the agent-down windows do not explain. Each missed run — every interval after the
 * result before the gap — must fall in a window: no earlier than the in-flight time before its
 * start (a run still going at the last seal is lost with the process), no later than its end (the
 * next run's scheduler started before its first seal, and runs every check from then on). A gap
 * may span several windows when a run between them was too short to run this check.
 */
export function unexplainedGaps(byCheck: ReadonlyMap<string, readonly number[]>, windows: readonly Window[], rules: GapRules): Gap[] {
  const { intervalMs, inFlightMs, slackMs } = rules;
  const inWindow = (t: number) => windows.some((w) => t >= w.from - inFlightMs && t <= w.to + slackMs);
  const out: Gap[] = [];
  for (const [check, ts] of byCheck)
    for (let i = 1; i < ts.length; i++) {
      const after = ts[i - 1]!;
      const before = ts[i]!;
      if (before - after <= 1.5 * intervalMs) continue;
      for (let missed = after + intervalMs; missed < before - intervalMs / 2; missed += intervalMs)
        if (!inWindow(missed)) {
          out.push({ check, after, before });
          break;
        }
    }
  return out;
}

/** The total of the windows, ms (for the summary). */
export const windowsMs = (windows: readonly Window[]) => windows.reduce((n, w) => n + (Number.isFinite(w.to) ? w.to - w.from : 0), 0);
