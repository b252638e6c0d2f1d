import { createServer, type Server } from 'node:http';
import { freePort } from '../helpers/net.js';
import { prng } from './detect-stats.js';

/**
 * Flapping targets for bench:detect: loopback HTTP services that never have a real outage
 * but glitch in short bursts, for false-incident counts. The model (per target, its own
 * seeded PRNG stream):
 *  - quiet gaps uniform in [GAP_MIN_S, GAP_MAX_S] between bursts, the first burst after a
 *    uniform [0, GAP_MAX_S) offset (so bursts land anywhere in both systems' 10 s cycles);
 *  - burst lengths log-uniform in [BURST_MIN_S, BURST_MAX_S] (short glitches are the common
 *    case: median 1.6 s, 40 % longer than 2 s);
 *  - each burst either answers every request 503 (an overloaded backend behind its proxy)
 *    or resets every connection after accepting it (a worker crashing and being respawned),
 *    50/50.
 * With the gap never shorter than the 10 s interval, two results one interval apart never both
 * see a glitch (barring probe jitter): "today's" confirmation (confirmDown 2, no re-probe) is
 * expected to open ~0 incidents here, and any confirmation spanning less than a burst does: a
 * re-probe r s after a failed result confirms a burst of L s when the normal run landed in its
 * first L − r s, i.e. with P = max(0, L − r) / 10 — about 5 % of these bursts at r = 2 s.
 */
const BURST_MIN_S = 0.5;
const BURST_MAX_S = 5;
const GAP_MIN_S = 10;
const GAP_MAX_S = 40;

/** A request this soon after the same watcher's previous one is a re-probe (half the bench's 10 s interval). */
const REPROBE_GAP_MS = 5000;

export interface Burst {
  /** ms after the flapping began. */
  fromMs: number;
  toMs: number;
  mode: '503' | 'reset';
}

export interface FlappingTarget {
  readonly name: string;
  readonly url: string;
  readonly bursts: readonly Burst[];
  /**
   * Requests answered inside a burst (503 or reset), by watcher (`x-bench-side`; blackbox_exporter:
   * `reference`); `<side>.reprobe`: those that came under half an interval after that watcher's
   * previous request (normal runs are an interval apart).
   */
  readonly glitched: Map<string, number>;
  /** Bursts are relative to `t0` (wall-clock ms) from now on. */
  begin(t0: number): void;
  /** Absolute [from, to] of the burst containing `at` (± slackMs), if any. */
  burstAt(at: number, slackMs: number): Burst | undefined;
  stop(): Promise<void>;
}

/** A seeded burst schedule over [0, periodMs]. */
export function burstSchedule(seed: number, periodMs: number): Burst[] {
  const rnd = prng(seed);
  const out: Burst[] = [];
  let t = rnd() * GAP_MAX_S * 1000;
  while (t < periodMs) {
    const len = BURST_MIN_S * (BURST_MAX_S / BURST_MIN_S) ** rnd() * 1000;
    const mode = rnd() < 0.5 ? '503' : 'reset';
    out.push({ fromMs: Math.round(t), toMs: Math.round(Math.min(periodMs, t + len)), mode });
    t += len + (GAP_MIN_S + rnd() * (GAP_MAX_S - GAP_MIN_S)) * 1000;
  }
  return out;
}

