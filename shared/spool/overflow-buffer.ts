/** A sealed batch that the disk refused, kept in memory until it can be written or is sent. */
export interface MemoryBatch {
  seq: number;
  sealedAt: number;
  samples: number;
  payload: Buffer;
}

/**
 * The newest batches while the disk is full, bounded by their samples (the oldest go first, and
 * the caller counts them as dropped); the newest batch always stays, even if it alone is larger.
 */
export class OverflowBuffer {
  private readonly items: MemoryBatch[] = [];
  private sampleCount = 0;
  private byteCount = 0;

  constructor(private readonly maxSamples: number) {}

  get length(): number {
    return this.items.length;
  }

  get samples(): number {
    return this.sampleCount;
  }

  get bytes(): number {
    return this.byteCount;
  }

  get first(): MemoryBatch | undefined {
    return this.items[0];
  }

  /** Adds the newest batch; returns the ones dropped to stay within the bound. */
  push(b: MemoryBatch): MemoryBatch[] {
    this.items.push(b);
    this.sampleCount += b.samples;
    this.byteCount += b.payload.length;
    const dropped: MemoryBatch[] = [];
    while (this.sampleCount > this.maxSamples && this.items.length > 1) dropped.push(this.shift()!);
    return dropped;
  }

  shift(): MemoryBatch | undefined {
    const b = this.items.shift();
    if (b) {
      this.sampleCount -= b.samples;
      this.byteCount -= b.payload.length;
    }
    return b;
  }
}
