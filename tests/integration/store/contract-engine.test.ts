import { expect, it } from 'vitest';
import { ServiceTracker } from '../../../collector/src/engine/service-tracker.js';
import { StateMachine } from '../../../collector/src/engine/state-machine.js';
import { slaReportFor } from '../../../collector/src/sla-query.js';
import { NO_AGENT, type Store } from '../../../collector/src/store/types.js';
import { ManualClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import { parseDefinition } from '../../../shared/sla/definition.js';
import { CHECKS, HEARTBEAT_MS, INTERVAL_MS, type LateScenario, play, type SiteDriver, STRICT_DEF, type Status } from '../../unit/collector/late-scenario.js';
import { agentRow, result, storeContract, T0, token } from './contract-kit.js';

storeContract('the state engine on the store', (c) => {
  it('a released check id belongs to nobody: not among its old agent’s checks, free after a restart, then the next agent’s (state engine on this store)', async () => {
    await c.reset();
    const clock = new ManualClock(T0);
    const engineOn = async (store: Store) => {
      const sm: StateMachine = new StateMachine(
        store,
        clock,
        silentLogger(),
        { confirmDown: 1, confirmUp: 1, degradedAs: 'down', staleAfterIntervals: 3, heartbeatLostAfterMs: 45_000 },
        [],
        new ServiceTracker(
          (c, m) => sm.stateOf(c, m),
          clock,
          () => [],
        ),
      );
      await sm.load();
      return sm;
    };
    await c.s.agents.insertEnrollmentToken(token('t', { maxUses: null }));
    await c.s.agents.enroll('t', agentRow('acme.a1'));
    await c.s.agents.enroll('t', agentRow('acme.a2', 'acme', 'branch'));
    const [a1, a2] = [(await c.s.agents.get('acme.a1'))!, (await c.s.agents.get('acme.a2'))!];
    const first = await engineOn(c.s);
    expect(await first.ingest(a1, 1, [result('fw-1', T0)], [])).toBe(true);
    clock.set(T0 + 5000);
    expect(await first.releaseCheck('acme', 'fw-1')).toEqual({ owner: 'acme.a1' });
    await first.idle();
    expect(await c.s.checks.ofAgent('acme.a1')).toEqual([]);
    expect(await c.s.checks.get('acme', 'fw-1')).toMatchObject({ agentId: NO_AGENT, state: 'unknown', stateSince: T0 + 5000, lastTs: T0 + 5000 });

    const second = await engineOn(await c.fresh.open());
    expect(second.ownerOf('acme', 'fw-1')).toBeUndefined();
    clock.set(T0 + 10_000);
    expect(await second.ingest(a2, 1, [result('fw-1', T0 + 10_000)], [])).toBe(true);
    expect(second.ownerOf('acme', 'fw-1')).toBe('acme.a2');
    expect(await c.s.checks.get('acme', 'fw-1')).toMatchObject({ agentId: 'acme.a2', siteId: 'branch', state: 'up', stateSince: T0 + 10_000 });
    expect((await c.s.checks.transitionsFor('acme', ['fw-1'], 0, T0 + 60_000)).map((t) => [t.ts - T0, t.state])).toEqual([
      [0, 'up'],
      [5000, 'unknown'],
      [10_000, 'up'],
    ]);
  });

  it('a WAN outage backfilled after the sweep inferred unknown gives the SLA report of the same results on time (state engine on this store)', async () => {
    const sc: LateScenario = {
      rounds: Array.from({ length: 30 }, (_, i): Status[] =>
        i === 9 || i === 10 ? ['down', 'up', 'up'] : i === 14 ? ['up', 'down', 'down'] : ['up', 'up', 'up'],
      ),
      outage: { start: 5, length: 15 },
      dropped: 3,
      batches: 3,
    };
    const outcomes = [];
    for (const late of [false, true]) {
      const store = await c.another();
      const clock = new ManualClock(T0);
      const defs = [parseDefinition(STRICT_DEF, 'acme.yaml')];
      const sm: StateMachine = new StateMachine(
        store,
        clock,
        silentLogger(),
        { confirmDown: 2, confirmUp: 1, degradedAs: 'down', staleAfterIntervals: 3, heartbeatLostAfterMs: 45_000 },
        [],
        new ServiceTracker(
          (c, m) => sm.stateOf(c, m),
          clock,
          () => defs,
        ),
        () => defs,
      );
      await sm.load();
      await store.agents.insertEnrollmentToken(token('t'));
      await store.agents.enroll('t', agentRow('acme.a1'));
      const agent = (await store.agents.get('acme.a1'))!;
      let seq = 0;
      const inferred: string[] = [];
      const driver: SiteDriver = {
        at: (ms) => clock.set(ms),
        ingest: async (rs) => {
          expect(
            await sm.ingest(
              agent,
              ++seq,
              rs.map((r) => result(r.check, r.ts, r.status)),
              [],
            ),
          ).toBe(true);
        },
        heartbeat: () =>
          sm.heartbeat(
            agent,
            CHECKS.map((id) => ({ id, type: 'tcp', intervalSeconds: INTERVAL_MS / 1000, timeoutSeconds: 1 })),
            HEARTBEAT_MS,
          ),
        sweep: () => sm.sweep(),
      };
      const end = await play(driver, sc, late, T0, async () => {
        for (const c of CHECKS) inferred.push((await store.checks.get('acme', c))!.state);
      });
      clock.set(end);
      await sm.idle();
      if (late) expect(inferred).toEqual(['unknown', 'unknown', 'unknown']);
      outcomes.push({
        report: await slaReportFor(store, defs, 'acme', undefined, end),
        transitions: await store.checks.transitionsFor('acme', [...CHECKS], 0, end + 1),
      });
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[0]!.transitions.filter((t) => t.state === 'unknown').map((t) => t.ts - T0)).toEqual([50_000, 50_000, 50_000]); // the rounds lost, on time and late
  });
});
