import { ManualClock } from '../../../shared/clock.js';
import { type Logger, silentLogger } from '../../../shared/logger.js';
import { parseDefinition } from '../../../shared/sla/definition.js';
import { buildApp } from '../../../collector/src/app.js';
import { parseCollectorConfig } from '../../../collector/src/config.js';
import { openStore } from '../../../collector/src/store/open-store.js';
import type { StoreConfig } from '../../../collector/src/store/open-store.js';
import type { CheckTransitionEvent, ServiceTransitionEvent } from '../../../collector/src/engine/events.js';
import type { RoutedChannel } from '../../../collector/src/notify/outbox.js';
import { tempDir } from '../../helpers/net.js';

export const ADMIN = 'unit-admin-token-0123456789';
/** Headers of a request made with the admin token (every read route needs a principal). */
export const AS_ADMIN = { authorization: `Bearer ${ADMIN}` };
const ACME = 'client: acme\ntimezone: UTC\nservices:\n  - { id: network, target: 99.9, members: [fw-1, sw-1, sw-2], downtime: { when: { membersDown: 2 } } }\n';

/** A collector app on a temp SQLite file with a manual clock, plus helpers to enroll and ingest. */
export async function collectorFixture(
  extra: Record<string, unknown> = {},
  defsYaml = ACME,
  opts: { channels?: RoutedChannel[]; dir?: ReturnType<typeof tempDir>; clock?: ManualClock; store?: StoreConfig; logger?: Logger; moreDefs?: string[] } = {},
) {
  const dir = opts.dir ?? tempDir();
  const clock = opts.clock ?? new ManualClock(Date.parse('2026-10-05T10:00:00Z'));
  const config = parseCollectorConfig(
    { dataDir: dir.path, adminToken: ADMIN, bodyLimitBytes: 64 * 1024, state: { confirmDown: 2, confirmUp: 1 }, ...extra },
    'test',
  );
  const store = await openStore(opts.store ?? config.store);
  const defs = [parseDefinition(defsYaml, 'acme.yaml'), ...(opts.moreDefs ?? []).map((y, i) => parseDefinition(y, `more-${i}.yaml`))];
  const checkEvents: CheckTransitionEvent[] = [];
  const serviceEvents: ServiceTransitionEvent[] = [];
  const built = await buildApp({
    config,
    store,
    clock,
    logger: opts.logger ?? silentLogger(),
    definitions: () => defs,
    listeners: [{ onCheckTransition: (e) => void checkEvents.push(e), onServiceTransition: (e) => void serviceEvents.push(e) }],
    ...(opts.channels ? { channels: opts.channels } : {}),
  });
  const { app } = built;
  const admin = { authorization: `Bearer ${ADMIN}` };
  const enroll = async (name: string, clientId = 'acme', siteId = 'hq') => {
    const t = (await app.inject({ method: 'POST', url: '/api/v1/admin/enrollment-tokens', headers: admin, payload: { clientId, siteId } })).json();
    const r = (await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token: t.token, hostname: name, agentVersion: 't', name } })).json();
    return { agentId: r.agentId as string, token: r.agentToken as string, enrollmentToken: t.token as string, enrollmentId: t.id as string };
  };
  let seq = 0;
  const ingest = (
    a: { agentId: string; token: string },
    results: Array<{ check: string; status: 'up' | 'down' | 'degraded'; ts?: number; metrics?: Record<string, number> }>,
    opts: { seq?: number; agentId?: string } = {},
  ) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${a.token}` },
      payload: {
        agentId: opts.agentId ?? a.agentId,
        seq: opts.seq ?? ++seq,
        sentAt: clock.now(),
        samples: results.map((r) => ({
          kind: 'check',
          checkId: r.check,
          type: 'tcp',
          ts: r.ts ?? clock.now(),
          status: r.status,
          durationMs: 1,
          metrics: { connect_seconds: 0.001, ...(r.metrics ?? {}) },
        })),
      },
    });
  /** A heartbeat listing these check ids (tcp, 30 s interval, 5 s timeout unless told), plus any other fields (e.g. `spool`, `intervalSeconds`). */
  const heartbeat = (
    a: { agentId: string; token: string },
    checks: readonly string[] = [],
    extra: Record<string, unknown> = {},
    check: { intervalSeconds?: number; timeoutSeconds?: number } = {},
  ) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/heartbeat',
      headers: { authorization: `Bearer ${a.token}` },
      payload: {
        agentId: a.agentId,
        sentAt: clock.now(),
        agentVersion: 't',
        uptimeSeconds: 1,
        queuedBatches: 0,
        intervalSeconds: 15,
        checks: checks.map((id) => ({ id, type: 'tcp', intervalSeconds: check.intervalSeconds ?? 30, timeoutSeconds: check.timeoutSeconds ?? 5 })),
        ...extra,
      },
    });
  return {
    ...built,
    store,
    clock,
    config,
    admin,
    enroll,
    ingest,
    heartbeat,
    checkEvents,
    serviceEvents,
    /** Closes the app and store; keeps the data dir when `keep` (a restart test reopens it). */
    async close(keep = false) {
      await built.incidents.outbox.stop();
      await app.close();
      await built.engine.idle();
      await store.close();
      if (!keep) dir.remove();
    },
    dir,
  };
}
