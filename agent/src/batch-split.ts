import type { BatchLimits } from './collector-limits.js';
import type { Leaf, Split } from './split-journal.js';

/**
 * A spooled batch taken apart for splitting: each sample's JSON text and its UTF-8 size. Only
 * a batch that has to be split is parsed; the usual path sends the spooled text as it is.
 */
export class ParsedBatch {
  readonly parts: string[];
  readonly bytes: number[];

  constructor(
    readonly seq: number,
    payload: string,
  ) {
    const samples = (JSON.parse(payload) as { samples?: unknown }).samples;
    this.parts = (Array.isArray(samples) ? samples : []).map((s) => JSON.stringify(s));
    this.bytes = this.parts.map((p) => Buffer.byteLength(p));
  }

  get length(): number {
    return this.parts.length;
  }

  /** The payload of samples [from, to) under `seq`: `{"seq":N,"samples":[…]}` like a spool record's. */
  payload(seq: number, from: number, to: number): string {
    return `{"seq":${seq},"samples":[${this.parts.slice(from, to).join(',')}]}`;
  }

  /** Request body bytes of samples [from, to), given the envelope's bytes (agentId, sentAt, seq, brackets). */
  bodyBytes(from: number, to: number, envelope: number): number {
    let n = envelope + Math.max(0, to - from - 1);
    for (let i = from; i < to; i++) n += this.bytes[i]!;
    return n;
  }
}

/** Bytes of a request body besides its samples, at most: `{"agentId":…,"sentAt":…,"seq":…,"samples":[` and `]}`. */
export function envelopeBytes(agentId: string): number {
  return Buffer.byteLength(JSON.stringify(agentId)) + 80;
}

/** Whether samples [from, to) fit the limits as one batch (a single sample always "fits": it cannot be split further). */
export function fits(b: ParsedBatch, from: number, to: number, limits: Readonly<BatchLimits>, envelope: number): boolean {
  if (to - from <= 1) return true;
  return to - from <= limits.maxSamplesPerBatch && b.bodyBytes(from, to, envelope) <= limits.maxBatchBytes;
}

/**
 * Ranges covering [from, to) in order, by halving until each fits (`always`: halve at least
 * once, for a range the collector answered 413 although it looked within the limits).
 * Deterministic: the same batch and limits give the same ranges.
 */
export function halve(b: ParsedBatch, from: number, to: number, limits: Readonly<BatchLimits>, envelope: number, always = false): Array<[number, number]> {
  if (to - from <= 1 || (!always && fits(b, from, to, limits, envelope))) return [[from, to]];
  const mid = from + Math.ceil((to - from) / 2);
  return [...halve(b, from, mid, limits, envelope), ...halve(b, mid, to, limits, envelope)];
}

/** A split of batch `b` into `ranges`, each part under a fresh seq from `nextSeq` (the spool's allocator). */
export function splitOf(b: ParsedBatch, ranges: Array<[number, number]>, nextSeq: () => number): Split {
  return { parent: b.seq, leaves: ranges.map(([from, to]) => ({ seq: nextSeq(), from, to, done: false })) };
}

/** Part `leaf` answered 413: replaced, in place, by its halves under fresh seqs (its own seq is never sent again). */
export function splitLeaf(split: Split, leaf: Leaf, b: ParsedBatch, limits: Readonly<BatchLimits>, envelope: number, nextSeq: () => number): void {
  const parts = halve(b, leaf.from, leaf.to, limits, envelope, true).map(([from, to]) => ({ seq: nextSeq(), from, to, done: false }));
  split.leaves.splice(split.leaves.indexOf(leaf), 1, ...parts);
}

/** The next part to send, or undefined when every part is done. */
export function nextLeaf(split: Split): Leaf | undefined {
  return split.leaves.find((l) => !l.done);
}
