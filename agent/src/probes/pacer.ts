/**
 * One timer per packet spacing for every paced sender in the agent (VoIP streams, ICMP
 * rounds). Streams that run at the same time send on the same ticks, so four 50-packet
 * streams wake the agent 50 times, not 200: on an endpoint the wake-up, not the send,
 * is what costs CPU. A step returns false when its sender is done.
 */
type Step = () => boolean;

interface Lane {
  timer: NodeJS.Timeout;
  steps: Set<Step>;
}

/** The agent's pacer: one per ProbeRuntime (agent/src/probes/runtime.ts), so its timers stop with it. */
export class Pacer {
  private readonly lanes = new Map<number, Lane>();
  private closed = false;

  /**
   * Calls `step` every `spacingMs` until it returns false or the returned cancel is called.
   * The first call is immediate when no lane of that spacing runs, else on the lane's next
   * tick (at most one spacing later); after that, one call per tick. A closed pacer steps
   * nothing: its senders end by their own signal (the agent aborts every check before it
   * closes the runtime), and no timer outlives the runtime.
   */
  pace(spacingMs: number, step: Step): () => void {
    if (this.closed) return () => undefined;
    let lane = this.lanes.get(spacingMs);
    if (!lane) {
      if (!step()) return () => undefined;
      const created: Lane = {
        steps: new Set(),
        timer: setInterval(() => {
          for (const s of created.steps) if (!s()) created.steps.delete(s);
          this.stopIfIdle(spacingMs, created);
        }, spacingMs),
      };
      lane = created;
      this.lanes.set(spacingMs, lane);
    }
    const l = lane;
    l.steps.add(step);
    return () => {
      l.steps.delete(step);
      this.stopIfIdle(spacingMs, l);
    };
  }

  /** Spacings with a running timer (for tests: nothing may be left running). */
  activeLanes(): number[] {
    return [...this.lanes.keys()];
  }

  /** Clears every lane's timer; senders still registered get no further step. */
  close(): void {
    this.closed = true;
    for (const lane of this.lanes.values()) clearInterval(lane.timer);
    this.lanes.clear();
  }

  private stopIfIdle(spacingMs: number, lane: Lane): void {
    if (lane.steps.size > 0) return;
    clearInterval(lane.timer);
    this.lanes.delete(spacingMs);
  }
}
