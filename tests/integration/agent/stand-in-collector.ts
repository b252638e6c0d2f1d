import { createServer } from 'node:http';
import type { SampleBatch } from '../../../shared/protocol/v1/batch.js';

/** A stand-in collector on loopback: answers heartbeats and batches with 200, keeps the batches in arrival order. */
export async function standInCollector(): Promise<{ url: string; batches: SampleBatch[]; close(): void }> {
  const batches: SampleBatch[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/api/v1/ingest') batches.push(JSON.parse(body) as SampleBatch);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    batches,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
