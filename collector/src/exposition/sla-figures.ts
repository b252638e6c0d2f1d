import type { Clock } from '../../../shared/clock.js';
import type { ServiceFigures, SlaDefinition } from '../../../shared/sla/types.js';
import { slaReportFor } from '../sla-query.js';
import type { Store } from '../store/types.js';

/** Current-period SLA figures of every service of every client. */
export type SlaRows = ReadonlyArray<{ client: string; figures: ServiceFigures }>;

/** How long computed figures are served before the next computation. */
const FRESH_MS = 10_000;

/**
 * The current period's SLA figures of every client, computed from the store at most every 10 s
 * and shared by /metrics and early warning. A failed computation is not kept.
 */
export class SlaFigures {
  private cache: { at: number; rows: Promise<SlaRows> } | undefined;
  /** The last figures computed, which a scrape shows while the next ones are computed. */
  private last: SlaRows | undefined;

  constructor(
    /** One computation of every client's figures as of `now` (computeSlaRows over the store). */
    private readonly compute: (now: number) => Promise<SlaRows>,
    private readonly clock: Clock,
  ) {}

  /** Figures at most FRESH_MS old (waits for a computation when they are older). */
  fresh(): Promise<SlaRows> {
    const now = this.clock.now();
    if (!this.cache || now - this.cache.at > FRESH_MS) {
      const rows = this.compute(now);
      this.cache = { at: now, rows };
      rows.then(
        (r) => {
          this.last = r;
        },
        () => {
          if (this.cache?.rows === rows) this.cache = undefined;
        },
      );
    }
    return this.cache.rows;
  }

  /**
   * For /metrics: the figures of the last computation while a newer one runs, so a scrape waits for
   * a computation only before the first one is done (the figures are then at most 10 s plus one
   * computation old, as a scrape interval is anyway).
   */
  forScrape(): Promise<SlaRows> {
    const fresh = this.fresh();
    return this.last ? Promise.resolve(this.last) : fresh;
  }
}

/**
 * Every client's current period in turn, with the event loop let run between two clients: on
 * SQLite the store answers within the same turn, so 200 clients would otherwise be one long stall
 * of ingest.
 */
export async function computeSlaRows(store: Store, defs: readonly SlaDefinition[], now: number): Promise<SlaRows> {
  const out: Array<SlaRows[number]> = [];
  for (const client of new Set(defs.map((d) => d.client))) {
    for (const figures of (await slaReportFor(store, defs, client, undefined, now)).services) out.push({ client, figures });
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}
