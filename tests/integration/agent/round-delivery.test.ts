import { createServer as createTcp, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../agent/src/config.js';
import { startAgent } from '../../../agent/src/main.js';
import { defaultRegistry } from '../../../agent/src/probes/registry.js';
import { writeState } from '../../../agent/src/state.js';
import { startEchoResponder } from '../../../agent/src/voip/responder.js';
import { silentLogger } from '../../../shared/logger.js';
import type { SampleBatch } from '../../../shared/protocol/v1/batch.js';
import { tempDir, waitFor } from '../../helpers/net.js';
import { standInCollector } from './stand-in-collector.js';

type Check = { kind: 'check'; checkId: string; status: string; ts: number };

/**
 * One delivery per round: a paced check (VoIP, half a slot after the burst) whose result is up
 * again rides with the next burst's request; its first result, a failure or a change goes at once.
 */
describe('the agent sends a steady paced result with the next burst, a change at once', () => {
  const dir = tempDir();
  const registry = defaultRegistry();
  let batches: SampleBatch[] = [];
  let collector: Awaited<ReturnType<typeof standInCollector>>;
  let collectorUrl = '';
  let target: TcpServer;
  let targetPort = 0;

  beforeAll(async () => {
    collector = await standInCollector();
    collectorUrl = collector.url;
    batches = collector.batches;
    target = createTcp((s) => s.end());
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    targetPort = (target.address() as { port: number }).port;
  });
  afterAll(() => {
    collector.close();
    target.close();
    dir.remove();
  });

  it('steady VoIP results go in the burst requests; the first down one in a request of its own, before the next burst', async () => {
    const responder = await startEchoResponder({ host: '127.0.0.1', port: 0 });
    const stateDir = join(dir.path, 'state');
    writeState(stateDir, { agentId: 'acme.round', agentToken: 'x'.repeat(64), clientId: 'acme', siteId: 'hq', collectorUrl, lastSeq: 0 });
    const config = parseAgentConfig(
      {
        collector: { url: collectorUrl },
        stateDir,
        checks: [
          { id: 'port', type: 'tcp', host: '127.0.0.1', port: targetPort, interval: '1s', timeout: '400ms' },
          { id: 'path', type: 'voip', host: '127.0.0.1', port: responder.port, packets: 5, intervalMs: 5, interval: '1s', timeout: '400ms' },
        ],
        send: { flushInterval: '100ms' },
        schedule: { slot: '1s' },
        heartbeat: { interval: '1m' },
        host: { enabled: false },
        memory: { trim: false },
      },
      'agent.yaml',
      registry,
      dir.path,
    );
    const checksOf = (b: SampleBatch) => b.samples.filter((s): s is Check & SampleBatch['samples'][number] => s.kind === 'check') as unknown as Check[];
    const agent = await startAgent(config, registry, silentLogger());
    try {
      // a few rounds of steady results
      await waitFor(() => batches.flatMap(checksOf).filter((c) => c.checkId === 'path' && c.status === 'up').length >= 4 || undefined, 'four VoIP results');
      const seen = batches.map(checksOf);
      // after the first VoIP result, no request carries a VoIP result alone: each rides with a later burst's tcp result
      const firstPath = seen.findIndex((b) => b.some((c) => c.checkId === 'path'));
      const later = seen.slice(firstPath + 1).filter((b) => b.some((c) => c.checkId === 'path'));
      expect(later.length).toBeGreaterThanOrEqual(3);
      for (const b of later) {
        const path = b.find((c) => c.checkId === 'path')!;
        expect(b.some((c) => c.checkId === 'port' && c.ts > path.ts)).toBe(true);
      }
      // the far end goes away: the first down result is sent at once, before the burst that follows it
      const before = batches.length;
      await responder.close();
      const down = await waitFor(
        () => batches.slice(before).find((b) => checksOf(b).some((c) => c.checkId === 'path' && c.status !== 'up')),
        'a VoIP result that is not up',
      );
      const failed = checksOf(down).find((c) => c.checkId === 'path' && c.status !== 'up')!;
      expect(checksOf(down).filter((c) => c.ts > failed.ts)).toEqual([]);
    } finally {
      await agent.stop();
    }
  });
});
