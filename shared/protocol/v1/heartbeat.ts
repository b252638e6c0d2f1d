import { Type, type Static } from 'typebox';
import { HeartbeatAckConfig, HeartbeatConfig } from './agent-config.js';
import { CollectorLimits } from './batch.js';
import { EpochMs, Id, Labels } from './common.js';

export const CheckDescriptor = Type.Object(
  {
    id: Id,
    type: Type.String(),
    intervalSeconds: Type.Number({ minimum: 0.1 }),
    timeoutSeconds: Type.Number({ minimum: 0.01 }),
    target: Type.Optional(Type.String({ maxLength: 512 })),
    labels: Type.Optional(Labels),
  },
  { additionalProperties: false },
);
export type CheckDescriptor = Static<typeof CheckDescriptor>;

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/**
 * The agent's disk spool (shared/spool), optional in v1: agents from before the spool do not send
 * it. Depth now, and what was lost: drops are counted since the spool was created, damage since the
 * agent started.
 */
export const HeartbeatSpool = Type.Object(
  {
    /** Batches waiting to be delivered, and their bytes on disk. */
    batches: Count,
    bytes: Count,
    /** Age of the oldest batch waiting, seconds (0 when none waits). */
    oldestAgeSeconds: Type.Number({ minimum: 0 }),
    /** Batches and samples dropped unsent: drop-oldest at spool.maxBytes, spool.maxAge, the disk-full memory buffer. */
    droppedBatches: Count,
    droppedSamples: Count,
    /** Damaged regions of the spool files skipped (CRC, framing), and torn last records cut at start-up. */
    corruptRecords: Type.Optional(Count),
    tornRecords: Type.Optional(Count),
    /** Batches held in memory because the disk refused them (disk full). */
    memoryBatches: Type.Optional(Count),
    /** Batches the collector already had (resent after a restart): harmless, counted. */
    resentBatches: Type.Optional(Count),
  },
  { additionalProperties: false },
);
export type HeartbeatSpool = Static<typeof HeartbeatSpool>;

/**
 * Samples the agent's transport dropped, never to resend them, counted since the agent started
 * (agent/src/answer-log.ts). Optional in v1: agents from before send none. The collector counts what
 * it refuses across all agents (vigil_ingest_samples_refused_total); these are one agent's own.
 */
export const HeartbeatSend = Type.Object(
  {
    /** Samples the collector refused in a 200 (partial acceptance, `refused`): bad time, shape, owner, a per-agent limit. */
    refusedSamples: Count,
    /** Single samples the collector answered 413 for on their own (larger than its body limit). */
    tooLargeSamples: Count,
    /** Samples of batches whose envelope the collector refused as a whole (400). */
    rejectedSamples: Count,
  },
  { additionalProperties: false },
);
export type HeartbeatSend = Static<typeof HeartbeatSend>;

/**
 * POST /api/v1/heartbeat — the agent is alive. It carries the agent's check catalogue
 * so the collector knows what to expect (and can mark checks stale → unknown).
 */
export const Heartbeat = Type.Object(
  {
    agentId: Id,
    sentAt: EpochMs,
    agentVersion: Type.String({ maxLength: 64 }),
    uptimeSeconds: Type.Number({ minimum: 0 }),
    /** Batches waiting to be sent (in memory or spooled). */
    queuedBatches: Type.Integer({ minimum: 0 }),
    /** Expected interval between heartbeats, seconds. */
    intervalSeconds: Type.Number({ minimum: 1 }),
    checks: Type.Array(CheckDescriptor, { maxItems: 10_000 }),
    spool: Type.Optional(HeartbeatSpool),
    /** Newer than `spool`: an agent sends it only to a collector that took `spool` (agent/src/transport.ts). */
    send: Type.Optional(HeartbeatSend),
    /** Newer than `send` (sent once the collector took `send`): the configuration the agent runs, see agent-config.ts. */
    config: Type.Optional(HeartbeatConfig),
    /** With `config`: the agent's operating system, e.g. `linux 6.1.0-18-amd64 x64`. */
    os: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof Heartbeat>;

/**
 * `limits`: the collector's current limits (see CollectorLimits), so a running agent follows a change.
 * `config`: the version of the agent's central configuration; an agent that runs another one fetches it.
 */
export const HeartbeatAck = Type.Object({ serverTime: EpochMs, limits: Type.Optional(CollectorLimits), config: Type.Optional(HeartbeatAckConfig) });
export type HeartbeatAck = Static<typeof HeartbeatAck>;
