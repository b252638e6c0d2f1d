import type { Clock } from '../../../shared/clock.js';
import type { CheckRow, DegradedRunChanges, Store, TransitionRow } from '../store/types.js';
import type { CollectorLiveness } from './collector-liveness.js';
import type { AgentReachabilityEvent, CheckTransitionEvent } from './events.js';
import type { KeyedLock } from './keyed-lock.js';

/** How the engine confirms states and judges silence (from the collector config). */
export interface StateMachineOptions {
  confirmDown: number;
  confirmUp: number;
  degradedAs: 'down' | 'up';
  staleAfterIntervals: number;
  heartbeatLostAfterMs: number | undefined;
}

/** A check's key in the engine's memory and locks. */
export const key = (client: string, check: string) => `${client}\u0000${check}`;

/** What a batch changed, before it is written: the rows to save, the transitions (and inferred ones they retract), the events to emit after commit. */
export interface Plan {
  rows: Map<string, CheckRow>;
  transitions: TransitionRow[];
  events: CheckTransitionEvent[];
  retract?: Array<{ checkId: string; from: number }>;
  /** Degraded-but-counted-up runs opened or closed (degraded-runs.ts). */
  degraded?: DegradedRunChanges;
}

/**
 * What the engine's parts (sweeper.ts …) work on: the checks in memory, their locks, the store.
 * A plan is made on copies under the checks' locks, written, then committed to memory.
 */
export interface EngineCore {
  readonly checks: Map<string, CheckRow>;
  readonly locks: KeyedLock;
  readonly store: Store;
  readonly clock: Clock;
  readonly liveness: CollectorLiveness;
  readonly opts: StateMachineOptions;
  commit(plan: Plan): void;
  publish(events: readonly CheckTransitionEvent[], reach?: readonly AgentReachabilityEvent[]): Promise<void>;
}
