import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';

/** A process that has one of the files open. */
export interface Holder {
  pid: number;
  /** Its command line, shortened: what an operator needs to find and stop it. */
  command: string;
}

/** Bounds the walk: a host with more open descriptors than this is not one Vigil runs on. */
const MAX_DESCRIPTORS = 2_000_000;
const MAX_COMMAND = 200;

/** The absolute path a file will have: its directory resolved through symlinks (the file itself may not exist). */
function canonical(path: string): string {
  const abs = resolve(path);
  if (existsSync(abs)) return realpathSync(abs);
  const dir = dirname(abs);
  return existsSync(dir) ? join(realpathSync(dir), basename(abs)) : abs;
}

/**
 * The processes (this one included) that have any of `paths` open, found the way `fuser` finds
 * them: through the descriptor links in /proc/<pid>/fd. That sees a collector however it was
 * started and whatever state it is in, and leaves nothing behind when one is killed (a lock or
 * pid file would). undefined where there is no /proc to ask (not Linux).
 *
 * Processes of other users are invisible to a non-root caller; that is no gap here, since a
 * caller who may replace the 0600 database is its owner or root.
 */
export function processesHolding(paths: readonly string[], procDir = '/proc'): Holder[] | undefined {
  if (!existsSync(join(procDir, 'self', 'fd'))) return undefined;
  const wanted = new Set(paths.map(canonical));
  const found: Holder[] = [];
  let seen = 0;
  for (const entry of readdirSync(procDir)) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(join(procDir, entry, 'fd'));
    } catch {
      continue; // gone meanwhile, or another user's
    }
    for (const fd of fds) {
      if (++seen > MAX_DESCRIPTORS) return found;
      let target: string;
      try {
        target = readlinkSync(join(procDir, entry, 'fd', fd));
      } catch {
        continue;
      }
      if (wanted.has(target)) {
        found.push({ pid: Number(entry), command: commandOf(procDir, entry) });
        break;
      }
    }
  }
  return found.sort((a, b) => a.pid - b.pid);
}

function commandOf(procDir: string, pid: string): string {
  try {
    const raw = readFileSync(join(procDir, pid, 'cmdline'))
      .subarray(0, 4096)
      .toString('utf8');
    const line = raw.split('\0').filter(Boolean).join(' ');
    return line.length > MAX_COMMAND ? `${line.slice(0, MAX_COMMAND)}…` : line;
  } catch {
    return '?';
  }
}
