import type { DegradedRunChanges, Store } from '../store/types.js';
import { key } from './engine-core.js';

/**
 * The runs in which a check was up only because degraded counts as up (`degradedCounts: up`), kept
 * so reports can say `degradedSeconds`. A run opens at the first such result and closes at the next
 * result that is up and not degraded; while the check is down or unknown it may stay open (the SLA
 * engine overlays a run on up time only). The open runs are mirrored in memory (loaded at start),
 * so a result costs no query; changes ride in the batch's transaction and are applied at commit.
 */
export class DegradedRuns {
  private readonly open = new Map<string, number>();

  async load(store: Store): Promise<void> {
    for (const r of await store.checks.openDegradedRuns()) this.open.set(key(r.clientId, r.checkId), r.start);
  }

  /** One result, in time order within the batch: what it opens or closes, into `changes` (the plan's). */
  step(client: string, checkId: string, status: string, degradedUp: boolean, ts: number, changes: DegradedRunChanges): void {
    const k = key(client, checkId);
    const pending = changes.opened.find((o) => o.checkId === checkId);
    const start = pending?.start ?? (changes.closed.some((c) => c.checkId === checkId && c.start === this.open.get(k)) ? undefined : this.open.get(k));
    if (degradedUp && start === undefined) changes.opened.push({ checkId, start: ts });
    else if (!degradedUp && status === 'up' && start !== undefined) {
      // a run opened and closed in one batch is written closed (the store upserts closed runs)
      if (pending) changes.opened.splice(changes.opened.indexOf(pending), 1);
      changes.closed.push({ checkId, start, end: ts });
    }
  }

  apply(client: string, changes: DegradedRunChanges): void {
    for (const c of changes.closed) if (this.open.get(key(client, c.checkId)) === c.start) this.open.delete(key(client, c.checkId));
    for (const o of changes.opened) this.open.set(key(client, o.checkId), o.start);
  }
}
