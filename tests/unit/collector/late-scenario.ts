/**
 * A site's results played twice, on time and late, over any collector (the fixture's HTTP
 * API, or a bare state engine on a store): one agent, three checks every 10 s, a heartbeat
 * every round it is connected, sweeps between rounds. In the late play, a WAN outage keeps
 * the agent silent for some rounds; when it is back it heartbeats and backfills those rounds
 * in `batches` batches (less the `dropped` oldest, lost by the agent), and on time the same
 * dropped rounds are simply missing.
 */
export const CHECKS = ['fw-1', 'sw-1', 'sw-2'] as const;
export const INTERVAL_MS = 10_000;
export const HEARTBEAT_MS = 15_000;
export type Status = 'up' | 'down';
export interface Result {
  check: string;
  status: Status;
  ts: number;
}

export interface LateScenario {
  /** Per round, the status of each of CHECKS. */
  rounds: Status[][];
  /** The rounds the agent could not send: [start, start + length). */
  outage: { start: number; length: number };
  /** The oldest rounds of the outage the agent lost (never sent, on time or late). */
  dropped: number;
  batches: number;
}

export interface SiteDriver {
  /** Sets the collector's clock. */
  at(ms: number): void;
  ingest(results: Result[]): Promise<void>;
  heartbeat(): Promise<void>;
  sweep(): Promise<void>;
}

/** A site's SLA definition that counts unknown time as down, so an unknown left behind shows in the figures. */
export const STRICT_DEF =
  'client: acme\ntimezone: UTC\nservices:\n  - { id: network, target: 99.9, unknown: down, members: [fw-1, sw-1, sw-2], downtime: { when: { membersDown: 1 } } }\n';

const roundOf = (sc: LateScenario, i: number, t0: number): Result[] =>
  CHECKS.map((check, j) => ({ check, status: sc.rounds[i]![j]!, ts: t0 + i * INTERVAL_MS }));

/** Plays the scenario from `t0`; returns the time it ended at. `beforeBackfill` runs (late play) when the agent is back, before it sends anything. */
export async function play(d: SiteDriver, sc: LateScenario, late: boolean, t0: number, beforeBackfill?: () => Promise<void>): Promise<number> {
  const { start, length } = sc.outage;
  const inOutage = (i: number) => i >= start && i < start + length;
  const lost = (i: number) => i >= start && i < start + Math.min(sc.dropped, length);
  for (let i = 0; i < sc.rounds.length; i++) {
    const ts = t0 + i * INTERVAL_MS;
    d.at(ts + 1000);
    if (late && inOutage(i)) {
      await d.sweep();
    } else {
      await d.heartbeat();
      if (late && i > 0 && inOutage(i - 1)) {
        await beforeBackfill?.();
        const backlog: Result[][] = [];
        for (let k = start; k < start + length; k++) if (!lost(k)) backlog.push(roundOf(sc, k, t0));
        const per = Math.max(1, Math.ceil(backlog.length / sc.batches));
        for (let b = 0; b < backlog.length; b += per) await d.ingest(backlog.slice(b, b + per).flat());
      }
      if (!lost(i)) await d.ingest(roundOf(sc, i, t0));
      await d.sweep();
    }
    d.at(ts + 6000);
    await d.sweep();
  }
  return t0 + sc.rounds.length * INTERVAL_MS;
}
