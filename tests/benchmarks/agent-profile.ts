/**
 * bench:agent's profiling knob (BENCH_PROFILE=DIR): the agent runs under V8's sampling profiler
 * (`--cpu-prof`), the bench stops it with SIGTERM after the window and waits for its clean exit
 * (the profile is written at exit, never after a SIGKILL), and this file sums the profile's
 * samples inside the measured window only (start-up and warm-up left out), by function and by
 * source file, mapped through the bundle's source map to agent/src names.
 * The profiler's sampling thread costs CPU itself: a profiled run's agentCpuPercent is not a figure.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRun {
  file: string;
  /** Node flags for the agent (after the launcher's). */
  flags: string;
}

/** Flags that write the agent's profile to `dir`/agent-<time>.cpuprofile, sampling every `intervalUs`. */
export function profileRun(dir: string, intervalUs: number): ProfileRun {
  const abs = resolve(dir);
  const name = `agent-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`;
  return { file: join(abs, name), flags: `--cpu-prof --cpu-prof-dir=${abs} --cpu-prof-name=${name} --cpu-prof-interval=${intervalUs}` };
}

/** Now on the clock V8's profile timestamps use (CLOCK_MONOTONIC, µs). */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const ms = (us: number) => Math.round(us / 10) / 100;

/** Where a frame is: `agent/src/…ts:line` through the bundle's source map, else the script and line. */
function locator(): (f: ProfileNode['callFrame']) => string {
  const maps = new Map<string, SourceMap | undefined>();
  return (f) => {
    if (!f.url) return '(native)';
    if (!maps.has(f.url)) {
      const path = f.url.startsWith('file:') ? fileURLToPath(f.url) : f.url;
      maps.set(f.url, existsSync(`${path}.map`) ? new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))) : undefined);
    }
    const e = maps.get(f.url)?.findEntry(f.lineNumber, f.columnNumber);
    if (e && 'originalSource' in e) return `${e.originalSource.replace(/^(\.\.\/)+/, '').replace(/^.*?node_modules\//, 'node_modules/')}:${e.originalLine + 1}`;
    return `${f.url.replace(/^.*node_modules\//, '')}:${f.lineNumber + 1}`;
  };
}

export interface ProfileSummary {
  file: string;
  windowSeconds: number;
  /** Main-thread samples that were not idle, as % of the window's samples (GC, native and JavaScript; not other threads). */
  busyPercent: number;
  top: Array<{ selfMs: number; pct: number; fn: string; at: string }>;
  byFile: Array<{ selfMs: number; pct: number; file: string }>;
}

/** Self time per function and per source file of the samples in [fromUs, toUs). */
export function summarizeProfile(file: string, fromUs: number, toUs: number, topN = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const where = locator();
  const byFn = new Map<string, { us: number; fn: string; at: string }>();
  const byFile = new Map<string, number>();
  // Each sample stands for the nominal interval (the median gap), not for the gap to the next one: the
  // sampler cannot interrupt a blocking syscall (fdatasync), and that wait is not CPU.
  const gaps = p.timeDeltas.slice().sort((a, b) => a - b);
  const dt = gaps[gaps.length >> 1] ?? 1000;
  let t = p.startTime;
  let samples = 0;
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    if (t < fromUs || t >= toUs) continue;
    samples++;
    const f = nodes.get(p.samples[i]!)!.callFrame;
    if (f.functionName === '(idle)') continue;
    busy += dt;
    const at = where(f);
    const key = `${f.functionName} ${at}`;
    const e = byFn.get(key) ?? { us: 0, fn: f.functionName || '(anonymous)', at };
    e.us += dt;
    byFn.set(key, e);
    const src = at.replace(/:\d+$/, '');
    byFile.set(src, (byFile.get(src) ?? 0) + dt);
  }
  const pct = (us: number) => Math.round((us / Math.max(1, busy)) * 1000) / 10;
  return {
    file,
    windowSeconds: Math.round((toUs - fromUs) / 1e5) / 10,
    busyPercent: Math.round((busy / Math.max(1, samples * dt)) * 1e5) / 1e3,
    top: [...byFn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((e) => ({ selfMs: ms(e.us), pct: pct(e.us), fn: e.fn, at: e.at })),
    byFile: [...byFile]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([src, us]) => ({ selfMs: ms(us), pct: pct(us), file: src })),
  };
}

/** The summary as a table, for stderr. */
export function profileTable(s: ProfileSummary): string {
  const rows = s.top.map((r) => `${r.selfMs.toFixed(1).padStart(8)} ms ${r.pct.toFixed(1).padStart(5)} %  ${r.fn}  ${r.at}`);
  const files = s.byFile.map((r) => `${r.selfMs.toFixed(1).padStart(8)} ms ${r.pct.toFixed(1).padStart(5)} %  ${r.file}`);
  return [
    `profile ${s.file}: ${s.windowSeconds} s window, main thread busy ${s.busyPercent} %`,
    'self time by function:',
    ...rows,
    'self time by file:',
    ...files,
  ].join('\n');
}
