import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigFetcher } from '../../../agent/src/remote-config-fetch.js';
import { saveCentralConfig } from '../../../agent/src/remote-config-file.js';
import { writeState } from '../../../agent/src/state.js';
import { AS_ADMIN, collectorFixture } from '../../unit/collector/fixture.js';
import { tempDir, VIGIL } from '../../helpers/net.js';

/** `vigil agent …` as a user runs it: exit code and both streams. */
const vigil = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn('node', [VIGIL, 'agent', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });

describe('check-config and run-once on an agent whose checks come from the collector (collector.config: central)', () => {
  const dir = tempDir();
  const stateDir = join(dir.path, 'state');
  const config = join(dir.path, 'agent.yaml');
  let f: Awaited<ReturnType<typeof collectorFixture>>;
  let url = '';
  let token = '';
  let target: Server;
  let targetPort = 0;

  beforeAll(async () => {
    target = createServer((s) => s.end());
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    targetPort = (target.address() as { port: number }).port;
    f = await collectorFixture({ fleet: { configDir: join(dir.path, 'fleet'), reloadInterval: 0 } });
    await f.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(f.app.server.address() as { port: number }).port}`;
    const a = await f.enroll('hq-1', 'acme', 'hq');
    token = a.token;
    mkdirSync(stateDir);
    writeState(stateDir, { agentId: a.agentId, agentToken: a.token, clientId: 'acme', siteId: 'hq', collectorUrl: url, lastSeq: 0 });
    writeFileSync(config, `collector: { url: "${url}" }\nstateDir: ./state\nlabels: { site: hq }\n`);
  });
  afterAll(async () => {
    await f?.close().catch(() => undefined);
    await new Promise((r) => target.close(r));
    dir.remove();
  });

  it('before the agent ever got a configuration: check-config says so and passes (the unit runs it before every start)', async () => {
    const r = await vigil(['check-config', '-c', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`ok: ${config} (0 checks, central configuration)\n`);
    expect(r.stderr).toContain(`no central configuration is saved in ${stateDir} yet`);
  });

  it("run-once runs the collector's current configuration for this agent", async () => {
    const put = await f.app.inject({
      method: 'PUT',
      url: '/api/v1/fleet/config/sites/acme/hq',
      headers: AS_ADMIN,
      payload: { checks: [{ id: 'db-1', type: 'tcp', host: '127.0.0.1', port: targetPort }] },
    });
    expect(put.statusCode).toBeLessThan(300);
    const r = await vigil(['run-once', '-c', config, '--json']);
    expect(r.code).toBe(0);
    const results = (JSON.parse(r.stdout) as { results: Array<{ checkId: string; status: string; labels: Record<string, string> }> }).results;
    expect(results.map((x) => [x.checkId, x.status, x.labels.site])).toEqual([['db-1', 'up', 'hq']]);
  });

  it('with the configuration the agent saved: check-config validates it; run-once falls back to it when the collector is gone, and says so', async () => {
    const got = await new ConfigFetcher(url).fetch(token, undefined);
    expect(got.kind).toBe('document');
    if (got.kind !== 'document') return;
    saveCentralConfig(stateDir, got.document);
    const version = (got.document as { version: string }).version;
    const ok = await vigil(['check-config', '-c', config]);
    expect(ok.stdout).toBe(`ok: ${config} (1 checks, central configuration ${version} (saved in ${stateDir}))\n`);
    await f.close();
    const r = await vigil(['run-once', '-c', config]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/the collector did not give the configuration \(ECONNREFUSED\): using the configuration saved in/);
    expect(r.stdout).toMatch(/^db-1\s+up\s/);
  });

  it('a saved configuration this agent rejects: check-config names every problem and still passes; run-once refuses with them', async () => {
    saveCentralConfig(stateDir, {
      version: 'v-bad',
      checks: [
        { id: 'web', type: 'http', url: 'gopher://x' },
        { id: 'x', type: 'telnet' },
      ],
    });
    const r = await vigil(['check-config', '-c', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`ok: ${config} (0 checks, central configuration)\n`);
    expect(r.stderr).toContain('is rejected by this agent');
    for (const p of ['/checks/0/url', '/checks/1/type']) expect(r.stderr).toContain(p);
    const once = await vigil(['run-once', '-c', config]);
    expect(once.code).not.toBe(0);
    expect(once.stderr).toContain('VIGIL_ERR_CONFIG_INVALID');
    expect(once.stderr).toContain('/checks/1/type');
  });
});
