/**
 * bench:ingest's floor: a bare fastify route in a process of its own that does what any
 * ingest must (read and JSON-parse the body) and nothing else — no schema, no auth, no store —
 * and answers an ack of the collector's shape. What the collector reaches is compared to this.
 * `node --import tsx tests/benchmarks/ingest-floor.ts PORT BODY_LIMIT_BYTES`
 */
import Fastify from 'fastify';

const port = Number(process.argv[2]);
const bodyLimit = Number(process.argv[3] ?? 1024 * 1024);
const app = Fastify({ logger: false, bodyLimit });
app.get('/healthz', async () => ({ ok: true }));
app.post('/api/v1/ingest', async (req) => {
  const b = req.body as { agentId: string; seq: number; samples: unknown[] };
  return { agentId: b.agentId, seq: b.seq, stored: true, accepted: b.samples.length };
});
await app.listen({ host: '127.0.0.1', port });
process.stdout.write(`${JSON.stringify({ ready: `http://127.0.0.1:${port}` })}\n`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void app.close().finally(() => process.exit(0)));
