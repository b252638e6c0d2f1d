import type { Logger } from '../../../shared/logger.js';
import type { AgentReachabilityEvent, CheckTransitionEvent, EngineListener } from './events.js';
import type { ServiceTracker } from './service-tracker.js';

/**
 * Hands the state engine's events to its listeners: check events, then the service
 * transitions they cause, then reachability — one publication at a time, in order, each
 * listener awaited; a listener's error is logged, never passed back to the ingest.
 */
export class EventPublisher {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    /** The engine's list: listeners added to it later are heard too. */
    private readonly listeners: EngineListener[],
    private readonly services: ServiceTracker,
    private readonly logger: Logger,
  ) {}

  publish(events: readonly CheckTransitionEvent[], reach: readonly AgentReachabilityEvent[] = []): Promise<void> {
    const run = async () => {
      for (const e of events) await this.emit('onCheckTransition', e);
      for (const s of this.services.evaluate(events)) await this.emit('onServiceTransition', s);
      for (const r of reach) await this.emit('onAgentReachability', r);
    };
    const p = this.queue.then(run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Resolves when every publication queued now is done. */
  idle(): Promise<void> {
    return this.queue;
  }

  private async emit<K extends keyof EngineListener>(kind: K, event: Parameters<NonNullable<EngineListener[K]>>[0]): Promise<void> {
    for (const l of this.listeners) {
      try {
        await (l[kind] as ((e: typeof event) => void | Promise<void>) | undefined)?.call(l, event);
      } catch (err) {
        this.logger.error({ err, kind }, 'engine listener failed');
      }
    }
  }
}
