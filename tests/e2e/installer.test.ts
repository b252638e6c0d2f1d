import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers/net.js';
import { asUser, getent, installerCollector, removeUser, run, snapshot } from './installer-harness.js';

/**
 * install/agent-install.sh for real: a system user, the files, an enrollment against a real collector,
 * the agent run from the installed layout as that user. systemd is not PID 1 here, so --no-service,
 * and the files go under VIGIL_INSTALL_ROOT (a temp dir); the user is the machine's, named per run.
 */
const SCRIPT = join(process.cwd(), 'install/agent-install.sh');
const MAC_SCRIPT = join(process.cwd(), 'install/macos/install-agent.sh');
const SEA = join(process.cwd(), 'dist/sea/vigil-agent');
const isRoot = process.getuid?.() === 0;
const suffix = randomBytes(3).toString('hex');
const users = { bundle: `vigt-${suffix}-b`, download: `vigt-${suffix}-d`, sea: `vigt-${suffix}-s` };
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const ownerOf = (path: string) => {
  const s = statSync(path);
  return `${(s.mode & 0o777).toString(8)} ${getent('passwd', String(s.uid))?.split(':')[0] ?? s.uid}`;
};
const paths = (root: string) => ({
  bin: join(root, 'opt/vigil-agent/bin/vigil-agent'),
  conf: join(root, 'etc/vigil/agent.yaml'),
  state: join(root, 'var/lib/vigil-agent'),
  unit: join(root, 'etc/systemd/system/vigil-agent.service'),
});

