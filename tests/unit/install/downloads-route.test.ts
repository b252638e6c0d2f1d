import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPath, packageRoot } from '../../../collector/src/routes/downloads.js';
import { tempDir } from '../../helpers/net.js';
import { collectorFixture } from '../collector/fixture.js';

/** GET /install.sh … and /downloads/<build>[.sha256]: public, what the one-line installers fetch (collector/src/routes/downloads.ts). */
const downloads = tempDir();
let f: Awaited<ReturnType<typeof collectorFixture>>;
const build = join(downloads.path, 'vigil-agent-linux-x64');
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const get = (url: string, method: 'GET' | 'HEAD' = 'GET') => f.app.inject({ method, url });

beforeAll(async () => {
  f = await collectorFixture({ downloadsDir: downloads.path });
});
afterAll(async () => {
  await f?.close();
  downloads.remove();
});

describe('downloads route', () => {
  it('serves the installers of this checkout as text, to anyone', async () => {
    for (const [url, file] of [
      ['/install.sh', 'install/agent-install.sh'],
      ['/install-macos.sh', 'install/macos/install-agent.sh'],
      ['/install.ps1', 'install/windows/install-agent.ps1'],
    ]) {
      const r = await get(url!);
      expect([url, r.statusCode, r.headers['content-type'], r.body]).toEqual([url, 200, 'text/plain; charset=utf-8', readFileSync(file!, 'utf8')]);
    }
  });

  it('serves a build with its length, and its SHA-256 as sha256sum prints it, recomputed when the file changes', async () => {
    const bytes = Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(300_000, 7)]);
    writeFileSync(build, bytes);
    const r = await get('/downloads/vigil-agent-linux-x64');
    expect([r.statusCode, r.headers['content-type'], r.headers['content-length'], sha(r.rawPayload)]).toEqual([
      200,
      'application/octet-stream',
      String(bytes.length),
      sha(bytes),
    ]);
    expect((await get('/downloads/vigil-agent-linux-x64.sha256')).body).toBe(`${sha(bytes)}  vigil-agent-linux-x64\n`);
    writeFileSync(build, 'other bytes');
    utimesSync(build, new Date(), new Date(Date.now() + 5000)); // a new version, even within the mtime's resolution
    expect((await get('/downloads/vigil-agent-linux-x64.sha256')).body).toBe(`${sha('other bytes')}  vigil-agent-linux-x64\n`);
    const head = await get('/downloads/vigil-agent-linux-x64', 'HEAD');
    expect([head.statusCode, head.headers['content-length'], head.body]).toEqual([200, String('other bytes'.length), '']);
  });

  it('answers 404 for a build it does not have and 400 for a name that is not a build (no path outside the dir)', async () => {
    const missing = await get('/downloads/vigil-agent-darwin-arm64');
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'VIGIL_ERR_NOT_FOUND']);
    expect(missing.json().error.message).toContain('npm run build:sea');
    mkdirSync(join(downloads.path, 'sub'), { recursive: true });
    for (const bad of ['..%2Fconfig.yaml', 'vigil-agent-linux-mips', 'vigil-agent-linux-x64.exe', 'sub', '.%2E%2F.%2E%2Fetc%2Fpasswd'])
      expect([bad, (await get(`/downloads/${bad}`)).statusCode]).toEqual([bad, 400]);
  });

  it('without downloadsDir: dist/sea of the package, where build:sea writes the agent for the platform the collector runs on', () => {
    const root = packageRoot();
    expect(readFileSync(join(root, 'package.json'), 'utf8')).toContain('"name": "vigil"');
    expect(buildPath('vigil-agent-linux-x64', undefined, '/p', 'linux-x64')).toEqual(['/p/dist/sea/vigil-agent-linux-x64', '/p/dist/sea/vigil-agent']);
    expect(buildPath('vigil-agent-linux-arm64', undefined, '/p', 'linux-x64')).toEqual(['/p/dist/sea/vigil-agent-linux-arm64']);
    expect(buildPath('vigil-agent-windows-x64.exe', undefined, '/p', 'windows-x64')).toEqual([
      '/p/dist/sea/vigil-agent-windows-x64.exe',
      '/p/dist/sea/vigil-agent.exe',
    ]);
    expect(buildPath('vigil-agent-linux-x64', '/d', '/p', 'linux-x64')).toEqual(['/d/vigil-agent-linux-x64']);
  });
});
