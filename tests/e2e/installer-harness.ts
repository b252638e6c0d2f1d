import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { buildApp } from '../../collector/src/app.js';
import { parseCollectorConfig } from '../../collector/src/config.js';
import { openStore } from '../../collector/src/store/open-store.js';
import { e2eStore } from '../helpers/e2e-store.js';
import { tempDir } from '../helpers/net.js';

/** What a script run printed; never blocks the event loop (the collector it talks to runs in this process). */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('error', reject);
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `argv` as `user`, with CAP_NET_RAW as the only ambient capability when `netRaw` (what the unit grants). */
export const asUser = (user: string, netRaw: boolean) => [
  `--reuid=${user}`,
  `--regid=${spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim()}`,
  '--init-groups',
  ...(netRaw ? ['--inh-caps=+net_raw', '--ambient-caps=+net_raw'] : []),
  '--',
];

/**
 * Every file and directory under `root` with its mode, owner, mtime and (files) SHA-256, plus the
 * user's passwd and group entries: equal snapshots mean nothing was touched.
 */
export function snapshot(root: string, user: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const s = lstatSync(path);
      const sum = s.isFile() ? createHash('sha256').update(readFileSync(path)).digest('hex') : s.isDirectory() ? 'dir' : 'other';
      out[path] = `${(s.mode & 0o7777).toString(8)} ${s.uid}:${s.gid} ${s.mtimeMs} ${sum}`;
      if (s.isDirectory()) walk(path);
    }
  };
  walk(root);
  out['passwd'] = getent('passwd', user) ?? '';
  out['group'] = getent('group', user) ?? '';
  return out;
}

export function getent(db: 'passwd' | 'group', name: string): string | undefined {
  const r = spawnSync('getent', [db, name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Removes a test user and its group wherever a test left off (afterAll). */
export function removeUser(user: string): void {
  if (getent('passwd', user)) spawnSync('userdel', [user]);
  if (getent('group', user)) spawnSync('groupdel', [user]);
}

const ADMIN = 'installer-admin-token-0123456789';

/**
 * A real collector on a loopback port (the e2e store: SQLite, or PostgreSQL under VIGIL_E2E_STORE),
 * serving agent builds from its own downloads dir, with admin helpers for enrollment tokens.
 */
export async function installerCollector() {
  const dir = tempDir();
  const downloads = join(dir.path, 'downloads');
  mkdirSync(downloads);
  const data = join(dir.path, 'data');
  const backing = await e2eStore(data);
  const config = parseCollectorConfig({ dataDir: data, adminToken: ADMIN, downloadsDir: downloads }, 'installer-test', dir.path, {
    ...process.env,
    ...backing.env,
  });
  const store = await openStore(config.store);
  const { app, incidents, engine } = await buildApp({ config, store, clock: systemClock, logger: silentLogger() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const api = async <T>(path: string, body?: unknown) =>
    (
      await fetch(base + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    ).json() as Promise<T>;
  return {
    base,
    downloads,
    /** A fresh enrollment token of client acme, site hq. */
    token: async (maxUses = 1) => (await api<{ token: string }>('/api/v1/admin/enrollment-tokens', { clientId: 'acme', siteId: 'hq', maxUses })).token,
    uses: async () => (await api<{ tokens: Array<{ uses: number }> }>('/api/v1/admin/enrollment-tokens')).tokens.reduce((n, t) => n + t.uses, 0),
    agents: async () => (await api<{ agents: Array<{ id: string; lastSeen: number | null }> }>('/api/v1/agents')).agents,
    /** Agents in the store itself (not through the API). */
    storedAgents: () => backing.agents(),
    async close() {
      await incidents.outbox.stop();
      await app.close();
      await engine.idle();
      await store.close();
      await backing.stop();
      dir.remove();
    },
  };
}
