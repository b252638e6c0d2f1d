import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger.js';

/**
 * The last central configuration the agent applied, kept in `<stateDir>/central-config.json`
 * (0600: check options can hold credentials), so a restart while the collector is unreachable
 * runs it at once. Replaced by rename: a crash leaves the old file or the new one, never half.
 */
const file = (stateDir: string) => join(stateDir, 'central-config.json');

export function saveCentralConfig(stateDir: string, document: unknown): void {
  const tmp = `${file(stateDir)}.tmp`;
  writeFileSync(tmp, JSON.stringify({ savedAt: new Date().toISOString(), document }), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file(stateDir));
}

/** The saved document, or undefined (none yet; an unreadable file is logged and ignored). */
export function loadCentralConfig(stateDir: string, logger: Logger): unknown {
  if (!existsSync(file(stateDir))) return undefined;
  try {
    return (JSON.parse(readFileSync(file(stateDir), 'utf8')) as { document?: unknown }).document;
  } catch (err) {
    logger.warn({ err, file: file(stateDir) }, 'the saved central configuration cannot be read; waiting for the collector');
    return undefined;
  }
}
