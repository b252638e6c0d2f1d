import type { AnswerLog } from './answer-log.js';
import { halve, nextLeaf, ParsedBatch, splitLeaf, splitOf } from './batch-split.js';
import type { BatchLimits } from './collector-limits.js';
import type { Leaf, Split, SplitJournal } from './split-journal.js';
import type { Spool, SpooledBatch } from '../../shared/spool/spool.js';

/** What goes out in one request: a spooled batch, or one part of a split one. */
export interface Unit {
  seq: number;
  payload: string;
  samples: number;
  leaf?: Leaf;
  split?: Split;
}

/**
 * The spool's head as it goes out: the batch itself when it is within the collector's limits,
 * else its parts (split-journal.ts for why that is crash safe). Decides what to send next and
 * settles what the collector answered for; the transport does the sending and the waiting.
 */
export class SplitSender {
  /** The batch being split, parsed once. */
  private parsed: ParsedBatch | undefined;

  constructor(
    private readonly spool: Spool,
    private readonly journal: SplitJournal,
    private readonly log: AnswerLog,
  ) {}

  /** What to send for the spool's head; undefined when it was settled without sending (a split delivered before a restart). */
  unitFor(head: SpooledBatch, limits: Readonly<BatchLimits>, envelope: number): Unit | undefined {
    this.journal.dropBefore(head.seq);
    let split = this.journal.of(head.seq);
    if (split === 'completed') {
      this.spool.ack(head.seq);
      this.log.counts.resentBatches++;
      return undefined;
    }
    if (!split) {
      if (head.samples <= limits.maxSamplesPerBatch && envelope + Buffer.byteLength(head.payload) <= limits.maxBatchBytes)
        return { seq: head.seq, payload: head.payload, samples: head.samples };
      split = this.start(head, limits, envelope, false, 'sealed before the collector advertised smaller limits');
      if (!split) return undefined;
    }
    const leaf = nextLeaf(split);
    if (!leaf) return void this.settled(head, { seq: head.seq, payload: '', samples: 0, split });
    const b = this.parsedFor(head);
    return { seq: leaf.seq, payload: b.payload(leaf.seq, leaf.from, leaf.to), samples: leaf.to - leaf.from, leaf, split };
  }

  /** 413: a single sample is dropped (counted); anything larger is resent in halves, each under a new seq. */
  tooLarge(head: SpooledBatch, unit: Unit, limits: Readonly<BatchLimits>, envelope: number): void {
    if (unit.samples <= 1) {
      this.log.tooLarge(unit);
      return void this.settled(head, unit);
    }
    if (!unit.leaf || !unit.split) return void this.start(head, limits, envelope, true, 'the collector answered 413');
    splitLeaf(unit.split, unit.leaf, this.parsedFor(head), limits, envelope, () => this.spool.reserveSeq());
    this.journal.record(unit.split); // before the halves are sent
    this.log.split(unit.seq, unit.samples, 'the collector answered 413', 2, true);
  }

  /** `unit` is done with (acknowledged, or dropped and counted): the next part of its split, or the batch leaves the spool. */
  settled(head: SpooledBatch, unit: Unit): void {
    const split = unit.split;
    if (!split) return void this.spool.ack(head.seq);
    if (unit.leaf) unit.leaf.done = true;
    if (nextLeaf(split)) return void this.journal.record(split);
    this.journal.complete(split); // before the parent's ack: a crash between the two sends nothing again
    this.spool.ack(split.parent);
    this.parsed = undefined;
  }

  private start(head: SpooledBatch, limits: Readonly<BatchLimits>, envelope: number, always: boolean, why: string): Split | undefined {
    let b: ParsedBatch;
    try {
      b = this.parsedFor(head);
    } catch {
      // the CRC held but the JSON does not parse: nothing can be sent of it
      this.log.rejected({ seq: head.seq, samples: head.samples }, 'unreadable', undefined);
      this.spool.ack(head.seq);
      return undefined;
    }
    const split = splitOf(b, halve(b, 0, b.length, limits, envelope, always), () => this.spool.reserveSeq());
    this.journal.record(split); // durable before any part is sent
    this.log.split(head.seq, head.samples, why, split.leaves.length);
    return split;
  }

  private parsedFor(head: SpooledBatch): ParsedBatch {
    if (this.parsed?.seq !== head.seq) this.parsed = new ParsedBatch(head.seq, head.payload);
    return this.parsed;
  }
}
