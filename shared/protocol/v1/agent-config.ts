import { Type, type Static } from 'typebox';
import { Labels } from './common.js';

/**
 * Central configuration (README, "Central configuration and the fleet"). A version is the
 * collector's content hash of one agent's resolved document; it is also the document's ETag.
 */
export const ConfigVersion = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' });
export type ConfigVersion = Static<typeof ConfigVersion>;

/** At most this many problems go back in a heartbeat, each bounded: the agent cuts before sending. */
export const MAX_CONFIG_PROBLEMS = 100;
export const MAX_PROBLEM_PATH = 256;
export const MAX_PROBLEM_MESSAGE = 512;

export const ConfigProblem = Type.Object(
  { path: Type.String({ maxLength: MAX_PROBLEM_PATH }), message: Type.String({ maxLength: MAX_PROBLEM_MESSAGE }) },
  { additionalProperties: false },
);

/**
 * GET /api/v1/agent/config (agent token): the calling agent's resolved check list — the client's
 * template, then its site's and its own overrides — with `ETag: "<version>"`; `If-None-Match`
 * with the version the agent runs answers 304. The check entries are agent.yaml's check entries;
 * the agent validates them with the same validator as agent.yaml (the collector checks the
 * shape only: which probe types and options exist is the agent version's business).
 */
export const AgentConfigDocument = Type.Object(
  {
    version: ConfigVersion,
    /** agent.yaml's `defaults` keys (interval, timeout, retries …) for these checks. */
    defaults: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** Added to every check's labels (over agent.yaml's `labels`, under each check's own). */
    labels: Type.Optional(Labels),
    checks: Type.Array(Type.Unknown(), { maxItems: 10_000 }),
  },
  { additionalProperties: false },
);
export type AgentConfigDocument = Static<typeof AgentConfigDocument>;

/**
 * The heartbeat's report of the configuration the agent runs (optional in v1; newer than `send`).
 * `central`: its checks come from the collector; `local`: from agent.yaml (a site managed by hand;
 * `version` is then a hash of its checks). `applied`: `version` runs. `rejected`: the newest
 * version offered was refused for `rejected.problems`, and `version` (the last good one, if any)
 * keeps running. `none`: central, and no configuration received yet.
 */
export const HeartbeatConfig = Type.Object(
  {
    source: Type.Union([Type.Literal('central'), Type.Literal('local')]),
    version: Type.Optional(ConfigVersion),
    state: Type.Union([Type.Literal('applied'), Type.Literal('rejected'), Type.Literal('none')]),
    rejected: Type.Optional(
      Type.Object({ version: ConfigVersion, problems: Type.Array(ConfigProblem, { maxItems: MAX_CONFIG_PROBLEMS }) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type HeartbeatConfig = Static<typeof HeartbeatConfig>;

/** In the heartbeat answer: the version the collector holds for this agent now (absent: no central configuration here). */
export const HeartbeatAckConfig = Type.Object({ version: ConfigVersion });
