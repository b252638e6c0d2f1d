import { mkdirSync } from 'node:fs';
import { VigilError, type Problem } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/logger.js';
import { ConfigDir, type LayerEntry } from './config-dir.js';
import { type Layer, layerKey, layerProblems, type LayerRef, layersOf } from './layer.js';
import { type ResolvedConfig, resolveConfig } from './merge.js';
import type { FleetSettings } from './settings.js';

type AgentKey = { id: string; clientId: string; siteId: string };

/**
 * Central configuration as the collector serves it: the layers of the config dir (config-dir.ts,
 * the source of truth; the admin API writes the same files), and each agent's resolved document
 * with its version, computed once per change and cached, so a heartbeat only reads a map.
 * Without `fleet.configDir` there is none: `versionFor` answers undefined and agents run their
 * own agent.yaml.
 */
export class FleetConfig {
  private readonly dir: ConfigDir | undefined;
  /** Agent id → its resolved configuration; null: one of its layers is broken and has no good version. */
  private readonly resolved = new Map<string, ResolvedConfig | null>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: FleetSettings,
    private readonly logger: Logger,
  ) {
    if (settings.configDir) {
      try {
        mkdirSync(settings.configDir, { recursive: true, mode: 0o700 });
      } catch (e) {
        throw new VigilError('CONFIG_INVALID', `fleet.configDir ${settings.configDir} cannot be created: ${(e as Error).message}`, [
          { path: '/fleet/configDir', message: (e as Error).message },
        ]);
      }
      this.dir = new ConfigDir(settings.configDir, logger);
    }
  }

  get enabled(): boolean {
    return this.dir !== undefined;
  }

  /** Reads the dir, then checks it for edits every reloadInterval. */
  async start(): Promise<void> {
    if (!this.dir) return;
    await this.reload();
    const every = this.settings.reloadIntervalMs;
    if (every > 0)
      this.timer = setInterval(
        () => void this.reload().catch((err) => this.logger.warn({ err, dir: this.settings.configDir }, 'fleet config dir could not be read')),
        every,
      ).unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Reads edited files; true when a layer in force changed (every agent's document is then resolved again on its next ask). */
  async reload(): Promise<boolean> {
    const changed = await this.need().scan();
    if (changed) this.resolved.clear();
    return changed;
  }

  /** The agent's configuration now; undefined without central configuration or while one of its layers is broken and has no good version. */
  resolvedFor(a: AgentKey): ResolvedConfig | undefined {
    if (!this.dir) return undefined;
    let r = this.resolved.get(a.id);
    if (r === undefined) {
      const entries = layersOf(a).map((key) => ({ key, entry: this.dir!.get(key) }));
      const broken = entries.some((e) => e.entry && !e.entry.layer);
      r = broken
        ? null
        : resolveConfig(
            entries.filter((e) => e.entry?.layer).map((e) => ({ key: e.key, layer: e.entry!.layer! })),
            { client: a.clientId, site: a.siteId, agent: a.id },
          );
      this.resolved.set(a.id, r);
    }
    return r ?? undefined;
  }

  /** As resolvedFor, but 404 without central configuration and 409 while a layer of the agent is broken. */
  requireResolved(a: AgentKey): ResolvedConfig {
    this.need();
    const r = this.resolvedFor(a);
    if (r) return r;
    const broken = layersOf(a).filter((k) => this.dir!.get(k)?.layer === undefined && this.dir!.get(k) !== undefined);
    throw new VigilError(
      'CONFLICT',
      `agent ${a.id}'s configuration has a broken layer without a good version since the collector started (${broken.map((k) => `${k}.yaml`).join(', ')}); fix it (GET /api/v1/fleet/config lists the problems)`,
    );
  }

  versionFor(a: AgentKey): string | undefined {
    return this.resolvedFor(a)?.document.version;
  }

  layer(ref: LayerRef): LayerEntry | undefined {
    return this.need().get(layerKey(ref));
  }

  /** Every layer with its check count and problems, and the files with problems. */
  listing() {
    const dir = this.need();
    return {
      configDir: dir.root,
      layers: dir.keys().map((key) => {
        const e = dir.get(key)!;
        return { layer: key, checks: e.layer?.checks?.length ?? 0, removes: e.layer?.remove?.length ?? 0, valid: e.problems.length === 0 };
      }),
      problems: dir.problems(),
    };
  }

  /** Checks and writes a layer; 400 with every problem when its shape is wrong. */
  async put(ref: LayerRef, raw: unknown): Promise<Layer> {
    const dir = this.need();
    const problems: Problem[] = layerProblems(raw);
    if (problems.length > 0) throw new VigilError('BODY_INVALID', `layer ${layerKey(ref)} is invalid (${problems.length} problems)`, problems);
    const layer = (raw ?? {}) as Layer;
    await dir.write(layerKey(ref), layer);
    this.resolved.clear();
    return layer;
  }

  async remove(ref: LayerRef): Promise<boolean> {
    const removed = await this.need().remove(layerKey(ref));
    if (removed) this.resolved.clear();
    return removed;
  }

  private need(): ConfigDir {
    if (!this.dir) throw new VigilError('NOT_FOUND', 'this collector has no central configuration: set fleet.configDir in collector.yaml');
    return this.dir;
  }
}
