import type { SampleBatch } from '../../../shared/protocol/v1/batch.js';

export interface AgentIdentity {
  agentId: string;
  client: string;
  site: string;
}

/**
 * An optional export of ingested samples (InfluxDB …). Called after a batch is stored,
 * once per stored batch (never for a replay). Must not block ingest: buffer and flush
 * on its own schedule; failures are logged and counted, never thrown to the caller.
 */
export interface Sink {
  readonly name: string;
  write(batch: SampleBatch, agent: AgentIdentity): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}
