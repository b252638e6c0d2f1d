import type { CheckRow } from '../store/types.js';
import type { AgentReachabilityEvent } from './events.js';
import { infer } from './check-state.js';
import { type EngineCore, key, type Plan } from './engine-core.js';

/**
 * Periodic sweep: checks with no result for staleAfterIntervals × interval go unknown
 * (from when the next result was due); agents whose heartbeats stopped become
 * unreachable — one event per agent, and their checks go unknown. Silence counts from the
 * collector's start at the earliest: its own downtime pages nobody.
 */
export async function sweepChecks(core: EngineCore): Promise<void> {
  const { checks, locks, store, clock, liveness, opts } = core;
  const now = clock.now();
  await liveness.beat();
  for (const agent of await store.agents.list()) {
    if (agent.revokedAt !== null || agent.lastSeen === null || !agent.reachable) continue;
    const hb = agent.heartbeatIntervalMs ?? 30_000;
    if (now - liveness.silentSince(agent.lastSeen) <= (opts.heartbeatLostAfterMs ?? 3 * hb)) continue;
    const lastSeen = agent.lastSeen;
    const mine = [...checks.values()].filter((c) => c.clientId === agent.clientId && c.agentId === agent.id);
    const lost = await locks.run([`agent\u0000${agent.id}`, ...mine.map((c) => key(c.clientId, c.checkId))], async () => {
      const plan: Plan = { rows: new Map(), transitions: [], events: [] };
      for (const stale of mine) {
        const known = checks.get(key(stale.clientId, stale.checkId)) ?? stale;
        if (known.state === 'unknown') continue;
        const c = { ...known };
        plan.rows.set(key(c.clientId, c.checkId), c);
        plan.events.push(infer(c, lastSeen + hb, agent, plan.transitions, now, 'agent-unreachable'));
      }
      await store.transaction(async (tx) => {
        await tx.agents.setReachable(agent.id, false);
        await tx.checks.saveStates([...plan.rows.values()], plan.transitions);
      });
      core.commit(plan);
      const e: AgentReachabilityEvent = {
        client: agent.clientId,
        site: agent.siteId,
        agentId: agent.id,
        reachable: false,
        ts: lastSeen,
        detectedAt: now,
        checks: mine.map((c) => c.checkId),
      };
      return { events: plan.events, e };
    });
    await core.publish(lost.events, [lost.e]);
  }
  const stale = new Map<string, CheckRow[]>();
  for (const c of checks.values()) {
    if (c.state === 'unknown' || c.lastTs === null || c.intervalMs === null) continue;
    if (now - liveness.silentSince(c.lastTs) <= opts.staleAfterIntervals * c.intervalMs) continue;
    const list = stale.get(c.clientId);
    if (list) list.push(c);
    else stale.set(c.clientId, [c]);
  }
  for (const rows of stale.values()) {
    const events = await locks.run(
      rows.map((c) => key(c.clientId, c.checkId)),
      async () => {
        const plan: Plan = { rows: new Map(), transitions: [], events: [] };
        for (const known of rows) {
          const current = checks.get(key(known.clientId, known.checkId));
          if (!current || current.state === 'unknown' || current.lastTs === null || current.intervalMs === null) continue;
          if (now - liveness.silentSince(current.lastTs) <= opts.staleAfterIntervals * current.intervalMs) continue; // a result came meanwhile
          const c = { ...current };
          plan.rows.set(key(c.clientId, c.checkId), c);
          plan.events.push(infer(c, c.lastTs! + c.intervalMs!, { id: c.agentId, siteId: c.siteId }, plan.transitions, now, 'stale'));
        }
        if (plan.rows.size > 0) await store.checks.saveStates([...plan.rows.values()], plan.transitions);
        core.commit(plan);
        return plan.events;
      },
    );
    await core.publish(events);
  }
}
