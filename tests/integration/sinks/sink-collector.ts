import type { Logger } from '../../../shared/logger.js';
import { silentLogger } from '../../../shared/logger.js';
import type { Sample } from '../../../shared/protocol/v1/batch.js';
import { parseCollectorConfig } from '../../../collector/src/config.js';
import { startCollector } from '../../../collector/src/server.js';
import { tempDir } from '../../helpers/net.js';
import { TOKEN } from './sink-fixture.js';

const ADMIN = 'sink-admin-token-0123456789';
const METRICS = 'sink-metrics-token-0123456789';

/**
 * A real collector (startCollector: config, SQLite, listener, the sinks as server.ts builds them)
 * with one sink to `url` and one enrolled agent of client acme at site hq; samples go in through
 * the HTTP ingest API as an agent sends them.
 */
export async function sinkCollector(url: string, sink: Record<string, unknown> = {}, logger: Logger = silentLogger()) {
  const dir = tempDir();
  const config = parseCollectorConfig(
    {
      dataDir: dir.path,
      listen: { port: 0 },
      adminToken: ADMIN,
      metrics: { token: METRICS },
      limits: { batchesPerSecond: 10_000 },
      sinks: [{ type: 'influxdb', name: 'tsdb', url, org: 'msp', bucket: 'vigil', token: TOKEN, flushInterval: '100ms', ...sink }],
    },
    'test',
  );
  const handle = await startCollector(config, { logger });
  const post = async (path: string, body: unknown, token = ADMIN) => {
    const res = await fetch(handle.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const t = await post('/api/v1/admin/enrollment-tokens', { clientId: 'acme', siteId: 'hq' });
  const a = (await post('/api/v1/enroll', { token: t.body.token as string, hostname: 'edge-1', agentVersion: 't' })).body as unknown as {
    agentId: string;
    agentToken: string;
  };
  let seq = 0;
  return {
    agentId: a.agentId,
    /** One batch through POST /api/v1/ingest; the answer's status and accepted count. */
    async ingest(samples: Sample[]): Promise<{ status: number; accepted: number }> {
      const r = await post('/api/v1/ingest', { agentId: a.agentId, seq: ++seq, sentAt: Date.now(), samples }, a.agentToken);
      return { status: r.status, accepted: r.body.accepted as number };
    },
    /** A series' value on /metrics (the sum over the series matching `labels`), 0 when absent. */
    async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
      const text = await (await fetch(`${handle.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
        if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(m[3]);
      }
      return sum;
    },
    async close() {
      await handle.close();
      dir.remove();
    },
  };
}
export type SinkCollector = Awaited<ReturnType<typeof sinkCollector>>;
