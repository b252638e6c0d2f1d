import type { MemberState } from '../../../shared/sla/types.js';

/** A check's confirmed state changed. */
export interface CheckTransitionEvent {
  client: string;
  site: string;
  agentId: string;
  check: string;
  from: MemberState;
  to: MemberState;
  /** When the new state began: the timestamp of the first result of the confirming run (ms). */
  ts: number;
  /** When the collector confirmed it (ms, collector clock). */
  detectedAt: number;
  /**
   * The sample time that confirmed it, when not `ts` (a run confirmed by a later result). Events of
   * one instant (default: their `ts`) are one change: the service tracker judges them together.
   */
  instant?: number;
  reason?: string;
  message?: string;
}

/** A service's state (per its SLA rule over member states) changed. */
export interface ServiceTransitionEvent {
  client: string;
  service: string;
  from: MemberState;
  to: MemberState;
  /** When the service condition began (ms): the ts of the member transition that made it. */
  ts: number;
  detectedAt: number;
  membersDown: string[];
  membersUnknown: string[];
}

/** An agent stopped (or resumed) sending heartbeats: "site unreachable", not fifty check alerts. */
export interface AgentReachabilityEvent {
  client: string;
  site: string;
  agentId: string;
  reachable: boolean;
  /** Last heartbeat seen (when lost) or the heartbeat that brought it back (ms). */
  ts: number;
  detectedAt: number;
  checks: string[];
}

/**
 * Subscribers to the state engine (incidents, notifications, sinks …). Called one event at
 * a time, in order, awaited; errors are logged, never passed back to the ingest.
 */
export interface EngineListener {
  onCheckTransition?(e: CheckTransitionEvent): void | Promise<void>;
  onServiceTransition?(e: ServiceTransitionEvent): void | Promise<void>;
  onAgentReachability?(e: AgentReachabilityEvent): void | Promise<void>;
}
