import type { AgentRow } from '../store/types.js';

/** One agent in the fleet view (GET /api/v1/fleet, `vigil fleet list`). */
export interface FleetEntry {
  agent: string;
  client: string;
  site: string;
  hostname: string;
  /** The agent's version, OS and uptime at its last heartbeat (null: never reported). */
  version: string | null;
  os: string | null;
  uptimeSeconds: number | null;
  /** Last heartbeat or batch (ms since the epoch), and whether heartbeats still come. */
  lastSeen: number | null;
  reachable: boolean;
  config: FleetConfigView | null;
  /** Its disk spool at the last heartbeat that carried figures (null: an agent version without a spool). */
  spool: { batches: number; bytes: number; oldestAgeSeconds: number; droppedBatches: number; droppedSamples: number } | null;
}

export interface FleetConfigView {
  source: 'central' | 'local';
  /** The version running. */
  version: string | null;
  /** applied, rejected (the last good one keeps running) or none (nothing received yet). */
  state: 'applied' | 'rejected' | 'none';
  /** The version the collector holds for this agent now (central only; null: none). */
  expected: string | null;
  /** Central, and not running the expected version yet (it takes it at its next heartbeat), or rejected it. */
  pending: boolean;
  rejectedVersion: string | null;
  problems: Array<{ path: string; message: string }>;
}

export function fleetEntry(a: AgentRow, expected: string | undefined): FleetEntry {
  const r = a.runtime;
  const c = r?.config;
  return {
    agent: a.id,
    client: a.clientId,
    site: a.siteId,
    hostname: a.hostname,
    version: r?.agentVersion ?? null,
    os: r?.os ?? null,
    uptimeSeconds: r && a.lastSeen !== null ? Math.max(0, Math.round((a.lastSeen - r.startedAt) / 1000)) : null,
    lastSeen: a.lastSeen,
    reachable: a.reachable,
    config: c
      ? {
          source: c.source,
          version: c.version,
          state: c.state,
          expected: c.source === 'central' ? (expected ?? null) : null,
          pending: c.source === 'central' && expected !== undefined && expected !== c.version,
          rejectedVersion: c.rejectedVersion,
          problems: c.problems,
        }
      : null,
    spool: a.spool
      ? {
          batches: a.spool.batches,
          bytes: a.spool.bytes,
          oldestAgeSeconds: a.spool.oldestAgeSeconds,
          droppedBatches: a.spool.droppedBatches,
          droppedSamples: a.spool.droppedSamples,
        }
      : null,
  };
}
