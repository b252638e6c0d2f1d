import BetterSqlite3 from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorBackup, collectorRestore } from '../../../collector/src/cli/collector-command.js';
import { SQLITE_MIGRATIONS } from '../../../collector/src/store/sqlite/migrations/index.js';
import { SqliteStore } from '../../../collector/src/store/sqlite/sqlite-store.js';
import { tempDir } from '../../helpers/net.js';
import { vigil } from './backup-rig.js';

/**
 * What backup and restore refuse, each with its coded error, and what they keep: the database
 * in place is byte for byte the same after every refusal, and nothing half-made is left behind.
 */
const dir = tempDir();
afterAll(() => dir.remove());
const config = (name: string, extra: Record<string, unknown> = {}) => {
  const file = join(dir.path, `${name}.yaml`);
  writeFileSync(file, stringify({ dataDir: join(dir.path, name), adminToken: 'refusals-admin-token-0123', ...extra }));
  return file;
};
const dbOf = (name: string) => join(dir.path, name, 'vigil.db');
const hash = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const marker = (file: string) => {
  // read-write, so that closing it leaves no -wal or -shm behind
  const db = new BetterSqlite3(file);
  try {
    return (db.prepare("SELECT value FROM settings WHERE key = 'test.marker'").get() as { value: string } | undefined)?.value;
  } finally {
    db.close();
  }
};

