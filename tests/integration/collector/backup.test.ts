import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDefinitionsDir } from '../../../shared/sla-files/definition-files.js';
import { collectorBackup, collectorRestore } from '../../../collector/src/cli/collector-command.js';
import { buildReport } from '../../../collector/src/reports/model.js';
import { openStore } from '../../../collector/src/store/open-store.js';
import { freePort, tempDir, type Child } from '../../helpers/net.js';
import { OUTAGE, rows, startCollectorProcess, Stream, vigil, writeConfig } from './backup-rig.js';

/**
 * A backup taken while a real collector ingests (a loop of real HTTP batches) restores to a
 * database that gives the same SLA report. "The same" is made exact: the stream's samples are
 * dated in batch order, so a consistent backup holds exactly the batches 1..k that were
 * committed when its snapshot was taken; after the backup ingest goes on, then stops. The
 * restored database must then hold, row for row, the original's results up to the backup's
 * last result, its batches 1..k, its transitions and incidents, and give the same report as
 * the original computed as of that last result.
 */
const dir = tempDir();
let collector: Child | undefined;
afterAll(async () => {
  await collector?.stop();
  dir.remove();
});

const RESULTS = 'SELECT rowid, client_id, check_id, ts, status, reason, duration_ms, metrics FROM results ORDER BY rowid';
const db = (name: string) => join(dir.path, name, 'vigil.db');

describe('collector backup under sustained ingest', () => {
  it('restores to a database with the same rows and the same SLA report as of the backup', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const live = writeConfig(dir.path, 'live', port);
    collector = await startCollectorProcess(live, base);
    const t0 = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;
    const stream = await Stream.enroll(base, t0);
    for (let s = 0; s < OUTAGE.steps; s += 10) await stream.send(10);
    stream.loop(25);
    await stream.waitAcked(stream.acked + 5);

    // 1. through the CLI's code path, in this process: copy half the pages, then hold the copy until
    //    three more batches are committed by the collector, then finish
    const b1 = join(dir.path, 'b1.db');
    const atStart = stream.acked;
    let heldFrom: number | undefined;
    let releasedAt: number | undefined;
    const r1 = await collectorBackup(live, b1, {
      onProgress: (p) => {
        if (p.remainingPages > p.totalPages / 2 || releasedAt !== undefined) return 1;
        heldFrom ??= stream.acked;
        if (stream.acked < heldFrom + 3) return 0;
        releasedAt = stream.acked;
        return 1;
      },
    });
    expect(releasedAt).toBeGreaterThanOrEqual(heldFrom! + 3);
    expect(r1.pages).toBeGreaterThan(2);
    expect(statSync(b1).mode & 0o777).toBe(0o600);

    // 2. the real command in a process of its own, while the loop goes on
    const b2 = join(dir.path, 'b2.db');
    const atLaunch = stream.acked;
    const out = await vigil(['collector', 'backup', b2, '-c', live]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^backed up .*vigil\.db to .*b2\.db: .* schema version \d+, last result 20\d\d-.*, integrity ok/);
    expect(statSync(b2).mode & 0o777).toBe(0o600);

    // a collector holds the database: restore refuses (the CLI path and the command), nothing is touched
    await expect(collectorRestore(live, b1, { force: true })).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_IN_USE' });
    const refused = await vigil(['collector', 'restore', b1, '-c', live, '--force']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^VIGIL_ERR_STORE_IN_USE: .*vigil\.db is open in pid \d+ \(.*collector run/);

    const before = stream.acked;
    await stream.waitAcked(before + 3);
    await stream.stop();
    await collector.stop();
    expect(collector.proc.exitCode).toBe(0);
    collector = undefined;
    const sent = stream.acked + 0;

    // 3. restore each into a fresh data dir: b1 through the CLI's code path, b2 with the command
    const r1r = await collectorRestore(writeConfig(dir.path, 'restored1', 0), b1);
    expect(r1r.keptAs).toBeUndefined();
    expect(statSync(db('restored1')).mode & 0o777).toBe(0o600);
    const done = await vigil(['collector', 'restore', b2, '-c', writeConfig(dir.path, 'restored2', 0)]);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);

    const defs = loadDefinitionsDir(join(dir.path, 'sla'));
    const period = new Date(stream.tsOf(OUTAGE.from, 0)).toISOString().slice(0, 7);
    const original = await openStore({ type: 'sqlite', dataDir: join(dir.path, 'live') });
    const stores = [original];
    try {
      const originalResults = rows(db('live'), RESULTS) as Array<{ ts: number }>;
      const originalBatches = rows(db('live'), 'SELECT agent_id, seq, samples FROM batches ORDER BY seq') as Array<{ seq: number }>;
      expect(originalBatches).toHaveLength(sent);
      for (const [name, r, acked] of [
        ['restored1', r1, atStart],
        ['restored2', undefined, atLaunch],
      ] as const) {
        const restored = rows(db(name), RESULTS) as Array<{ ts: number }>;
        const last = restored.at(-1)!.ts;
        if (r) expect(r.lastResultAt).toBe(last);
        // a prefix of whole batches: 1..k, every batch acknowledged before the backup began, not all that came after
        const batches = rows(db(name), 'SELECT agent_id, seq, samples FROM batches ORDER BY seq') as Array<{ seq: number }>;
        expect(batches).toEqual(originalBatches.slice(0, batches.length));
        expect(batches.length).toBeGreaterThanOrEqual(acked);
        expect(batches.length).toBeLessThan(sent);
        expect(restored).toEqual(originalResults.filter((x) => x.ts <= last));
        expect(restored.length).toBe(batches.reduce((n, b) => n + (b as unknown as { samples: number }).samples, 0));
        for (const t of ['transitions ORDER BY rowid', 'incidents ORDER BY id'])
          expect(rows(db(name), `SELECT * FROM ${t}`)).toEqual(rows(db('live'), `SELECT * FROM ${t}`));

        // the same SLA report, from the restored database and from the original as of the backup's last result
        const store = await openStore({ type: 'sqlite', dataDir: join(dir.path, name) });
        stores.push(store);
        const fromBackup = await buildReport(store, defs, 'acme', period, last);
        expect(fromBackup).toEqual(await buildReport(original, defs, 'acme', period, last));
        const web = fromBackup.services.find((s) => s.id === 'web')!;
        expect(web.downtimeSeconds).toBe((OUTAGE.to - OUTAGE.from) * 60);
        expect(web.measuredSeconds).toBeGreaterThan(3600);
        expect(fromBackup.incidents.length).toBeGreaterThanOrEqual(1);
      }
      // the first backup was held mid-copy while batches were committed: they are in the original, not in it
      expect(rows(db('restored1'), 'SELECT seq FROM batches').length).toBeLessThan(heldFrom! + 3);
    } finally {
      for (const s of stores) await s.close();
    }
  });
});
