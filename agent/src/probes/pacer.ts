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

const lanes = new Map<number, Lane>();

function stopIfIdle(spacingMs: number, lane: Lane): void {
  if (lane.steps.size > 0) return;
  clearInterval(lane.timer);
  lanes.delete(spacingMs);
}

/**
 * Calls `step` every `spacingMs` until it returns false or the returned cancel is called.
 * The first call is immediate when no lane of that spacing runs, else on the lane's next
 * tick (at most one spacing later); after that, one call per tick.
 */
export function pace(spacingMs: number, step: Step): () => void {
  let lane = lanes.get(spacingMs);
  if (!lane) {
    if (!step()) return () => undefined;
    const created: Lane = {
      steps: new Set(),
      timer: setInterval(() => {
        for (const s of created.steps) if (!s()) created.steps.delete(s);
        stopIfIdle(spacingMs, created);
      }, spacingMs),
    };
    lane = created;
    lanes.set(spacingMs, lane);
  }
  const l = lane;
  l.steps.add(step);
  return () => {
    l.steps.delete(step);
    stopIfIdle(spacingMs, l);
  };
}

/** Spacings with a running timer (for tests: nothing may be left running). */
export function activeLanes(): number[] {
  return [...lanes.keys()];
}