let good: string;
let target: string;
beforeAll(async () => {
  // a live database with a marker, backed up; a second database ("target") to restore onto
  const live = await SqliteStore.open(join(dir.path, 'live'));
  await live.settings.putIfAbsent('test.marker', 'from-live');
  good = join(dir.path, 'good.db');
  const r = await live.backup(good);
  expect(r.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
  await live.close();
  const t = await SqliteStore.open(join(dir.path, 'target'));
  await t.settings.putIfAbsent('test.marker', 'from-target');
  await t.close();
  target = config('target');
});

/** Overwrites the root page of `table` with garbage. */
function damagePage(file: string, table: string): void {
  const db = new BetterSqlite3(file, { readonly: true });
  const { rootpage } = db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').get(table) as { rootpage: number };
  db.close();
  const bytes = readFileSync(file);
  bytes.fill(0xa5, (rootpage - 1) * 4096, rootpage * 4096);
  writeFileSync(file, bytes);
}

/** A copy of the good backup, changed by `change`. */
function variant(name: string, change: (file: string) => void): string {
  const f = join(dir.path, name);
  copyFileSync(good, f);
  change(f);
  return f;
}

describe('restore refuses', () => {
  const cases: Array<[string, () => string, string, RegExp]> = [
    [
      'a file that is not a database',
      () => variant('text.db', (f) => writeFileSync(f, 'not a database\n'.repeat(20))),
      'VIGIL_ERR_BACKUP_INVALID',
      /is not a SQLite database/,
    ],
    ['a truncated backup', () => variant('cut.db', (f) => truncateSync(f, 20_000)), 'VIGIL_ERR_BACKUP_INVALID', /is truncated: its header says \d+ pages/],
    [
      'a backup cut at a page boundary',
      () => variant('cut-page.db', (f) => truncateSync(f, 8 * 4096)),
      'VIGIL_ERR_BACKUP_INVALID',
      /is truncated: its header says \d+ pages of 4096 bytes \(\d+ bytes\), the file has 32768/,
    ],
    [
      'a backup with a damaged page',
      () => variant('damaged.db', (f) => damagePage(f, 'settings')),
      'VIGIL_ERR_BACKUP_INVALID',
      /integrity check|cannot be read as a SQLite database/,
    ],
    [
      'a SQLite database that is not Vigil’s',
      () => {
        const f = join(dir.path, 'other.db');
        const db = new BetterSqlite3(f);
        db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)');
        db.close();
        return f;
      },
      'VIGIL_ERR_BACKUP_INVALID',
      /is a SQLite database but not a Vigil one \(no schema_version, agents, checks, results, transitions, incidents, settings tables\)/,
    ],
    [
      'a backup from a newer schema',
      () => variant('newer.db', (f) => new BetterSqlite3(f).exec('UPDATE schema_version SET version = 999').close()),
      'VIGIL_ERR_STORE_SCHEMA',
      new RegExp(`has schema version 999; this collector knows ${SQLITE_MIGRATIONS.length}`),
    ],
    ['a missing file', () => join(dir.path, 'no-such.db'), 'VIGIL_ERR_NOT_FOUND', /there is no backup file/],
  ];
  it.each(cases)('%s, and leaves the database as it was', async (_what, make, code, message) => {
    const before = hash(dbOf('target'));
    const file = make();
    const err = await collectorRestore(target, file, { force: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toMatch(message);
    expect(hash(dbOf('target'))).toBe(before);
    expect(readdirSync(join(dir.path, 'target')).sort()).toEqual(['vigil.db']);
  });

  it('a database that exists, without --force (the command exits 2 with the code)', async () => {
    const r = await vigil(['collector', 'restore', good, '-c', target]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^VIGIL_ERR_CONFLICT: .*target\/vigil\.db exists: add --force to replace it/);
    expect(marker(dbOf('target'))).toBe('from-target');
  });

  it('while a process has the database open (here this one)', async () => {
    const open = await SqliteStore.open(join(dir.path, 'target'));
    try {
      const err = await collectorRestore(target, good, { force: true }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VIGIL_ERR_STORE_IN_USE' });
      expect((err as Error).message).toContain(`is open in pid ${process.pid} (`);
    } finally {
      await open.close();
    }
    expect(marker(dbOf('target'))).toBe('from-target');
  });
});

describe('restore', () => {
  it('with --force keeps the database it replaces, with its -wal, as <db>.before-restore-<time>', async () => {
    // a database as a crash leaves it: committed rows still in its -wal
    const crashed = join(dir.path, 'crashed');
    const s = await SqliteStore.open(crashed);
    await s.settings.putIfAbsent('test.marker', 'in-the-wal');
    const copy = join(dir.path, 'after-crash');
    await SqliteStore.open(copy).then((c) => c.close());
    copyFileSync(dbOf('crashed'), dbOf('after-crash'));
    copyFileSync(`${dbOf('crashed')}-wal`, `${dbOf('after-crash')}-wal`);
    await s.close();
    const now = Date.UTC(2026, 9, 2, 3, 15, 0);
    const r = await collectorRestore(config('after-crash'), good, { force: true, now });
    const kept = `${dbOf('after-crash')}.before-restore-20261002T031500Z`;
    expect(r.keptAs).toBe(kept);
    expect(existsSync(`${kept}-wal`)).toBe(true);
    expect(existsSync(`${dbOf('after-crash')}-wal`)).toBe(false);
    expect(marker(dbOf('after-crash'))).toBe('from-live');
    expect(marker(kept)).toBe('in-the-wal');
  });

  it('migrates a backup of an older schema', async () => {
    const old = join(dir.path, 'old.db');
    const db = new BetterSqlite3(old);
    db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (5)');
    for (const m of SQLITE_MIGRATIONS.slice(0, 5)) db.exec(m);
    db.close();
    const r = await collectorRestore(config('from-old'), old);
    expect(r.applied).toEqual(SQLITE_MIGRATIONS.map((_, i) => i + 1).slice(5));
    expect(r.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
  });

  it('of PostgreSQL names pg_dump and pg_restore (password masked)', async () => {
    const pg = config('pg', { store: { type: 'postgres', url: 'postgres://vigil:s3cret@127.0.0.1:1/vigil' } });
    for (const run of [() => collectorBackup(pg, join(dir.path, 'pg.db')), () => collectorRestore(pg, good)]) {
      const err = await run().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VIGIL_ERR_BACKUP_UNSUPPORTED' });
      expect((err as Error).message).toMatch(/pg_(dump|restore) /);
      expect((err as Error).message).not.toContain('s3cret');
    }
  });
});

describe('backup refuses', () => {
  it.each([
    ['no database yet', () => [config('empty'), join(dir.path, 'x.db')], 'VIGIL_ERR_NOT_FOUND', /there is no database at .*empty\/vigil\.db/],
    ['the database itself as the destination', () => [config('live'), dbOf('live')], 'VIGIL_ERR_QUERY_INVALID', /cannot go onto the database itself/],
    ['a destination directory that does not exist', () => [config('live'), join(dir.path, 'nope', 'x.db')], 'VIGIL_ERR_NOT_FOUND', /nope does not exist/],
  ] as Array<[string, () => [string, string], string, RegExp]>)('%s', async (_what, make, code, message) => {
    const [cfg, dest] = make();
    const err = await collectorBackup(cfg, dest).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toMatch(message);
    expect(readdirSync(dir.path).filter((f) => f.includes('.partial-'))).toEqual([]);
  });
});
