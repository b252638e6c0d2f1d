import type { Heartbeat } from '../../../shared/protocol/v1/heartbeat.js';
import type { AgentConfigReport, AgentRuntime, Store } from '../store/types.js';

/** A start moved by less than this is the same start (the agent's uptime and clock are whole milliseconds apart). */
const SAME_START_MS = 2000;

/**
 * What the agents run (version, OS, start, configuration), from their heartbeats, written to the
 * store only when it changed — a restart, an upgrade, a configuration applied or rejected — not on
 * every heartbeat: thousands of agents beat every 15 s. What was written last is kept per agent
 * here (one short string each), so after a collector restart each agent's first heartbeat writes once.
 */
export class FleetReports {
  private readonly last = new Map<string, { fingerprint: string; start: number }>();

  constructor(private readonly store: Store) {}

  async heartbeat(agentId: string, hb: Heartbeat, now: number): Promise<void> {
    const uptimeMs = Math.round(hb.uptimeSeconds * 1000);
    // the start as the agent's clock tells it (exact from beat to beat); the stored one is on the collector's clock
    const start = hb.sentAt - uptimeMs;
    const config = configReport(hb.config);
    const fingerprint = JSON.stringify([hb.agentVersion, hb.os ?? null, config]);
    const prev = this.last.get(agentId);
    if (prev && prev.fingerprint === fingerprint && Math.abs(prev.start - start) < SAME_START_MS) return;
    const runtime: AgentRuntime = { agentVersion: hb.agentVersion, os: hb.os ?? null, startedAt: Math.max(0, now - uptimeMs), config, at: now };
    await this.store.agents.recordRuntime(agentId, runtime);
    this.last.set(agentId, { fingerprint, start });
  }

  /** A revoked agent's entry goes (its id is never used again). */
  forget(agentId: string): void {
    this.last.delete(agentId);
  }
}

function configReport(c: Heartbeat['config']): AgentConfigReport | null {
  if (!c) return null;
  return {
    source: c.source,
    version: c.version ?? null,
    state: c.state,
    rejectedVersion: c.rejected?.version ?? null,
    problems: c.rejected?.problems ?? [],
  };
}
