import { VigilError } from '../../../shared/errors.js';
import { BatchAck, SampleBatch, type CheckResultSample, type MetricSample } from '../../../shared/protocol/v1/batch.js';
import { Heartbeat, HeartbeatAck } from '../../../shared/protocol/v1/heartbeat.js';
import type { AppContext, VigilFastify } from '../app-context.js';

/** Sample batches (idempotent by agentId+seq) and heartbeats. */
export function ingestRoutes(app: VigilFastify, ctx: AppContext): void {
  app.post('/api/v1/ingest', { schema: { body: SampleBatch, response: { 200: BatchAck } } }, async (req) => {
    const started = performance.now();
    const agent = await ctx.agentTokens.agentOf(req);
    const batch = req.body;
    if (batch.agentId !== agent.id) throw new VigilError('FORBIDDEN', `this token belongs to agent ${agent.id}, not ${batch.agentId}`);
    const results: CheckResultSample[] = [];
    const metrics: MetricSample[] = [];
    for (const s of batch.samples) (s.kind === 'check' ? results : metrics).push(s as never);
    // acknowledged only once committed: a 503 from a lost database leaves the batch with the agent
    const stored = await ctx.engine.ingest(agent, batch.seq, results, metrics);
    ctx.metrics.observeIngest(stored, batch.samples.length, (performance.now() - started) / 1000);
    if (stored) for (const sink of ctx.sinks) sink.write(batch, { agentId: agent.id, client: agent.clientId, site: agent.siteId });
    return { agentId: agent.id, seq: batch.seq, stored, accepted: stored ? batch.samples.length : 0 };
  });

  app.post('/api/v1/heartbeat', { schema: { body: Heartbeat, response: { 200: HeartbeatAck } } }, async (req) => {
    const agent = await ctx.agentTokens.agentOf(req);
    if (req.body.agentId !== agent.id) throw new VigilError('FORBIDDEN', `this token belongs to agent ${agent.id}, not ${req.body.agentId}`);
    const now = ctx.clock.now();
    await ctx.engine.heartbeat(agent, req.body.checks, Math.round(req.body.intervalSeconds * 1000));
    return { serverTime: now };
  });
}
