import { describe, expect, it } from 'vitest';
import { dedupeByDevice, dfMounts, parseMeminfo, parseMounts, parseProcStat, ProcfsSource } from '../../../agent/src/host/procfs-source.js';
import { SystemInformationSource } from '../../../agent/src/host/si-source.js';

describe('procfs host source', () => {
  it('CPU busy/idle ticks as systeminformation counted them (user+nice+system+irq+steal+guest; idle without iowait)', () => {
    expect(parseProcStat('cpu  100 5 30 800 40 7 9 3 2 0\ncpu0 1 2 3 4 5 6 7 8 9 0\n')).toEqual({ busy: 100 + 5 + 30 + 7 + 3 + 2, idle: 800 });
  });

  it('memory: available from MemAvailable, or free + buffers + cached + slab on old kernels; active = total − available', () => {
    expect(parseMeminfo('MemTotal:       1000 kB\nMemFree:  100 kB\nMemAvailable:   600 kB\n')).toEqual({ total: 1024000, available: 614400, active: 409600 });
    expect(parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 200 kB\nSlab: 40 kB\n').available).toBe(350 * 1024);
  });

  it('mounts: escapes undone; df and systeminformation filters: no squashfs, no dummy types, tmpfs only with a real device', () => {
    const m = parseMounts(
      '/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /mnt/my\\040disk xfs rw 0 0\nproc /proc proc rw 0 0\ntmpfs /run tmpfs rw 0 0\n/dev/loop0 /snap/x squashfs ro 0 0\nserver:/export /nfs nfs4 rw 0 0\n',
    );
    expect(m[1]).toEqual({ device: '/dev/sdb1', mount: '/mnt/my disk', type: 'xfs' });
    expect(dfMounts(m).map((e) => e.mount)).toEqual(['/', '/mnt/my disk', '/nfs']);
  });

  it('one entry per device like df: the shorter mount point (bind mounts) wins, a later mount over the same point wins', () => {
    const e = (device: string, mount: string, dev: number) => ({ device, mount, type: 'ext4', dev });
    expect(dedupeByDevice([e('/dev/a', '/srv/data', 1), e('/dev/a', '/', 1), e('/dev/b', '/home', 2)]).map((x) => x.mount)).toEqual(['/', '/home']);
    expect(dedupeByDevice([e('/dev/a', '/mnt', 1), e('/dev/c', '/mnt', 1)]).map((x) => x.device)).toEqual(['/dev/c']);
  });

  it.runIf(process.platform === 'linux')('gives the figures systeminformation gives on this machine', async () => {
    // systeminformation's reading bracketed by two of ours: the rest of the suite allocates and frees
    // memory meanwhile (a reading taken beside it once differed by 83 MB), each read is a moment
    const before = await new ProcfsSource().read();
    const s = await new SystemInformationSource().read();
    const p = await new ProcfsSource().read();
    expect(p.memory.total).toBe(s.memory.total);
    const slack = 64 * 1024 * 1024;
    expect(s.memory.available).toBeGreaterThan(Math.min(before.memory.available, p.memory.available) - slack);
    expect(s.memory.available).toBeLessThan(Math.max(before.memory.available, p.memory.available) + slack);
    expect(p.disks.map((d) => [d.mount, d.type, d.size])).toEqual(s.disks.map((d) => [d.mount, d.type, d.size]));
    expect(p.nets.map((n) => n.iface).sort()).toEqual(s.nets.map((n) => n.iface).sort());
    for (const n of p.nets) expect(n.rxBytes).toBeGreaterThan(0);
    expect(p.cpuUsageRatio).toBeGreaterThanOrEqual(0);
    expect(p.cpuUsageRatio).toBeLessThanOrEqual(1);
  });
});
