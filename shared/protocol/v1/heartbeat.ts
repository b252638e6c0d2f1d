import { Type, type Static } from 'typebox';
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
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof Heartbeat>;

export const HeartbeatAck = Type.Object({ serverTime: EpochMs });
export type HeartbeatAck = Static<typeof HeartbeatAck>;