export async function startFlapping(name: string, bursts: readonly Burst[]): Promise<FlappingTarget> {
  const port = await freePort();
  let t0: number | undefined;
  const current = (now: number): Burst | undefined => {
    if (t0 === undefined) return undefined;
    const rel = now - t0;
    return bursts.find((b) => rel >= b.fromMs && rel < b.toMs);
  };
  const glitched = new Map<string, number>();
  const lastBy = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const now = Date.now();
    const b = current(now);
    const side = String(req.headers['x-bench-side'] ?? (/^Blackbox/i.test(req.headers['user-agent'] ?? '') ? 'reference' : 'other'));
    const reprobe = now - (lastBy.get(side) ?? 0) < REPROBE_GAP_MS;
    lastBy.set(side, now);
    if (b) {
      const k = reprobe ? `${side}.reprobe` : side;
      glitched.set(k, (glitched.get(k) ?? 0) + 1);
    }
    if (b?.mode === 'reset') return void req.socket.resetAndDestroy();
    if (b?.mode === '503') {
      res.statusCode = 503;
      return void res.end('unavailable');
    }
    res.end('ok');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    name,
    url: `http://127.0.0.1:${port}/`,
    bursts,
    glitched,
    begin: (at) => {
      t0 = at;
    },
    burstAt: (at, slackMs) => {
      if (t0 === undefined) return undefined;
      const rel = at - t0;
      const b = bursts.find((x) => rel >= x.fromMs - slackMs && rel < x.toMs + slackMs);
      return b && { ...b, fromMs: b.fromMs + t0, toMs: b.toMs + t0 };
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `n` flapping targets f01…, each with its own PRNG stream derived from `seed` (the outage schedule's stream is untouched). */
export async function startFlappingTargets(n: number, seed: number, periodMs: number): Promise<FlappingTarget[]> {
  const out: FlappingTarget[] = [];
  for (let i = 1; i <= n; i++) {
    const name = `f${String(i).padStart(2, '0')}`;
    out.push(await startFlapping(name, burstSchedule((seed ^ Math.imul(0x9e3779b1, i)) >>> 0, periodMs)));
  }
  return out;
}

/** False incidents of one watching system on the flapping targets. */
export interface FalseIncidents {
  /** "down" notifications at the bench (the reference: distinct alerts, by target and startsAt). */
  notifications: number;
  /** Service-down incidents opened (Vigil only; null for the reference). */
  incidents: number | null;
  /** max(notifications, incidents): what the goal compares. */
  count: number;
  /** Vigil: length (s) of the burst each incident's first failed result fell in; null = in no burst. */
  burstSeconds: Array<number | null>;
}

/**
 * Counts what a system raised for the flapping targets since `since`. An incident is matched to
 * the burst its first failed result (startedAt) fell in, with 1 s slack for probe timing.
 */
export function falseIncidents(
  flapping: readonly FlappingTarget[],
  receipts: ReadonlyArray<{ target: string; at: number; startsAt?: number }>,
  incidents: ReadonlyArray<{ service: string; startedAt: number }> | undefined,
  since: number,
): FalseIncidents {
  const byName = new Map(flapping.map((f) => [f.name, f]));
  const hooks = receipts.filter((r) => byName.has(r.target) && r.at >= since);
  const notifications = incidents ? hooks.length : new Set(hooks.map((r) => `${r.target}\u0000${r.startsAt ?? r.at}`)).size;
  const opened = incidents?.filter((i) => byName.has(i.service) && i.startedAt >= since);
  const burstSeconds = (opened ?? []).map((i) => {
    const b = byName.get(i.service)!.burstAt(i.startedAt, 1000);
    return b ? Math.round((b.toMs - b.fromMs) / 100) / 10 : null;
  });
  return { notifications, incidents: opened?.length ?? null, count: Math.max(notifications, opened?.length ?? 0), burstSeconds };
}

/** `2 (bursts of 4.8 s, 4 s)` for the progress output. */
export function describeFalse(c: FalseIncidents): string {
  const bursts = c.burstSeconds.map((b) => (b === null ? 'none' : `${b} s`)).join(', ');
  return `${c.count}${bursts ? ` (bursts of ${bursts})` : ''}`;
}

/** The model and the schedule actually played: burst count, how many outlast `retryMs`, the share of time glitching. */
export function flapSummary(flapping: readonly FlappingTarget[], periodMs: number, retryMs: number) {
  const all = flapping.flatMap((f) => f.bursts);
  const glitchMs = all.reduce((s, b) => s + (b.toMs - b.fromMs), 0);
  return {
    targets: flapping.length,
    burstSeconds: [BURST_MIN_S, BURST_MAX_S],
    gapSeconds: [GAP_MIN_S, GAP_MAX_S],
    modes: ['503', 'reset'],
    periodSeconds: Math.round(periodMs / 1000),
    bursts: all.length,
    burstsLongerThanRetry: all.filter((b) => b.toMs - b.fromMs > retryMs).length,
    glitchPercent: flapping.length === 0 ? 0 : Math.round((glitchMs / (periodMs * flapping.length)) * 1000) / 10,
    /** Probes that got a 503 or a reset, by watcher (normal runs; `vigilReprobes`: Vigil's re-probes): each system did see the glitches. */
    glitchedProbes: Object.fromEntries(
      (
        [
          ['vigil', 'vigil'],
          ['vigilReprobes', 'vigil.reprobe'],
          ['vigilNoReprobe', 'vigilNoReprobe'],
          ['reference', 'reference'],
        ] as const
      ).map(([name, k]) => [name, flapping.reduce((s, f) => s + (f.glitched.get(k) ?? 0), 0)]),
    ),
  };
}
