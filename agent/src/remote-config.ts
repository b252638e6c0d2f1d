import { isVigilError, type Problem, VigilError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import {
  AgentConfigDocument,
  type HeartbeatConfig,
  MAX_CONFIG_PROBLEMS,
  MAX_PROBLEM_MESSAGE,
  MAX_PROBLEM_PATH,
} from '../../shared/protocol/v1/agent-config.js';
import { canonicalJson, sha256Hex } from '../../shared/report/canonical.js';
import { validator } from '../../shared/validate.js';
import { type AgentConfig, type CheckConfig, parseAgentConfig } from './config.js';
import type { ProbeRegistry } from './probes/registry.js';
import type { FetchResult } from './remote-config-fetch.js';
import { loadCentralConfig, saveCentralConfig } from './remote-config-file.js';

const envelope = validator(AgentConfigDocument);

/**
 * A central configuration document validated as agent.yaml is (parseAgentConfig: every problem
 * with its path, e.g. `/checks/2/url`), with agent.yaml's labels under the document's. Throws a
 * VigilError with the problems.
 */
export function parseCentralConfig(doc: unknown, base: AgentConfig, registry: ProbeRegistry): { version: string; checks: CheckConfig[] } {
  const problems = envelope.problems(doc);
  if (problems.length > 0) throw new VigilError('CONFIG_INVALID', `central configuration document is invalid (${problems.length} problems)`, problems);
  const d = doc as AgentConfigDocument;
  const source = `central configuration ${d.version}`;
  const raw = { collector: { url: base.collectorUrl, config: 'local' }, stateDir: base.stateDir, labels: { ...base.labels, ...d.labels }, checks: d.checks };
  try {
    return {
      version: d.version,
      checks: parseAgentConfig({ ...raw, ...(d.defaults ? { defaults: d.defaults } : {}) }, source, registry, base.stateDir).checks,
    };
  } catch (e) {
    // a problem in `defaults` or `labels` stops parseAgentConfig before the checks: the checks' problems come in the same report
    if (!isVigilError(e) || e.problems.some((p) => p.path.startsWith('/checks'))) throw e;
    try {
      parseAgentConfig({ ...raw, labels: base.labels }, source, registry, base.stateDir);
    } catch (more) {
      if (isVigilError(more)) throw new VigilError('CONFIG_INVALID', e.message, [...e.problems, ...more.problems.filter((p) => p.path.startsWith('/checks'))]);
    }
    throw e;
  }
}

/** The heartbeat report of an agent whose checks come from agent.yaml: version = a hash of them. */
export const localConfigReport = (checks: readonly CheckConfig[]): HeartbeatConfig => ({
  source: 'local',
  version: sha256Hex(canonicalJson(checks)).slice(0, 16),
  state: 'applied',
});

/** The version a heartbeat answer names (`config.version`), if any. */
export function offeredVersion(ackBody: string): string | undefined {
  try {
    const v = (JSON.parse(ackBody) as { config?: { version?: unknown } }).config?.version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export interface RemoteConfigDeps {
  base: AgentConfig;
  registry: ProbeRegistry;
  logger: Logger;
  fetch: (running: string | undefined) => Promise<FetchResult>;
  /** What a check list needs before it can run (probe preflights: raw sockets …); problems reject it. */
  preflight: (checks: CheckConfig[]) => Promise<Problem[]>;
  /** Runs a validated check list (Scheduler.update). */
  apply: (checks: CheckConfig[]) => void;
  /** A version was applied or rejected: tell the collector now (a heartbeat). */
  changed: () => void;
}

/**
 * Central configuration on the agent (README, "Central configuration and the fleet"). Every heartbeat
 * answer names the version the collector holds for this agent; when it is neither the one running nor
 * the one rejected last, the agent fetches it (If-None-Match: the one running), validates it with
 * agent.yaml's validator, preflights its probes and applies it by check id (Scheduler.update: the
 * spool, the seqs and unchanged checks are untouched), keeps it in the state dir and reports it at once.
 * A document it rejects is reported with every problem and its path; the last good one keeps running.
 */
export class RemoteConfig {
  private running: { version: string; checks: CheckConfig[] } | undefined;
  private rejected: { version: string; problems: Problem[] } | undefined;
  private fetching = false;
  private lastFailure = '';
  private toldNone = false;

  constructor(private readonly d: RemoteConfigDeps) {}

  /** At start: the last good configuration kept in the state dir, checked again (this agent version may differ), or none. */
  async load(): Promise<CheckConfig[]> {
    const saved = loadCentralConfig(this.d.base.stateDir, this.d.logger);
    if (saved === undefined) return [];
    const taken = await this.validate(saved);
    if (!taken) return [];
    this.running = taken;
    this.d.logger.info({ version: taken.version, checks: taken.checks.length }, 'running the saved central configuration until the collector answers');
    return taken.checks;
  }

  report(): HeartbeatConfig {
    return {
      source: 'central',
      ...(this.running ? { version: this.running.version } : {}),
      state: this.rejected ? 'rejected' : this.running ? 'applied' : 'none',
      ...(this.rejected ? { rejected: this.rejected } : {}),
    };
  }

  /**
   * A heartbeat answer's version (undefined: the collector has none for this agent): fetched unless
   * known. Never rejects; settles when what it started is done (the agent does not wait for it).
   */
  async offered(version: string | undefined): Promise<void> {
    if (version === undefined && !this.running && !this.toldNone) {
      this.toldNone = true;
      this.d.logger.warn(
        'collector.config is central, and the collector offers no configuration for this agent (fleet.configDir, a broken layer?): no checks run',
      );
    }
    if (version === undefined || this.fetching) return;
    if (version === this.running?.version) {
      if (this.rejected) {
        this.rejected = undefined; // the collector went back to what runs
        this.d.changed();
      }
      return;
    }
    if (version === this.rejected?.version) return;
    this.fetching = true;
    try {
      await this.take(version);
    } catch (err) {
      this.d.logger.warn({ err }, 'central configuration not taken');
    } finally {
      this.fetching = false;
    }
  }

  private async take(offered: string): Promise<void> {
    const res = await this.d.fetch(this.running?.version);
    if (res.kind === 'unchanged') return;
    if (res.kind === 'failed') {
      const what = `${res.status} ${res.code ?? ''}`.trim();
      if (what !== this.lastFailure)
        this.d.logger.warn({ status: res.status, code: res.code }, 'central configuration not fetched; trying again at the next heartbeat');
      this.lastFailure = what;
      return;
    }
    this.lastFailure = '';
    const taken = await this.validate(res.document, offered);
    if (!taken) return this.d.changed();
    this.d.apply(taken.checks);
    this.running = taken;
    this.rejected = undefined;
    try {
      saveCentralConfig(this.d.base.stateDir, res.document);
    } catch (err) {
      this.d.logger.warn({ err }, 'central configuration applied but not saved: a restart without the collector runs the one saved before');
    }
    this.d.logger.info({ version: taken.version, checks: taken.checks.length }, 'central configuration applied');
    this.d.changed();
  }

  /** The document's checks, or undefined after recording why it is rejected. */
  private async validate(doc: unknown, offered = 'unknown'): Promise<{ version: string; checks: CheckConfig[] } | undefined> {
    const version = versionOf(doc) ?? offered;
    let problems: Problem[];
    try {
      const parsed = parseCentralConfig(doc, this.d.base, this.d.registry);
      problems = await this.d.preflight(parsed.checks);
      if (problems.length === 0) return parsed;
    } catch (e) {
      if (!isVigilError(e)) throw e;
      problems = e.problems.length > 0 ? e.problems : [{ path: '/', message: e.message }];
    }
    this.rejected = { version, problems: bounded(problems) };
    this.d.logger.warn({ version, problems }, 'central configuration rejected; the last good one keeps running');
    return undefined;
  }
}

const versionOf = (doc: unknown): string | undefined => {
  const v = (doc as { version?: unknown } | null)?.version;
  return typeof v === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(v) ? v : undefined;
};

/** Problems cut to what a heartbeat carries (protocol bounds); the last says how many more there were. */
function bounded(problems: Problem[]): Problem[] {
  const cut = (p: Problem) => ({ path: p.path.slice(0, MAX_PROBLEM_PATH), message: p.message.slice(0, MAX_PROBLEM_MESSAGE) });
  if (problems.length <= MAX_CONFIG_PROBLEMS) return problems.map(cut);
  const kept = problems.slice(0, MAX_CONFIG_PROBLEMS - 1).map(cut);
  return [...kept, { path: '/', message: `and ${problems.length - kept.length} more problems (the agent's log has them all)` }];
}
