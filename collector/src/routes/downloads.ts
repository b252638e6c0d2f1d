import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from 'typebox';
import { VigilError } from '../../../shared/errors.js';
import type { AppContext, VigilFastify } from '../app-context.js';

/** The agent builds the installers ask for (install/agent-install.sh, macos/, windows/), each with `<name>.sha256`. */
const BUILD_NAME = '^vigil-agent-(linux-(x64|arm64)|darwin-(x64|arm64)|windows-x64\\.exe)(\\.sha256)?$';
/** The installers themselves, the versions that match this collector: `curl -fsSL URL/install.sh | sudo sh -s -- …`. */
const SCRIPTS: Record<string, string> = {
  '/install.sh': 'install/agent-install.sh',
  '/install-macos.sh': 'install/macos/install-agent.sh',
  '/install.ps1': 'install/windows/install-agent.ps1',
};
const OS_NAME: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'windows' };

/** The directory of the package this module belongs to (the checkout, or the installed package): the first one up with a package.json. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 8 && !existsSync(join(dir, 'package.json')); i++) dir = dirname(dir);
  return dir;
}

/**
 * Where a build named `name` is read from: only `downloadsDir` when it is configured; otherwise
 * dist/sea of this package, where `npm run build:sea` writes the single-file agent (`vigil-agent`,
 * for the platform the collector runs on) and where other builds may be placed under their names.
 */
export function buildPath(name: string, downloadsDir: string | undefined, root: string, platform = `${OS_NAME[process.platform]}-${process.arch}`): string[] {
  if (downloadsDir) return [join(downloadsDir, name)];
  const own = `vigil-agent-${platform}${platform.startsWith('windows') ? '.exe' : ''}`;
  return [join(root, 'dist/sea', name), ...(name === own ? [join(root, 'dist/sea', platform.startsWith('windows') ? 'vigil-agent.exe' : 'vigil-agent')] : [])];
}

/**
 * Public downloads for the one-line installers: the installer scripts (GET /install.sh …) and the
 * agent builds (GET /downloads/vigil-agent-linux-x64, and `.sha256` beside each: `HEX  NAME`, as
 * sha256sum prints it). Public because an endpoint being installed has no token yet; what is served
 * is what anyone could build from the repository. The SHA-256 is computed here, once per file version.
 */
export function downloadRoutes(app: VigilFastify, ctx: AppContext): void {
  const root = packageRoot();
  const sums = new Map<string, { mtimeMs: number; size: number; hex: string }>();
  const config = { access: 'public' as const };

  for (const [url, rel] of Object.entries(SCRIPTS))
    app.get(url, { config }, async (_req, reply) => {
      const text = await readFile(join(root, rel), 'utf8').catch(() => undefined);
      if (text === undefined) throw new VigilError('NOT_FOUND', `${rel} is not part of this collector's installation`);
      return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(text);
    });

  const locate = async (name: string) => {
    for (const path of buildPath(name, ctx.config.downloadsDir, root)) {
      const s = await stat(path).catch(() => undefined);
      if (s?.isFile()) return path;
    }
    throw new VigilError(
      'NOT_FOUND',
      `no ${name} on this collector: its operator builds the single-file agent (npm run build:sea) or puts the builds in downloadsDir (collector.yaml)`,
    );
  };
  const sha256 = async (path: string) => {
    const s = await stat(path);
    const known = sums.get(path);
    if (known && known.mtimeMs === s.mtimeMs && known.size === s.size) return known.hex;
    const fh = await open(path);
    const hash = createHash('sha256');
    try {
      for await (const chunk of fh.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    } finally {
      await fh.close();
    }
    const hex = hash.digest('hex');
    sums.set(path, { mtimeMs: s.mtimeMs, size: s.size, hex });
    return hex;
  };

  app.get<{ Params: { file: string } }>(
    '/downloads/:file',
    { config, schema: { params: Type.Object({ file: Type.String({ pattern: BUILD_NAME, maxLength: 64 }) }) } },
    async (req, reply) => {
      const { file } = req.params;
      const name = file.replace(/\.sha256$/, '');
      const path = await locate(name);
      reply.header('cache-control', 'no-cache');
      if (file !== name) return reply.type('text/plain; charset=utf-8').send(`${await sha256(path)}  ${name}\n`);
      // one open file for the length and the bytes: a build replaced (renamed over) meanwhile is not sent half old, half new
      const fh = await open(path);
      const { size } = await fh.stat();
      return reply
        .type('application/octet-stream')
        .header('content-length', String(size))
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(fh.createReadStream());
    },
  );
}
