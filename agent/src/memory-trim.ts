import type { Clock } from '../../shared/clock.js';

/**
 * Gives memory the C heap holds free back to the system once a round of checks has finished.
 * glibc only returns memory from the top of its heap; what start-up scratch space, TLS buffers
 * and parser state free in the middle stays resident (on the bench agent ≈ 3 MB in a few large
 * free chunks). malloc_trim(0) releases the whole pages of those chunks. At most once per
 * `minGapMs`: a round's garbage is freed by then, and trimming more often would only make the
 * next round fault the same pages back in.
 */
export class HeapTrimmer {
  private lastAt = -Infinity;
  /** Trims that released memory, and all trims. */
  released = 0;
  trims = 0;

  constructor(
    private readonly trim: (() => boolean | undefined) | undefined,
    private readonly clock: Clock,
    private readonly minGapMs: number,
  ) {}

  get enabled(): boolean {
    return this.trim !== undefined;
  }

  /** Call when the agent is idle (no check running, results delivered). */
  idle(): void {
    if (!this.trim) return;
    const now = this.clock.now();
    if (now - this.lastAt < this.minGapMs) return;
    this.lastAt = now;
    this.trims++;
    if (this.trim() === true) this.released++;
  }
}
