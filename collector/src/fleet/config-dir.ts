import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { type Problem, VigilError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/logger.js';
import { type Layer, layerProblems, MAX_LAYER_BYTES, refOf } from './layer.js';

/** A layer file as last read: its layer (the last good one while the file is broken), and the file's problems now. */
export interface LayerEntry {
  /** undefined: the file has never been valid since the collector started. */
  layer: Layer | undefined;
  problems: Problem[];
  mtimeMs: number;
  size: number;
}

/** More layer files than this in one dir: the rest are not read (a problem says so). */
const MAX_FILES = 100_000;
const HEADER = '# Vigil central configuration layer (README, "Central configuration and the fleet"); written by the admin API\n';

/**
 * The fleet config dir — the one source of truth of central configuration: `clients/<client>.yaml`,
 * `sites/<client>/<site>.yaml`, `agents/<agentId>.yaml`. Edited by hand (or from git) and picked up by
 * `scan()`, which reads only files whose size or mtime changed; written by the admin API through
 * `write()` / `remove()` (atomic rename, 0600 in 0700 directories). Scans and writes run one at a
 * time. Names that are not ids and files that are not `.yaml` are ignored.
 */
export class ConfigDir {
  private readonly entries = new Map<string, LayerEntry>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Problems of the dir itself (too many files), not of one file. */
  private dirProblems: Problem[] = [];

  constructor(
    readonly root: string,
    private readonly logger: Logger,
  ) {}

  get(key: string): LayerEntry | undefined {
    return this.entries.get(key);
  }

  keys(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** Every file with problems, and the dir's own. */
  problems(): Array<{ file: string; problems: Problem[] }> {
    const files = [...this.entries].filter(([, e]) => e.problems.length > 0).map(([k, e]) => ({ file: `${k}.yaml`, problems: e.problems }));
    return this.dirProblems.length > 0 ? [{ file: '.', problems: this.dirProblems }, ...files] : files;
  }

  /** Reads what changed on disk since the last scan; true when the layers in force changed. */
  scan(): Promise<boolean> {
    return this.serial(async () => {
      const keys = await this.list().catch((e: Error) => {
        throw new VigilError('CONFIG_NOT_FOUND', `fleet.configDir ${this.root} cannot be read (${e.message}); the layers read before stay in force`);
      });
      let changed = false;
      for (const key of keys) changed = (await this.consider(key)) || changed;
      const present = new Set(keys);
      for (const key of [...this.entries.keys()])
        if (!present.has(key)) {
          this.entries.delete(key);
          changed = true;
        }
      return changed;
    });
  }

  /** Writes a layer (already checked) as YAML and takes it in force at once. */
  write(key: string, layer: Layer): Promise<void> {
    return this.serial(async () => {
      const path = this.pathOf(key);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const tmp = `${path}.tmp-${process.pid}`;
      await writeFile(tmp, HEADER + stringify(layer), { mode: 0o600 });
      await rename(tmp, path);
      const st = await stat(path);
      this.entries.set(key, { layer, problems: [], mtimeMs: st.mtimeMs, size: st.size });
    });
  }

  /** Deletes a layer's file; false when there was none. */
  remove(key: string): Promise<boolean> {
    return this.serial(async () => {
      const had = this.entries.delete(key);
      try {
        await rm(this.pathOf(key));
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return had;
        throw e;
      }
    });
  }

  private pathOf(key: string): string {
    return join(this.root, `${key}.yaml`);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * The layer keys on disk (`clients/acme` …), bounded. A missing `clients/`, `sites/` or `agents/` is
   * no layers; any other read error, or the dir itself gone (an unmounted share), throws: the layers
   * read before stay in force rather than every agent losing its checks.
   */
  private async list(): Promise<string[]> {
    await stat(this.root);
    const names = async (dir: string, dirs: boolean) =>
      (
        await readdir(join(this.root, dir), { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT') return [];
          throw e;
        })
      )
        .filter((d) => (dirs ? d.isDirectory() : d.isFile() && d.name.endsWith('.yaml')))
        .map((d) => (dirs ? d.name : d.name.slice(0, -'.yaml'.length)));
    const keys = [...(await names('clients', false)).map((n) => `clients/${n}`), ...(await names('agents', false)).map((n) => `agents/${n}`)];
    for (const client of await names('sites', true)) {
      if (keys.length >= MAX_FILES) break;
      for (const site of await names(`sites/${client}`, false)) keys.push(`sites/${client}/${site}`);
    }
    this.dirProblems = keys.length > MAX_FILES ? [{ path: '/', message: `more than ${MAX_FILES} layer files; the rest are not read` }] : [];
    return keys.filter((k) => refOf(k) !== undefined).slice(0, MAX_FILES);
  }

  /** Reads one file if it changed; true when the layer in force for it changed. */
  private async consider(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    const st = await stat(path).catch(() => undefined);
    if (!st) return false; // gone since the listing: the next scan drops it
    const old = this.entries.get(key);
    if (old && old.mtimeMs === st.mtimeMs && old.size === st.size) return false;
    let raw: unknown;
    let problems: Problem[];
    if (st.size > MAX_LAYER_BYTES) problems = [{ path: '/', message: `larger than ${MAX_LAYER_BYTES} bytes` }];
    else
      try {
        raw = parseYaml(await readFile(path, 'utf8'));
        problems = layerProblems(raw);
      } catch (e) {
        problems = [{ path: '/', message: `not valid YAML: ${(e as Error).message}` }];
      }
    if (problems.length > 0) {
      this.logger.warn({ file: path, problems }, 'fleet config layer is invalid; its last good version stays in force');
      this.entries.set(key, { layer: old?.layer, problems, mtimeMs: st.mtimeMs, size: st.size });
      return old === undefined;
    }
    this.entries.set(key, { layer: (raw ?? {}) as Layer, problems: [], mtimeMs: st.mtimeMs, size: st.size });
    return true;
  }
}
