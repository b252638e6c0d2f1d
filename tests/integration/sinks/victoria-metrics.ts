import { freePort, startChild, waitFor, type Child } from '../../helpers/net.js';

/** One series as /api/v1/export gives it (one JSON object per line). */
export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/**
 * A real VictoriaMetrics on loopback (recipe: PEERS.md), its InfluxDB v2 write API at the same
 * address. `-dedup.minScrapeInterval=1ms` keeps one sample per series and millisecond: the sink
 * delivers at least once (a write cut after VictoriaMetrics stored it is sent again), and InfluxDB
 * itself overwrites such a repeat; without the flag VictoriaMetrics would keep both.
 */
export async function startVictoriaMetrics(dataDir: string, port?: number) {
  const p = port ?? (await freePort());
  const url = `http://127.0.0.1:${p}`;
  let child: Child = await launch();

  async function launch(): Promise<Child> {
    const c = startChild('victoria-metrics', [`-storageDataPath=${dataDir}`, `-httpListenAddr=127.0.0.1:${p}`, '-dedup.minScrapeInterval=1ms']);
    await waitFor(async () => (await fetch(`${url}/health`)).ok || undefined, 'victoria-metrics healthy', 30_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${c.output()}`);
    });
    return c;
  }

  return {
    url,
    /** Stops it (SIGTERM: it flushes what it acknowledged; a SIGKILL would lose its last second by its own design). */
    stop: () => child.stop(),
    /** Starts it again on the same data directory and port. */
    async restart() {
      child = await launch();
    },
    /** Every sample of every series matching `match`. */
    async export(match = '{__name__!=""}'): Promise<ExportedSeries[]> {
      const res = await fetch(`${url}/api/v1/export?match[]=${encodeURIComponent(match)}`);
      if (!res.ok) throw new Error(`export: ${res.status} ${await res.text()}`);
      return (await res.text())
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as ExportedSeries);
    },
    output: () => child.output(),
  };
}
