/**
 * bench:ingest's collector: the real collector started the way its server entry starts it
 * (`startCollector(yaml)`: config validated, store opened, sweeps running), in a process of
 * its own so its RSS and CPU are its own. `node --import tsx tests/benchmarks/ingest-collector.ts CONFIG.yaml`
 * A config the collector rejects exits with code 2 and the reason on stderr (bench:ingest
 * reports that as skipped, e.g. a store engine that is not wired yet).
 */
import { VigilError } from '../../shared/errors.js';
import { startCollector } from '../../collector/src/server.js';

const config = process.argv[2];
if (!config) throw new Error('usage: ingest-collector.ts CONFIG.yaml');
let handle: Awaited<ReturnType<typeof startCollector>>;
try {
  handle = await startCollector(config);
} catch (e) {
  const problems = e instanceof VigilError && e.problems.length ? `: ${e.problems.map((p) => `${p.path} ${p.message}`).join('; ')}` : '';
  process.stderr.write(`${(e as Error).message}${problems}\n`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify({ ready: handle.url })}\n`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(
    sig,
    () =>
      void handle.close().then(
        () => process.exit(0),
        (e: Error) => {
          process.stderr.write(`close failed: ${e.stack ?? e.message}\n`);
          process.exit(1);
        },
      ),
  );
}
