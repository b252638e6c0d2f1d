import { afterEach, describe, expect, it } from 'vitest';
import { batchRecordsPrunableBefore } from '../../../collector/src/ingest/batch-retention.js';
import { collectorFixture } from './fixture.js';

/** Batch records are pruned once a resend of the batch could only bring samples ingest refuses as too old. */
let f: Awaited<ReturnType<typeof collectorFixture>> | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('batch records retention', () => {
  it('a batch resent after its record was pruned stores nothing: its samples are too old', async () => {
    f = await collectorFixture({ limits: { maxSampleAge: '2d', futureTolerance: '2m' } });
    const a = await f.enroll('site-a');
    expect((await f.ingest(a, [{ check: 'fw-1', status: 'up', ts: f.clock.now() + 60_000 }], { seq: 1 })).statusCode).toBe(200);
    const results = await f.store.checks.countResults();
    expect(results).toBe(1);
    // not yet prunable at the bound: the record stays, a resend is a replay
    f.clock.advance(2 * 86_400_000);
    expect(await f.store.checks.pruneBatches(batchRecordsPrunableBefore(f.clock.now(), f.config.limits))).toBe(0);
    f.clock.advance(86_400_000 + 3 * 60_000);
    expect(await f.store.checks.pruneBatches(batchRecordsPrunableBefore(f.clock.now(), f.config.limits))).toBe(1);
    const resent = await f.ingest(a, [{ check: 'fw-1', status: 'up', ts: f.clock.now() - 3 * 86_400_000 - 2 * 60_000 }], { seq: 1 });
    expect(resent.statusCode).toBeLessThan(500);
    expect(await f.store.checks.countResults()).toBe(results);
  });
});
