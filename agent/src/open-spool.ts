import { join } from 'node:path';
import type { Clock } from '../../shared/clock.js';
import { VigilError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { Spool } from '../../shared/spool/spool.js';
import type { AgentConfig } from './config.js';
import type { AgentState } from './state.js';

/**
 * The agent's spool in `<stateDir>/spool`, from the config. What is in the directory never stops
 * the agent (damage is skipped and counted); a directory the agent cannot create or list does, with
 * a coded error naming it.
 */
export function openSpool(config: AgentConfig, state: AgentState, clock: Clock, logger: Logger): Spool {
  const dir = join(config.stateDir, 'spool');
  const { fsync, maxBytes, maxAgeMs } = config.spool;
  try {
    return new Spool({ dir, fsync, maxBytes, maxAgeMs, maxBatches: config.queueMaxBatches, seqFloor: state.lastSeq }, clock, logger);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new VigilError('PERMISSION', `cannot use the spool directory ${dir} (${code}): the agent needs it writable`, [], { cause: e });
  }
}
