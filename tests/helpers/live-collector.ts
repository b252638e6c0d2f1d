import { systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { parseDefinition } from '../../shared/sla/definition.js';
import { buildApp } from '../../collector/src/app.js';
import { parseCollectorConfig } from '../../collector/src/config.js';
import { openStore } from '../../collector/src/store/open-store.js';
import { tempDir } from './net.js';

const ADMIN = 'live-admin-token-0123456789';
/** The scrape token of every live collector (metrics.token): Prometheus sends it (startPrometheus's `bearer`). */
export const METRICS_TOKEN = 'live-metrics-token-0123456789';

/**
 * A real collector listening on a loopback port (real SQLite in a temp dir, the system
 * clock) with one enrolled agent, for peers that scrape it (Prometheus). Samples go in
 * through the real HTTP API, as an agent would send them.
 */
export async function liveCollector(definitionYaml: string, extraConfig: Record<string, unknown> = {}) {
  const dir = tempDir();
  const config = parseCollectorConfig(
    { dataDir: dir.path, adminToken: ADMIN, metrics: { token: METRICS_TOKEN }, state: { confirmDown: 1, confirmUp: 1 }, ...extraConfig },
    'test',
  );
  const store = await openStore(config.store);
  const def = parseDefinition(definitionYaml, 'test.yaml');
  const { app, incidents, engine } = await buildApp({ config, store, clock: systemClock, logger: silentLogger(), definitions: () => [def] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const post = async (path: string, body: unknown, token = ADMIN) =>
    (
      await fetch(base + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json() as Promise<any>;
  const t = await post('/api/v1/admin/enrollment-tokens', { clientId: def.client, siteId: 'hq' });
  const a = await post('/api/v1/enroll', { token: t.token, hostname: 'edge-1', agentVersion: 't' });
  let seq = 0;
  return {
    base,
    /** host:port, as a Prometheus scrape target. */
    target: base.replace('http://', ''),
    ingest: (samples: unknown[]) => post('/api/v1/ingest', { agentId: a.agentId, seq: ++seq, sentAt: Date.now(), samples }, a.agentToken),
    heartbeat: () =>
      post(
        '/api/v1/heartbeat',
        { agentId: a.agentId, sentAt: Date.now(), agentVersion: 't', uptimeSeconds: 1, queuedBatches: 0, intervalSeconds: 15, checks: [] },
        a.agentToken,
      ),
    /** Sends what the outbox has due now and waits for every attempt (tests need not wait for its timer). */
    async deliver() {
      await incidents.outbox.tick();
      await incidents.outbox.settle();
    },
    async close() {
      await incidents.outbox.stop();
      await app.close();
      await engine.idle();
      await store.close();
      dir.remove();
    },
  };
}
