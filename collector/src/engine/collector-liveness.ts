import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import { LAST_ALIVE_SETTING, type Store } from '../store/types.js';

/** A time the collector itself was not running: [from, to) in ms, `from` accurate to ALIVE_EVERY_MS. */
export interface CollectorGap {
  from: number;
  to: number;
}

/** How often the last-alive time is written: the precision of a gap's start, for one small write. */
export const ALIVE_EVERY_MS = 5_000;

/**
 * The collector's own gaps. It writes its last-alive time while it runs; at start the time
 * since then is a collector gap: logged, recorded (setting `collector.gap.<from>`) and shown
 * on GET /api/v1/agents. Nobody lost contact with a site in that gap, so the start counts as
 * a sign of life from every agent and check: silence is judged from `max(last seen, start)`,
 * which gives each agent its full heartbeat-lost time to reconnect before it is paged. What
 * the gap hides stays unknown unless the agents backfill it (the state engine infers `stale`
 * for a hole the backfill leaves, and for an agent that stays silent).
 */
export class CollectorLiveness {
  private startedAt: number | undefined;
  private gapSeen: CollectorGap | null = null;
  private markedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const now = this.clock.now();
    this.startedAt = now;
    const last = Number(await this.store.settings.get(LAST_ALIVE_SETTING));
    if (Number.isFinite(last) && last < now) {
      this.gapSeen = { from: last, to: now };
      await this.store.settings.putIfAbsent(`collector.gap.${last}`, JSON.stringify(this.gapSeen));
      this.logger.info(
        { from: new Date(last).toISOString(), to: new Date(now).toISOString(), seconds: Math.round((now - last) / 1000) },
        'collector gap: not running since its last-alive time; no site is paged for it, and it stays unknown unless agents backfill it',
      );
    }
    await this.beat(true);
  }

  /** Writes the last-alive time, at most every ALIVE_EVERY_MS (called by every sweep). */
  async beat(force = false): Promise<void> {
    const now = this.clock.now();
    if (!force && now - this.markedAt < ALIVE_EVERY_MS) return;
    await this.store.checks.markAlive(now);
    this.markedAt = now;
  }

  /** The gap before this start, if the collector had run before. */
  gap(): CollectorGap | null {
    return this.gapSeen;
  }

  /** From when silence counts for something last heard of at `ts`: never before this collector started. */
  silentSince(ts: number): number {
    return this.startedAt === undefined ? ts : Math.max(ts, this.startedAt);
  }
}
