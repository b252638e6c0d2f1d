import type { CheckResultSample } from '../../../shared/protocol/v1/batch.js';

/** Quality slots are 15 minutes: every time zone's offset is a multiple, so local periods start on a slot. */
export const QUALITY_SLOT_MS = 15 * 60_000;

/** One check's MOS histogram count in a slot: bucket = floor(MOS × 10), 10 (1.0) … 50 (5.0). */
export interface QualityCount {
  checkId: string;
  bucket: number;
  n: number;
}

/**
 * The quality_slots increments of one client's accepted results: results with a finite `mos` metric
 * (VoIP and ICMP paths), counted per (check, slot, bucket). Engine-agnostic; the engines upsert the
 * rows in the batch's transaction, so a replayed batch adds nothing.
 */
export function qualityIncrements(client: string, results: readonly CheckResultSample[], into = new Map<string, [string, string, number, number, number]>()) {
  for (const r of results) {
    const mos = r.metrics?.mos;
    if (mos === undefined || !Number.isFinite(mos)) continue;
    const slot = Math.floor(r.ts / QUALITY_SLOT_MS) * QUALITY_SLOT_MS;
    const bucket = Math.min(50, Math.max(10, Math.floor(mos * 10 + 1e-9)));
    const k = `${client}\u0000${r.checkId}\u0000${slot}\u0000${bucket}`;
    const row = into.get(k);
    if (row) row[4]++;
    else into.set(k, [client, r.checkId, slot, bucket, 1]);
  }
  return into;
}
