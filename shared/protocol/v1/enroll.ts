import { Type, type Static } from 'typebox';
import { CollectorLimits } from './batch.js';
import { Id, Labels } from './common.js';

/** POST /api/v1/enroll — the agent trades a one-client enrollment token for its own agent token. */
export const EnrollRequest = Type.Object(
  {
    token: Type.String({ minLength: 16, maxLength: 256 }),
    hostname: Type.String({ minLength: 1, maxLength: 253 }),
    agentVersion: Type.String({ maxLength: 64 }),
    /**
     * Optional name (default: hostname); the collector derives the agent id from it, unique,
     * always within the `Id` pattern (lowercased, other characters as `-`, shortened to fit).
     */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    labels: Type.Optional(Labels),
  },
  { additionalProperties: false },
);
export type EnrollRequest = Static<typeof EnrollRequest>;

export const EnrollResponse = Type.Object({
  agentId: Id,
  /** 256-bit random secret, hex; shown once, the collector keeps only its hash. */
  agentToken: Type.String(),
  clientId: Id,
  siteId: Id,
  /** The collector's limits at enrollment (also in every heartbeat answer). */
  limits: Type.Optional(CollectorLimits),
});
export type EnrollResponse = Static<typeof EnrollResponse>;

/** POST /api/v1/admin/enrollment-tokens (admin token). */
export const CreateEnrollmentTokenRequest = Type.Object(
  {
    clientId: Id,
    siteId: Id,
    /** Lifetime in seconds; default 7 days. */
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 31_536_000 })),
    /** How many agents may enroll with it; default unlimited. */
    maxUses: Type.Optional(Type.Integer({ minimum: 1 })),
    note: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type CreateEnrollmentTokenRequest = Static<typeof CreateEnrollmentTokenRequest>;

export const EnrollmentTokenInfo = Type.Object({
  id: Type.String(),
  clientId: Id,
  siteId: Id,
  createdAt: Type.Integer(),
  expiresAt: Type.Integer(),
  maxUses: Type.Union([Type.Integer(), Type.Null()]),
  uses: Type.Integer(),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  /** Only in the response that created it. */
  token: Type.Optional(Type.String()),
});
export type EnrollmentTokenInfo = Static<typeof EnrollmentTokenInfo>;
