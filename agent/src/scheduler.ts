import { createHash } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { CheckResultSample } from '../../shared/protocol/v1/batch.js';
import type { CheckConfig } from './config.js';
import { judgeQuality } from './probes/quality.js';
import type { ProbeRegistry } from './probes/registry.js';
import type { ProbeRuntime } from './probes/runtime.js';
import { type CheckDiff, diffChecks } from './remote-config-diff.js';

/** Deterministic offset in [0, interval): spreads checks over their interval. */
export function jitterOffset(id: string, intervalMs: number): number {
  return createHash('sha1').update(id).digest().readUInt32BE(0) % Math.max(1, intervalMs);
}

/**
 * When in its interval a check runs (ms after each wall-clock multiple of the interval).
 * With `slotMs` 0 every check keeps its own spread offset. Otherwise offsets are rounded
 * down to slot boundaries, so the checks of one slot run in the same wake-up of the agent
 * (timer coalescing: on an endpoint most of an idle agent's CPU is the cost of waking up,
 * not of the checks). Paced probes (VoIP streams, ICMP rounds) run half a slot later,
 * away from the burst, so the agent's own work does not show up as their jitter.
 */
export function phaseOf(c: Pick<CheckConfig, 'id' | 'intervalMs'>, slotMs: number, paced: boolean): number {
  const spread = jitterOffset(c.id, c.intervalMs);
  if (slotMs <= 0) return spread;
  const slot = slotLength(slotMs, c.intervalMs);
  return (Math.floor(spread / slot) * slot + (paced ? Math.floor(slot / 2) : 0)) % c.intervalMs;
}

/** The slot a check of this interval is coalesced in: never longer than the interval; 0 (off) = the interval. */
function slotLength(slotMs: number, intervalMs: number): number {
  return slotMs > 0 ? Math.min(slotMs, intervalMs) : intervalMs;
}

/**
 * How an owner stops the checks it runs: each attempt's controller is in `attempts` while it
 * runs, so stopping aborts them directly (no listener per attempt on a long-lived signal).
 */
export interface RunControl {
  readonly attempts: Set<AbortController>;
  stopped: boolean;
}

/**
 * Runs one check once (with retries), never throws: the result is wire-ready. The probe
 * measures; each attempt's result is judged against the check's quality thresholds here
 * (judgeQuality), so a degraded attempt is retried like a down one, as before.
 */
export async function runCheck(
  c: CheckConfig,
  registry: ProbeRegistry,
  runtime: ProbeRuntime,
  clock: Clock,
  logger: Logger,
  control?: RunControl,
): Promise<CheckResultSample> {
  const probe = registry.get(c.type)!;
  const ts = clock.now();
  let last: Awaited<ReturnType<typeof probe.run>> | undefined;
  for (let attempt = 0; attempt <= c.retries; attempt++) {
    // One controller per attempt, its timer cleared when the probe returns: AbortSignal.timeout
    // would wake the process once more per check after the fact.
    const attemptCtl = new AbortController();
    const timer = setTimeout(() => attemptCtl.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), c.timeoutMs);
    if (control?.stopped) attemptCtl.abort(new DOMException('The agent is stopping', 'AbortError'));
    control?.attempts.add(attemptCtl);
    try {
      last = judgeQuality(c.options, await probe.run(c.options as never, { signal: attemptCtl.signal, timeoutMs: c.timeoutMs, clock, logger, runtime }));
    } catch (e) {
      last = { status: 'down', reason: 'error', message: `probe failed: ${(e as Error).message}`, durationMs: 0, metrics: {} };
    } finally {
      clearTimeout(timer);
      control?.attempts.delete(attemptCtl);
    }
    if (last.status === 'up' || control?.stopped) break;
  }
  const r = last!;
  return {
    kind: 'check',
    checkId: c.id,
    type: c.type,
    ts,
    status: r.status,
    durationMs: Math.max(0, r.durationMs),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.message ? { message: r.message.slice(0, 1024) } : {}),
    metrics: Object.fromEntries(Object.entries(r.metrics).filter(([, v]) => Number.isFinite(v))),
    labels: c.labels,
    target: probe.describe(c.options as never).slice(0, 512),
  };
}

interface Group {
  intervalMs: number;
  phaseMs: number;
  checks: CheckConfig[];
  /** Wall-clock ms of the next run. */
  nextAt?: number;
}

