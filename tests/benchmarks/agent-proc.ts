/**
 * Footprint of one process from /proc, the way `top` and node_exporter's own
 * process collector see it: RSS (VmRSS, peak VmHWM) and CPU time in clock ticks.
 * CPU includes reaped children (cutime + cstime), so a helper the process spawns
 * (e.g. `df` for disk usage) is charged to it, not hidden.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface ProcReading {
  at: number;
  rssKb: number;
  hwmKb: number;
  cpuSeconds: number;
}

export function readProc(pid: number): ProcReading {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after "(comm)": state is field 3, utime 14, stime 15, cutime 16, cstime 17
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return { at: performance.now(), rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), cpuSeconds: ticks / TICKS };
}

export interface Footprint {
  samples: number;
  seconds: number;
  rssMeanMB: number;
  rssMaxMB: number;
  /** VmHWM at the end: the peak over the process's whole life, start-up included. */
  rssPeakMB: number;
  /** CPU time over wall time in the window, in % of one core. */
  cpuPercent: number;
}

/** Samples a process every `everyMs` between `begin()` and `end()`. */
export class ProcSampler {
  private readonly readings: ProcReading[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly pid: number,
    private readonly everyMs = 1000,
  ) {}

  begin(): void {
    this.readings.push(readProc(this.pid));
    this.timer = setInterval(() => this.readings.push(readProc(this.pid)), this.everyMs);
  }

  end(): Footprint {
    clearInterval(this.timer);
    const last = readProc(this.pid);
    this.readings.push(last);
    const first = this.readings[0]!;
    const seconds = (last.at - first.at) / 1000;
    const rss = this.readings.map((r) => r.rssKb / 1024);
    return {
      samples: this.readings.length,
      seconds: round(seconds, 1),
      rssMeanMB: round(rss.reduce((a, b) => a + b, 0) / rss.length, 1),
      rssMaxMB: round(Math.max(...rss), 1),
      rssPeakMB: round(last.hwmKb / 1024, 1),
      cpuPercent: round(((last.cpuSeconds - first.cpuSeconds) / seconds) * 100, 3),
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
