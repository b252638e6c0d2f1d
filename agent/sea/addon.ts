import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAsset } from 'node:sea';
import { VigilError } from '../../shared/errors.js';

/**
 * Where the single-file agent may write an addon to load it: VIGIL_NATIVE_DIR alone when it is set
 * (for hosts where the others are read-only or mounted noexec); otherwise, in order, the service's
 * RuntimeDirectory= and StateDirectory= (systemd sets RUNTIME_DIRECTORY / STATE_DIRECTORY; the first
 * entry of a list), XDG_RUNTIME_DIR, the temp dir, /dev/shm.
 */
export function addonDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.VIGIL_NATIVE_DIR) return [env.VIGIL_NATIVE_DIR];
  const first = (v: string | undefined) => v?.split(':')[0] || undefined;
  const dirs = [first(env.RUNTIME_DIRECTORY), first(env.STATE_DIRECTORY), env.XDG_RUNTIME_DIR, tmpdir(), '/dev/shm'];
  return [...new Set(dirs.filter((d): d is string => typeof d === 'string' && d.startsWith('/')))];
}

/**
 * Loads a compiled addon the build put into the executable as the asset `key` (raw-socket's
 * raw.node, agent/native's vigil_native.node, built for this very Node binary). The dynamic
 * loader needs a file: the bytes go to a fresh 0700 directory of our own (mkdtemp, so nobody
 * else can swap the file), are loaded, and the directory is removed at once; the mapping stays.
 * Nothing is left on disk and nothing is reused from an earlier run. Throws
 * VIGIL_ERR_NATIVE_UNAVAILABLE naming every directory tried when none allows it.
 */
export function loadAssetAddon(key: string, dirs: readonly string[] = addonDirs()): unknown {
  let bytes: ArrayBuffer;
  try {
    bytes = getAsset(key);
  } catch (e) {
    throw new VigilError('NATIVE_UNAVAILABLE', `the executable holds no ${key} (${(e as Error).message}); rebuild it with npm run build:sea`);
  }
  const tried: string[] = [];
  for (const dir of dirs) {
    let own: string | undefined;
    try {
      own = mkdtempSync(join(dir, 'vigil-agent-'));
      const file = join(own, key);
      writeFileSync(file, new Uint8Array(bytes), { mode: 0o500, flag: 'wx' });
      const module = { exports: {} as unknown };
      process.dlopen(module, file, constants.dlopen.RTLD_NOW);
      return module.exports;
    } catch (e) {
      tried.push(`${dir}: ${(e as Error).message.split('\n')[0]}`);
    } finally {
      if (own) rmSync(own, { recursive: true, force: true });
    }
  }
  throw new VigilError(
    'NATIVE_UNAVAILABLE',
    `could not load ${key} from the executable (${tried.join('; ')}): set VIGIL_NATIVE_DIR to a writable directory on a file system that allows executables`,
  );
}
