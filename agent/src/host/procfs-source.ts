import { readFileSync } from 'node:fs';
import { stat, statfs } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import type { DiskReading, HostReadings, HostSource, NetReading } from './host-source.js';

/**
 * Linux host readings straight from /proc, /sys and statfs(2): the same figures
 * systeminformation gave (it ran `cat`, `df` and a shell per interface every sample,
 * i.e. about ten child processes), at a fraction of the CPU and without loading it.
 * Each rule that keeps a figure equal to the old one says which tool it mirrors.
 */
export class ProcfsSource implements HostSource {
  private prevCpu: CpuTicks | undefined;
  /** Mounts whose statfs has not returned (a dead NFS server): never queued twice. */
  private readonly pending = new Set<string>();
  private zfs: import('./si-source.js').SystemInformationSource | undefined;

  constructor(private readonly root = '') {}

  async read(): Promise<HostReadings> {
    const [cpuUsageRatio, disks] = await Promise.all([this.cpu(), this.disks()]);
    return { cpuUsageRatio, memory: parseMeminfo(this.file('/proc/meminfo')), disks, nets: this.nets() };
  }

  private file(path: string): string {
    return readFileSync(this.root + path, 'latin1');
  }

  /** Like systeminformation.currentLoad: the first call primes and measures over 500 ms. */
  private async cpu(): Promise<number> {
    if (!this.prevCpu) {
      this.prevCpu = parseProcStat(this.file('/proc/stat'));
      await new Promise((r) => setTimeout(r, 500));
    }
    const cur = parseProcStat(this.file('/proc/stat'));
    const prev = this.prevCpu;
    this.prevCpu = cur;
    const total = cur.busy + cur.idle - (prev.busy + prev.idle);
    return total > 0 ? (cur.busy - prev.busy) / total : 0;
  }

  private async disks(): Promise<DiskReading[]> {
    const mounts = dfMounts(parseMounts(this.file('/proc/self/mounts')));
    // df shows a ZFS dataset's own usage only; systeminformation corrects it with `zfs list`: keep that path for ZFS hosts
    if (mounts.some((m) => m.type === 'zfs')) return (this.zfs ??= new (await import('./si-source.js')).SystemInformationSource()).disks();
    const read = await Promise.all(
      mounts.map(async (m) => {
        if (this.pending.has(m.mount)) return undefined;
        this.pending.add(m.mount);
        try {
          const [fs, st] = await Promise.all([statfs(this.root + m.mount), stat(this.root + m.mount)]);
          return {
            ...m,
            dev: st.dev,
            size: ceilKiB(fs.blocks * fs.bsize),
            used: ceilKiB((fs.blocks - fs.bfree) * fs.bsize),
            available: ceilKiB(fs.bavail * fs.bsize),
          };
        } catch {
          return undefined; // df skips what it cannot stat (permissions, vanished mount)
        } finally {
          this.pending.delete(m.mount);
        }
      }),
    );
    return dedupeByDevice(read.filter((d): d is NonNullable<typeof d> => d !== undefined && d.size > 0)).map(({ mount, type, size, used, available }) => ({
      mount,
      type,
      size,
      used,
      available,
    }));
  }

  /** Interfaces with an address (systeminformation's list), counters from /sys/class/net/<iface>/statistics. */
  private nets(): NetReading[] {
    const out: NetReading[] = [];
    for (const iface of Object.keys(networkInterfaces())) {
      const dir = `/sys/class/net/${iface}/statistics/`;
      const n = (name: string) => {
        try {
          return Number.parseInt(this.file(dir + name), 10) || 0;
        } catch {
          return 0;
        }
      };
      out.push({ iface, rxBytes: n('rx_bytes'), txBytes: n('tx_bytes'), errors: n('rx_errors') + n('tx_errors'), drops: n('rx_dropped') + n('tx_dropped') });
    }
    return out;
  }
}

export interface CpuTicks {
  busy: number;
  idle: number;
}

/**
 * Aggregate `cpu` line of /proc/stat. Busy and idle are counted as systeminformation did
 * (user + nice + system + irq + steal + guest; idle without iowait), all in ticks.
 */
export function parseProcStat(text: string): CpuTicks {
  const line = text.slice(0, text.indexOf('\n'));
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const v = (i: number) => f[i] ?? 0;
  return { busy: v(0) + v(1) + v(2) + v(5) + v(7) + v(8), idle: v(3) };
}

/** MemTotal, MemAvailable (or free + buffers + cached + slab on old kernels), active = total − available. */
export function parseMeminfo(text: string): HostReadings['memory'] {
  const kb = (key: string) => {
    const at = text.indexOf(`\n${key}:`);
    const from = at < 0 ? (text.startsWith(`${key}:`) ? 0 : -1) : at + 1;
    return from < 0 ? undefined : Number.parseInt(text.slice(from + key.length + 1), 10) * 1024;
  };
  const total = kb('MemTotal') ?? 0;
  const available = kb('MemAvailable') ?? (kb('MemFree') ?? 0) + (kb('Buffers') ?? 0) + (kb('Cached') ?? 0) + (kb('Slab') ?? 0);
  return { total, available, active: total - available };
}

export interface MountEntry {
  device: string;
  mount: string;
  type: string;
}

/** /proc/self/mounts, with its octal escapes (\040 for a space) undone. */
export function parseMounts(text: string): MountEntry[] {
  const unescapeOctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [device, mount, type] = line.split(' ');
    if (device && mount && type) out.push({ device: unescapeOctal(device), mount: unescapeOctal(mount), type });
  }
  return out;
}

/** gnulib's ME_DUMMY types: `df` never lists them. */
const DF_DUMMY = new Set([
  'autofs',
  'proc',
  'subfs',
  'debugfs',
  'devpts',
  'fusectl',
  'fuse.portal',
  'mqueue',
  'rpc_pipefs',
  'sysfs',
  'devfs',
  'kernfs',
  'ignore',
  'none',
  'rootfs',
]);
/** systeminformation dropped these types unless the device looks like a real one. */
const SI_TMP = ['rootfs', 'unionfs', 'squashfs', 'cramfs', 'initrd', 'initramfs', 'devtmpfs', 'tmpfs', 'udev', 'devfs', 'specfs', 'type', 'appimaged'];

/** The mounts `df -kPTx squashfs` lists and systeminformation kept, before statfs. */
export function dfMounts(entries: readonly MountEntry[]): MountEntry[] {
  return entries.filter((e) => {
    if (e.type === 'squashfs' || DF_DUMMY.has(e.type)) return false;
    const realDevice = e.device.startsWith('/') || e.mount === '/' || e.device.indexOf('/') > 0 || e.device[1] === ':';
    return realDevice || !SI_TMP.some((t) => e.type.toLowerCase().includes(t));
  });
}

/**
 * One entry per device, as df does: a device with '/' in its name beats one without,
 * then the shorter mount point (bind mounts), then a later mount over the same point.
 */
export function dedupeByDevice<T extends MountEntry & { dev: number }>(entries: readonly T[]): T[] {
  const byDev = new Map<number, T>();
  for (const e of entries) {
    const old = byDev.get(e.dev);
    const replace =
      !old || (e.device.includes('/') && !old.device.includes('/')) || old.mount.length > e.mount.length || (old.device !== e.device && old.mount === e.mount);
    if (replace) byDev.set(e.dev, e);
  }
  return [...byDev.values()];
}

/** df -k prints whole KiB, rounded up. */
const ceilKiB = (bytes: number) => Math.ceil(bytes / 1024) * 1024;
