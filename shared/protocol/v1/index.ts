/** Wire contract v1. Never break it: add fields as optional, or add v2. */
export * from './common.js';
export * from './enroll.js';
export * from './batch.js';
export * from './heartbeat.js';
export * from './agent-config.js';

export const PROTOCOL_VERSION = 1;
export const PATHS = {
  enroll: '/api/v1/enroll',
  ingest: '/api/v1/ingest',
  heartbeat: '/api/v1/heartbeat',
  agentConfig: '/api/v1/agent/config',
} as const;