/** A check's current failure streak: confirming re-probes made in it, and the one armed. */
interface Streak {
  reprobes: number;
  timer?: NodeJS.Timeout;
}

/**
 * Each check on its own interval, never two runs of one check at once. Checks with the same
 * interval and phase form a group with ONE timer, re-armed against the wall clock on every
 * fire (no drift), so a restart keeps the phases and groups of different intervals meet.
 *
 * Faster confirmation: after a result that is not `up`, the check runs again `retryIntervalMs`
 * later instead of a whole interval later, at most `confirmRetries` times per failure streak
 * (an `up` ends the streak), so the collector's confirmDown is reached within seconds. The
 * re-probe is an ordinary result with its own ts, reported `urgent` (sent at once); the normal
 * schedule is untouched. Its timer exists only while a check is failing: an idle, healthy
 * agent has no more wake-ups than before.
 */
export class Scheduler {
  private readonly timers = new Map<Group, NodeJS.Timeout>();
  private readonly firstRuns = new Set<NodeJS.Timeout>();
  private readonly running = new Set<string>();
  private readonly streaks = new Map<string, Streak>();
  /** Each check's group (for its next normal run) and its entry now. */
  private readonly groupOf = new Map<string, { group: Group; check: CheckConfig }>();
  private readonly control: RunControl = { attempts: new Set(), stopped: false };
  private readonly byKey = new Map<string, Group>(); // by `interval/phase`
  private started = false;

  constructor(
    checks: readonly CheckConfig[],
    private readonly registry: ProbeRegistry,
    private readonly runtime: ProbeRuntime,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** `idle`: no other check is running (a burst has fully reported); `urgent`: a confirming re-probe, to send at once. */
    private readonly onResult: (r: CheckResultSample, idle: boolean, urgent: boolean) => void,
    private readonly slotMs = 10_000,
  ) {
    for (const c of checks) this.place(c);
  }

  get groups(): Group[] {
    return [...this.byKey.values()];
  }
  get checks(): CheckConfig[] {
    return this.groups.flatMap((g) => g.checks);
  }

  /** No check is running. */
  get idle(): boolean {
    return this.running.size === 0;
  }

  /**
   * Arms every group on its phase. A group whose phase is more than a slot away also runs once
   * at its next slot boundary, so a long-interval check reports within a slot of start-up
   * instead of up to an interval later (still in a coalesced wake-up).
   */
  start(): void {
    this.started = true;
    for (const g of this.byKey.values()) this.begin(g, g.checks);
  }

  /**
   * A new check list without a restart (central configuration): unchanged checks run on untouched
   * (group, timer, failure streak, a run in progress); a changed one starts afresh, a removed one
   * stops (a run in progress reports, never overlapped by the new one); new ones run within a slot.
   */
  update(next: readonly CheckConfig[]): CheckDiff {
    const d = diffChecks(this.checks, next);
    for (const c of [...d.removed, ...d.changed]) this.drop(c.id);
    const fresh = new Map<Group, CheckConfig[]>();
    for (const c of [...d.added, ...d.changed]) {
      const g = this.place(c);
      fresh.set(g, [...(fresh.get(g) ?? []), c]); // per update, not per run
    }
    if (this.started && !this.control.stopped) for (const [g, cs] of fresh) this.begin(g, cs);
    return d;
  }

  /** Puts a check in the group of its interval and phase (a new group when there is none). */
  private place(c: CheckConfig): Group {
    const phaseMs = phaseOf(c, this.slotMs, this.registry.get(c.type)?.paced === true);
    const key = `${c.intervalMs}/${phaseMs}`;
    let g = this.byKey.get(key);
    if (!g) this.byKey.set(key, (g = { intervalMs: c.intervalMs, phaseMs, checks: [] }));
    g.checks.push(c);
    this.groupOf.set(c.id, { group: g, check: c });
    return g;
  }

  /** Takes a check out of its group (a group left empty stops), and ends its failure streak. */
  private drop(id: string): void {
    const g = this.groupOf.get(id)?.group;
    if (!g) return;
    g.checks = g.checks.filter((c) => c.id !== id);
    this.groupOf.delete(id);
    clearTimeout(this.streaks.get(id)?.timer);
    this.streaks.delete(id);
    if (g.checks.length > 0) return;
    clearTimeout(this.timers.get(g));
    this.timers.delete(g);
    this.byKey.delete(`${g.intervalMs}/${g.phaseMs}`);
  }

