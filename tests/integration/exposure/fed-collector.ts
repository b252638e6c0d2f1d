import { systemClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import { parseDefinition } from '../../../shared/sla/definition.js';
import { buildApp } from '../../../collector/src/app.js';
import { parseCollectorConfig } from '../../../collector/src/config.js';
import { openStore } from '../../../collector/src/store/open-store.js';
import { tempDir } from '../../helpers/net.js';

const ADMIN = 'fed-admin-token-0123456789';
export const FED_METRICS_TOKEN = 'fed-metrics-token-0123456789';

export interface FedAgent {
  agentId: string;
  ingest(samples: unknown[]): Promise<Record<string, unknown>>;
  heartbeat(extra?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/**
 * A real collector on a loopback port (real SQLite in a temp dir, the system clock) for the
 * dashboards' query test: agents enrolled through the real API at any site, and the engine's sweep,
 * the early-warning evaluation and the outbox driven by the test instead of timers.
 */
export async function fedCollector(definitionYaml: string, extraConfig: Record<string, unknown> = {}) {
  const dir = tempDir();
  const config = parseCollectorConfig({ dataDir: dir.path, adminToken: ADMIN, metrics: { token: FED_METRICS_TOKEN }, ...extraConfig }, 'test');
  const store = await openStore(config.store);
  const def = parseDefinition(definitionYaml, 'test.yaml');
  const { app, incidents, engine } = await buildApp({ config, store, clock: systemClock, logger: silentLogger(), definitions: () => [def] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const post = async (path: string, body: unknown, token = ADMIN) => {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const out = (await res.json()) as Record<string, string>;
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(out)}`);
    return out;
  };
  return {
    base,
    target: base.replace('http://', ''),
    async agent(siteId: string, hostname: string): Promise<FedAgent> {
      const t = await post('/api/v1/admin/enrollment-tokens', { clientId: def.client, siteId });
      const a = await post('/api/v1/enroll', { token: t.token, hostname, agentVersion: '0.1.0-test' });
      let seq = 0;
      return {
        agentId: a.agentId!,
        ingest: (samples) => post('/api/v1/ingest', { agentId: a.agentId, seq: ++seq, sentAt: Date.now(), samples }, a.agentToken),
        heartbeat: (extra = {}) =>
          post(
            '/api/v1/heartbeat',
            {
              agentId: a.agentId,
              sentAt: Date.now(),
              agentVersion: '0.1.0-test',
              uptimeSeconds: 60,
              queuedBatches: 0,
              intervalSeconds: 1,
              checks: [],
              ...extra,
            },
            a.agentToken,
          ),
      };
    },
    /** One sweep: agents silent past state.heartbeatLostAfter become unreachable (site-unreachable incidents). */
    sweep: () => engine.sweep(),
    /** Burn-rate and projected-breach warnings, as the collector's timer would run them. */
    warn: () => incidents.earlyWarning.evaluate(),
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
