import type { HostReadings, HostSource } from './host-source.js';

type Si = typeof import('systeminformation');

/** Portable source (macOS, Windows, BSD, and Linux ZFS usage): systeminformation, imported on first use. */
export class SystemInformationSource implements HostSource {
  private si: Promise<Si> | undefined;

  private load(): Promise<Si> {
    return (this.si ??= import('systeminformation').then((m) => ((m as { default?: Si }).default ?? m) as Si));
  }

  async read(): Promise<HostReadings> {
    const si = await this.load();
    const [load, mem, fs, nets] = await Promise.all([si.currentLoad(), si.mem(), si.fsSize(), si.networkStats('*')]);
    return {
      cpuUsageRatio: load.currentLoad / 100,
      memory: { total: mem.total, available: mem.available, active: mem.active },
      disks: fs.map((d) => ({ mount: d.mount, type: d.type, size: d.size, used: d.used, available: d.available })),
      nets: nets.map((n) => ({
        iface: n.iface,
        rxBytes: n.rx_bytes,
        txBytes: n.tx_bytes,
        errors: n.rx_errors + n.tx_errors,
        drops: n.rx_dropped + n.tx_dropped,
      })),
    };
  }

  /** systeminformation's disk list alone: ZFS datasets need `zfs list` for their real usage. */
  async disks(): Promise<HostReadings['disks']> {
    return (await (await this.load()).fsSize()).map((d) => ({ mount: d.mount, type: d.type, size: d.size, used: d.used, available: d.available }));
  }
}