if (!isRoot) console.warn('SKIPPED installer e2e: it creates system users and needs root (CI runs as root)');
describe.skipIf(!isRoot)('agent-install.sh end to end (real collector, real system user, --no-service)', () => {
  const dirs = [tempDir(), tempDir(), tempDir(), tempDir()];
  const [root, root2, rootSea, rootMac] = dirs.map((d) => d.path) as [string, string, string, string];
  let c: Awaited<ReturnType<typeof installerCollector>>;
  const install = async (r: string, user: string, args: string[], env: Record<string, string> = {}) =>
    run('dash', [SCRIPT, '--collector', c.base, '--user', user, '--no-service', ...args], { VIGIL_INSTALL_ROOT: r, ...env });

  /** One run-once of an ICMP check of 127.0.0.1 with the installed program, as `user`, with or without CAP_NET_RAW. */
  const icmpOnce = async (r: string, user: string, netRaw: boolean) => {
    const p = paths(r);
    const icmp = join(r, 'icmp.yaml');
    writeFileSync(icmp, `collector: { url: "${c.base}" }\nstateDir: ${p.state}\nchecks:\n  - { id: lo, type: icmp, host: 127.0.0.1, packets: 2 }\n`, {
      mode: 0o644,
    });
    const once = await run('setpriv', [...asUser(user, netRaw), p.bin, 'run-once', '--config', icmp, '--json']);
    return JSON.parse(once.stdout).results[0];
  };

  beforeAll(async () => {
    // the service user must reach the installed files through the temp root, as through / on a real system
    for (const d of dirs) chmodSync(d.path, 0o755);
    c = await installerCollector();
    // the download route's build: the single-file agent once it is built, until then a launcher of this checkout's agent
    const build = join(c.downloads, 'vigil-agent-linux-x64');
    if (existsSync(SEA)) writeFileSync(build, readFileSync(SEA), { mode: 0o755 });
    else writeFileSync(build, `#!/bin/sh\nexec ${join(process.cwd(), 'bin/vigil-agent')} "$@"\n`, { mode: 0o755 });
  });
  afterAll(async () => {
    for (const u of Object.values(users)) removeUser(u);
    await c?.close();
    for (const d of dirs) d.remove();
  });

  it('refuses what it must refuse, with its code, before changing anything', async () => {
    const notRoot = await run('setpriv', [...asUser('nobody', false), 'dash', SCRIPT, '--collector', c.base, '--no-service']);
    expect([notRoot.code, notRoot.stderr]).toEqual([1, expect.stringContaining('VIGIL_ERR_INSTALL_ROOT')]);
    const badUrl = await install(root2, users.download, ['--collector', 'ftp://x', '--token', 'vet_x0123456789']);
    expect([badUrl.code, badUrl.stderr]).toEqual([2, expect.stringContaining('VIGIL_ERR_INSTALL_USAGE: --collector')]);
    const noToken = await install(root2, users.download, []);
    expect([noToken.code, noToken.stderr]).toEqual([2, expect.stringContaining('VIGIL_ERR_INSTALL_USAGE: an enrollment token is needed')]);
    const token = await c.token();
    const tampered = await install(root2, users.download, ['--token', token, '--sha256', 'ab'.repeat(32)]);
    expect([tampered.code, tampered.stderr]).toEqual([1, expect.stringContaining('VIGIL_ERR_INSTALL_CHECKSUM')]);
    expect([getent('passwd', users.download), snapshot(root2, users.download)]).toEqual([undefined, { passwd: '', group: '' }]);
    if (!existsSync('/run/systemd/system')) {
      // without --no-service it would install for real: only where systemd is not running, so it stops at once
      const service = await run('dash', [SCRIPT, '--collector', c.base, '--token', token], { VIGIL_INSTALL_ROOT: '' });
      expect(service.stderr).toContain('VIGIL_ERR_INSTALL_SYSTEMD: systemd is not running here');
    }
    expect(await c.uses()).toBe(0);
  });

  it('installs from a checkout (--bundle): system user, files and modes, enrolled; the token is never printed', async () => {
    const token = await c.token();
    const r = await install(root, users.bundle, ['--token', token, '--bundle', process.cwd(), '--name', `edge-${suffix}`]);
    expect(r.code, r.stderr).toBe(0);
    const id = /agent (\S+) \(client acme, site hq\)/.exec(r.stdout)?.[1];
    expect(id).toBe(`acme.edge-${suffix}`);
    expect(r.stdout).toContain(`enrolled as ${id}`);
    expect((await c.agents()).map((a) => a.id)).toEqual([id]);
    expect(`${r.stdout}${r.stderr}`).not.toContain(token);
    const [, , uid, , , home, shell] = getent('passwd', users.bundle)!.split(':');
    expect([Number(uid) < 1000, home, shell]).toEqual([true, paths(root).state, expect.stringMatching(/nologin$/)]);
    const p = paths(root);
    expect([ownerOf(p.bin), ownerOf(p.conf), ownerOf(p.state), ownerOf(join(p.state, 'agent.json'))]).toEqual([
      '755 root',
      '640 root',
      `700 ${users.bundle}`,
      `600 ${users.bundle}`,
    ]);
    expect(JSON.parse(readFileSync(join(p.state, 'agent.json'), 'utf8'))).toMatchObject({ agentId: id, collectorUrl: c.base });
  });

  it('the unit it writes is install/systemd/vigil-agent.service with the paths of the install, and both pass systemd-analyze verify', () => {
    const p = paths(root);
    const unit = readFileSync(p.unit, 'utf8');
    expect(unit).toContain(`Environment=VIGIL_NODE=${spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim()}\n`);
    const generic = unit
      .replaceAll(root, '')
      .replaceAll(users.bundle, 'vigil-agent')
      .replace(/^Environment=VIGIL_NODE=.*\n/m, '');
    const shipped = readFileSync('install/systemd/vigil-agent.service', 'utf8');
    // the shipped unit is the single-file agent's: a bundle install runs bin/vigil-agent, which sets node's flags itself
    expect(generic).toBe(shipped.replace(/^Environment=(MALLOC_ARENA_MAX|GLIBC_TUNABLES|"NODE_OPTIONS)=.*\n/gm, ''));
    const rooted = join(root, 'shipped-vigil-agent.service');
    writeFileSync(rooted, shipped.replaceAll('/opt/vigil-agent', `${root}/opt/vigil-agent`).replaceAll('/etc/vigil/', `${root}/etc/vigil/`));
    for (const u of [p.unit, rooted, 'install/systemd/vigil-collector.service']) {
      const v = spawnSync('systemd-analyze', ['verify', u], { encoding: 'utf8' });
      expect([u, v.status, v.stderr]).toEqual([u, 0, '']);
    }
  });

  it('the installed agent runs as its user: config valid, ICMP only with CAP_NET_RAW, heartbeats with the enrolled identity', async () => {
    const p = paths(root);
    const check = await run('setpriv', [...asUser(users.bundle, true), p.bin, 'check-config', '--config', p.conf]);
    expect([check.code, check.stdout]).toEqual([0, `ok: ${p.conf} (0 checks, central configuration)\n`]);
    expect(await icmpOnce(root, users.bundle, true)).toMatchObject({ checkId: 'lo', status: 'up' });
    expect(await icmpOnce(root, users.bundle, false)).toMatchObject({ status: 'down', reason: 'permission' });
    const agent = spawn('setpriv', [...asUser(users.bundle, true), p.bin, 'run', '--config', p.conf], { stdio: 'ignore' });
    try {
      await waitFor(async () => (await c.agents())[0]?.lastSeen ?? undefined, 'a heartbeat of the installed agent', 30_000);
    } finally {
      agent.kill('SIGTERM');
      await new Promise((r) => (agent.exitCode === null ? agent.once('exit', r) : r(null)));
    }
  });

  it('a second run changes nothing: same bytes, modes, owners, mtimes and user; no second enrollment', async () => {
    const before = snapshot(root, users.bundle);
    const stored = await c.storedAgents();
    const r = await install(root, users.bundle, ['--token', await c.token(), '--bundle', process.cwd(), '--name', `edge-${suffix}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('up to date: nothing changed');
    expect(r.stdout).toContain(`already enrolled as acme.edge-${suffix}`);
    expect(snapshot(root, users.bundle)).toEqual(before);
    expect([await c.storedAgents(), await c.uses()]).toEqual([stored, 1]);
  });

  it('installs the build the collector serves (default), its SHA-256 checked, and uninstalls it', async () => {
    const r = await install(root2, users.download, ['--token', await c.token()]);
    expect(r.code, r.stderr).toBe(0);
    const p = paths(root2);
    expect(sha256(p.bin)).toBe(sha256(join(c.downloads, 'vigil-agent-linux-x64')));
    expect(readFileSync(p.unit, 'utf8')).not.toContain('VIGIL_NODE');
    const check = await run('setpriv', [...asUser(users.download, false), p.bin, 'check-config', '--config', p.conf]);
    expect(check.code, check.stderr).toBe(0);
    const u = await install(root2, users.download, ['--uninstall']);
    expect([u.code, getent('passwd', users.download), snapshot(root2, users.download)['passwd']]).toEqual([0, undefined, '']);
    for (const f of Object.values(p)) expect(existsSync(f), f).toBe(false);
  });

  it('reports a refused enrollment with the agent’s words but never the token', async () => {
    // an agent that refuses, quoting everything it was given (the token included), as a careless one might
    const refuser = join(root2, 'refusing-agent');
    writeFileSync(refuser, '#!/bin/sh\n[ "$1" = --version ] && { echo 9.9.9; exit 0; }\necho "refused: $* (token $VIGIL_ENROLL_TOKEN)" >&2\nexit 1\n', {
      mode: 0o755,
    });
    const token = await c.token();
    const r = await install(root2, users.download, ['--token', token, '--binary', refuser]);
    expect([r.code, r.stderr]).toEqual([1, expect.stringContaining('VIGIL_ERR_INSTALL_ENROLL: refused: enroll --collector')]);
    expect(r.stderr).not.toContain('--token'); // the token reaches the agent in its environment, not on a command line ps shows
    expect(r.stderr).toContain('(token <token>)');
    expect(`${r.stdout}${r.stderr}`).not.toContain(token);
    expect((await install(root2, users.download, ['--uninstall'])).code).toBe(0);
  });

  it.skipIf(!existsSync(SEA))('installs the single-file agent (--binary dist/sea/vigil-agent) and runs it as its user', async () => {
    const r = await install(rootSea, users.sea, ['--token', await c.token(), '--binary', SEA]);
    expect(r.code, r.stderr).toBe(0);
    const p = paths(rootSea);
    const check = await run('setpriv', [...asUser(users.sea, true), p.bin, 'check-config', '--config', p.conf]);
    expect([check.code, check.stdout]).toEqual([0, `ok: ${p.conf} (0 checks, central configuration)\n`]);
    expect(await icmpOnce(rootSea, users.sea, true)).toMatchObject({ checkId: 'lo', status: 'up' });
    expect(await icmpOnce(rootSea, users.sea, false)).toMatchObject({ status: 'down', reason: 'permission' });
    const shipped = readFileSync('install/systemd/vigil-agent.service', 'utf8');
    expect(readFileSync(p.unit, 'utf8').replaceAll(rootSea, '').replaceAll(users.sea, 'vigil-agent')).toBe(shipped);
    expect(shipped).toContain('Environment="NODE_OPTIONS=--max-semi-space-size=1 --max-old-space-size=64"\n');
    expect((await install(rootSea, users.sea, ['--binary', SEA])).stdout).toContain('up to date: nothing changed');
    expect((await install(rootSea, users.sea, ['--uninstall'])).code).toBe(0);
  });

  it('--uninstall --keep-state keeps only the identity; a new install takes it over; --uninstall removes everything', async () => {
    const p = paths(root);
    const kept = await install(root, users.bundle, ['--uninstall', '--keep-state']);
    expect(kept.code, kept.stderr).toBe(0);
    expect([existsSync(p.bin), existsSync(p.conf), existsSync(p.unit), getent('passwd', users.bundle)]).toEqual([false, false, false, undefined]);
    const identity = readFileSync(join(p.state, 'agent.json'), 'utf8');
    const again = await install(root, users.bundle, ['--bundle', process.cwd()]);
    expect(again.stdout).toContain(`already enrolled as acme.edge-${suffix}`);
    expect([readFileSync(join(p.state, 'agent.json'), 'utf8'), ownerOf(join(p.state, 'agent.json'))]).toEqual([identity, `600 ${users.bundle}`]);
    const gone = await install(root, users.bundle, ['--uninstall']);
    expect(gone.code, gone.stderr).toBe(0);
    expect([getent('passwd', users.bundle), getent('group', users.bundle)]).toEqual([undefined, undefined]);
    for (const f of [...Object.values(p), join(root, 'opt/vigil-agent'), join(root, 'etc/vigil')]) expect(existsSync(f), f).toBe(false);
  });

  it('the macOS installer, run here under an install root: same layout logic, its plist, idempotent, uninstall', async () => {
    const launcher = join(c.downloads, 'vigil-agent-linux-x64');
    const mac = (args: string[]) => run('sh', [MAC_SCRIPT, '--collector', c.base, '--no-service', ...args], { VIGIL_INSTALL_ROOT: rootMac });
    const r = await mac(['--token', await c.token(), '--binary', launcher, '--name', `mac-${suffix}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`agent acme.mac-${suffix} (client acme, site hq)`);
    const plist = readFileSync(join(rootMac, 'Library/LaunchDaemons/com.vigil.agent.plist'), 'utf8');
    expect(plist.replaceAll(rootMac, '')).toBe(readFileSync('install/macos/com.vigil.agent.plist', 'utf8'));
    expect(ownerOf(join(rootMac, 'Library/Vigil/state/agent.json'))).toBe('600 root');
    const before = snapshot(rootMac, 'root');
    expect((await mac(['--binary', launcher])).stdout).toContain('up to date: nothing changed');
    expect(snapshot(rootMac, 'root')).toEqual(before);
    expect((await mac(['--uninstall'])).code).toBe(0);
    expect([existsSync(join(rootMac, 'Library/Vigil')), existsSync(join(rootMac, 'Library/LaunchDaemons/com.vigil.agent.plist'))]).toEqual([false, false]);
  });
});