  /** Is this entry (not an older one of its id) still configured? */
  private current = (c: CheckConfig) => this.groupOf.get(c.id)?.check === c;

  /** Arms a group not armed yet; `checks` also run once at the next slot boundary when the group's phase is more than a slot away. */
  private begin(g: Group, checks: readonly CheckConfig[]): void {
    if (!this.timers.has(g)) this.arm(g);
    const now = this.clock.now();
    const slot = slotLength(this.slotMs, g.intervalMs);
    const soon = ((((g.phaseMs % slot) - now) % slot) + slot) % slot;
    if (now + soon >= g.nextAt!) return;
    const t = setTimeout(() => {
      this.firstRuns.delete(t);
      for (const c of checks) if (checks === g.checks || this.current(c)) this.fire(c);
    }, soon);
    this.firstRuns.add(t);
  }

  /**
   * Next run of the group: one interval after the last due time (no drift from late timers,
   * no double run from an early one); the first run, and the next after a suspend longer
   * than an interval, at the next wall-clock phase.
   */
  private arm(g: Group): void {
    if (this.control.stopped) return;
    const now = this.clock.now();
    const nextPhase = now + ((((g.phaseMs - now) % g.intervalMs) + g.intervalMs) % g.intervalMs);
    g.nextAt = g.nextAt === undefined || g.nextAt + g.intervalMs < now - g.intervalMs ? nextPhase : g.nextAt + g.intervalMs;
    const t = setTimeout(
      () => {
        for (const c of g.checks) this.fire(c);
        this.arm(g);
      },
      Math.max(0, g.nextAt - now),
    );
    this.timers.set(g, t);
  }

  private fire(c: CheckConfig, reprobe = false): void {
    if (this.running.has(c.id)) {
      // a re-probe still going at the normal time stands in for that run
      if (reprobe || this.streaks.get(c.id)?.reprobes) this.logger.debug({ check: c.id }, 'a run of this check is still going; skipping this one');
      else this.logger.warn({ check: c.id }, 'previous run still going; skipping this one');
      return;
    }
    this.running.add(c.id);
    void runCheck(c, this.registry, this.runtime, this.clock, this.logger, this.control).then((r) => {
      this.running.delete(c.id);
      this.onResult(r, this.running.size === 0, reprobe);
      // a check removed or changed meanwhile: its result still reports, but no re-probe of the old entry
      if (this.current(c)) this.confirm(c, r.status === 'up', r.status === 'up' ? undefined : r.reason);
    });
  }

  /**
   * After a result: an `up` ends the failure streak; a failure of a reason in `confirmOn` arms a
   * re-probe if the streak has one left and it comes before the next normal run.
   */
  private confirm(c: CheckConfig, up: boolean, reason?: string): void {
    const streak = this.streaks.get(c.id);
    if (up) {
      if (streak) clearTimeout(streak.timer);
      this.streaks.delete(c.id);
      return;
    }
    const s = streak ?? { reprobes: 0 };
    this.streaks.set(c.id, s);
    const delay = c.retryIntervalMs ?? 0;
    const nextAt = this.groupOf.get(c.id)?.group.nextAt ?? Infinity;
    if (this.control.stopped || delay <= 0 || s.timer || s.reprobes >= (c.confirmRetries ?? 0) || this.clock.now() + delay >= nextAt) return;
    if (c.confirmOn && !c.confirmOn.includes((reason ?? 'error') as never)) return;
    s.reprobes++;
    s.timer = setTimeout(() => {
      s.timer = undefined;
      this.fire(c, true);
    }, delay);
  }

  /** Stops the timers and aborts the attempts still running (their results still report). */
  close(): void {
    this.control.stopped = true;
    for (const a of this.control.attempts) a.abort(new DOMException('The agent is stopping', 'AbortError'));
    for (const t of [...this.timers.values(), ...this.firstRuns]) clearTimeout(t);
    for (const s of this.streaks.values()) clearTimeout(s.timer);
    this.timers.clear();
    this.firstRuns.clear();
    this.streaks.clear();
  }
}
