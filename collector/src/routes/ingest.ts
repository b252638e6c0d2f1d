import type { FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../../../shared/errors.js';
import { BatchAck, CheckResultSample, MetricSample, SampleBatchEnvelope } from '../../../shared/protocol/v1/batch.js';
import { Heartbeat, HeartbeatAck } from '../../../shared/protocol/v1/heartbeat.js';
import type { AppContext, VigilFastify } from '../app-context.js';
import { advertisedLimits } from '../ingest/advertised-limits.js';
import { BatchIntake } from '../ingest/batch-intake.js';
import type { SampleShapes } from '../ingest/sample-checker.js';
import { TokenBuckets } from '../ingest/token-buckets.js';
import type { AgentRow } from '../store/types.js';

/**
 * Sample batches (idempotent by agentId+seq) and heartbeats. The agent's token and its rate
 * are checked before the body is read; the envelope is validated whole (400), each sample
 * on its own (refused alone, the rest stored).
 */
export function ingestRoutes(app: VigilFastify, ctx: AppContext): void {
  const { limits } = ctx.config;
  const intake = new BatchIntake(ctx.store, ctx.clock, limits, ctx.metrics.registry, ctx.engine.owners, ctx.logger);
  const advertised = advertisedLimits(ctx.config);
  const agents = new WeakMap<FastifyRequest, AgentRow>();
  const overCatalogue = new Set<string>();

  /** onRequest: who is sending, and whether their bucket has a token (else 429 + Retry-After). */
  const admit = (what: string, buckets: TokenBuckets) => async (req: FastifyRequest, reply: FastifyReply) => {
    const agent = await ctx.agentTokens.agentOf(req);
    const wait = buckets.take(agent.id);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new VigilError(
        'RATE_LIMITED',
        `agent ${agent.id} sends more than ${limits.batchesPerSecond} ${what} per second (burst ${limits.batchBurst}, limits.batchesPerSecond); retry in ${wait} s`,
      );
    }
    agents.set(req, agent);
  };
  const agentOf = (req: FastifyRequest, claimed: string): AgentRow => {
    const agent = agents.get(req);
    if (!agent) throw new VigilError('INTERNAL', 'request reached its handler without an agent');
    if (claimed !== agent.id) throw new VigilError('FORBIDDEN', `this token belongs to agent ${agent.id}, not ${claimed}`);
    return agent;
  };

  app.post(
    '/api/v1/ingest',
    {
      config: { access: 'agent' },
      bodyLimit: ctx.config.bodyLimitBytes,
      onRequest: admit('batches', new TokenBuckets(ctx.clock, limits.batchesPerSecond, limits.batchBurst)),
      schema: { body: SampleBatchEnvelope, response: { 200: BatchAck } },
    },
    async (req) => {
      const started = performance.now();
      const batch = req.body;
      const agent = agentOf(req, batch.agentId);
      if (batch.samples.length > limits.maxSamplesPerBatch)
        throw new VigilError(
          'BODY_TOO_LARGE',
          `${batch.samples.length} samples in one batch; at most ${limits.maxSamplesPerBatch} (limits.maxSamplesPerBatch): split it`,
        );
      // compiled by the route's ajv once, then cached by fastify
      const shapes: SampleShapes = { check: req.compileValidationSchema(CheckResultSample), metric: req.compileValidationSchema(MetricSample) };
      const sorted = await intake.sort(agent, batch.samples, shapes);
      let stored: boolean;
      try {
        // Acknowledged only once committed: a 503 from a lost database leaves the batch with the agent.
        // A batch whose every sample was refused is stored too (empty): its seq is consumed, so the
        // agent drops those samples and moves on instead of sending them again forever.
        stored = await ctx.engine.ingest(agent, batch.seq, sorted.results, sorted.metrics);
      } catch (err) {
        sorted.rollback();
        throw err;
      }
      if (!stored) sorted.rollback(); // a replay: what it holds was counted when it was first stored
      ctx.metrics.observeIngest(stored, sorted.accepted.length, (performance.now() - started) / 1000);
      if (stored)
        for (const sink of ctx.sinks) sink.write({ ...batch, samples: sorted.accepted }, { agentId: agent.id, client: agent.clientId, site: agent.siteId });
      return {
        agentId: agent.id,
        seq: batch.seq,
        stored,
        accepted: stored ? sorted.accepted.length : 0,
        ...(sorted.refused.length > 0 ? { refused: sorted.refused } : {}),
      };
    },
  );

  app.post(
    '/api/v1/heartbeat',
    {
      config: { access: 'agent' },
      bodyLimit: ctx.config.bodyLimitBytes,
      onRequest: admit('heartbeats', new TokenBuckets(ctx.clock, limits.batchesPerSecond, limits.batchBurst)),
      schema: { body: Heartbeat, response: { 200: HeartbeatAck } },
    },
    async (req) => {
      const agent = agentOf(req, req.body.agentId);
      const now = ctx.clock.now();
      // the catalogue creates checks too: entries beyond the agent's check budget are not registered
      const catalogue = await intake.catalogue(agent, req.body.checks);
      if (catalogue.left > 0 && !overCatalogue.has(agent.id)) {
        overCatalogue.add(agent.id);
        req.log.warn(
          { agentId: agent.id, left: catalogue.left, checksPerAgent: limits.checksPerAgent },
          'heartbeat lists more checks than limits.checksPerAgent',
        );
      }
      try {
        await ctx.engine.heartbeat(agent, catalogue.kept, Math.round(req.body.intervalSeconds * 1000));
      } catch (err) {
        catalogue.rollback();
        throw err;
      }
      ctx.metrics.heartbeat(agent.id, req.body);
      // every heartbeat: one without figures clears those of an older agent version
      await ctx.store.agents.recordSpool(agent.id, req.body.spool ?? null, now);
      // what the agent runs: written only when it changed (fleet/agent-reports.ts)
      await ctx.fleetReports.heartbeat(agent.id, req.body, now);
      // the central configuration's version from memory; an agent running another one fetches it (routes/fleet.ts)
      const version = ctx.fleet.versionFor(agent);
      return { serverTime: now, limits: advertised, ...(version === undefined ? {} : { config: { version } }) };
    },
  );
}
