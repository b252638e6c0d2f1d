import { isVigilError, VigilError } from '../../shared/errors.js';
import { silentLogger } from '../../shared/logger.js';
import type { AgentConfig, CheckConfig } from './config.js';
import type { ProbeRegistry } from './probes/registry.js';
import { ConfigFetcher } from './remote-config-fetch.js';
import { loadCentralConfig } from './remote-config-file.js';
import { parseCentralConfig } from './remote-config.js';
import { readState } from './state.js';

/** The checks a command works on, and where they came from (for its output). */
export interface CommandChecks {
  checks: CheckConfig[];
  /** e.g. `agent.yaml`, `central configuration 3f2a… (saved in /var/lib/vigil-agent)`. */
  source: string;
  /** Said on stderr: why a saved configuration stands in for the collector's, or that there is none. */
  note?: string;
}

/**
 * What `check-config` and `run-once` act on. A local agent.yaml: its checks. `collector.config:
 * central`: the configuration the agent runs, which is not in agent.yaml — with `fetch`, the
 * collector's current one (the agent's own token from the state dir, as `run` fetches it), else, or
 * when the collector cannot be asked, the one the agent saved in its state dir. Either is validated
 * as `run` validates it (a bad one throws with every problem and its path).
 */
export async function commandChecks(config: AgentConfig, registry: ProbeRegistry, opts: { fetch: boolean }): Promise<CommandChecks> {
  if (config.configSource === 'local') return { checks: config.checks, source: 'agent.yaml' };
  let why = '';
  if (opts.fetch) {
    const state = readState(config.stateDir);
    const res = await new ConfigFetcher(state.collectorUrl || config.collectorUrl).fetch(state.agentToken, undefined);
    if (res.kind === 'document') {
      const c = parseCentralConfig(res.document, config, registry);
      return { checks: c.checks, source: `central configuration ${c.version} (from the collector)` };
    }
    why = res.kind === 'failed' ? `the collector did not give the configuration (${res.status}${res.code ? ` ${res.code}` : ''})` : '';
  }
  const saved = loadCentralConfig(config.stateDir, silentLogger());
  if (saved === undefined) {
    if (opts.fetch)
      throw new VigilError(
        'CONFIG_INVALID',
        `no checks to run: collector.config is central, ${why || 'the collector gave nothing'}, and no configuration is saved in ${config.stateDir}`,
      );
    return {
      checks: [],
      source: 'central configuration',
      note: `collector.config is central and no central configuration is saved in ${config.stateDir} yet: the agent takes it from the collector at its first heartbeat (\`vigil agent run-once\` fetches it)`,
    };
  }
  let c: { version: string; checks: CheckConfig[] };
  try {
    c = parseCentralConfig(saved, config, registry);
  } catch (e) {
    // `run` rejects it too and waits for the collector's: not a reason to refuse the start (the unit's ExecStartPre)
    if (opts.fetch || !isVigilError(e)) throw e;
    return {
      checks: [],
      source: 'central configuration',
      note: `the configuration saved in ${config.stateDir} is rejected by this agent, \`run\` waits for the collector's:\n${e.toText()}`,
    };
  }
  return {
    checks: c.checks,
    source: `central configuration ${c.version} (saved in ${config.stateDir})`,
    ...(why ? { note: `${why}: using the configuration saved in ${config.stateDir}` } : {}),
  };
}
