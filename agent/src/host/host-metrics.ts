import si from 'systeminformation';
import type { Clock } from '../../../shared/clock.js';
import type { MetricSample } from '../../../shared/protocol/v1/batch.js';
import { counterRate, daysToFull, type Point } from './rates.js';

const PSEUDO_FS = /^(tmpfs|devtmpfs|overlay|squashfs|proc|sysfs|cgroup2?|nsfs|ramfs|autofs)$/;

interface NetSnapshot { ts: number; rx: number; tx: number; errors: number; drops: number; packets: number }

/** Host capacity and throughput from systeminformation, as wire MetricSamples. */
export class HostMetrics {
  private readonly net = new Map<string, NetSnapshot>();
  private readonly disk = new Map<string, Point[]>();

  constructor(private readonly clock: Clock, private readonly links: Record<string, number>) {}

  async sample(): Promise<MetricSample[]> {
    const ts = this.clock.now();
    const out: MetricSample[] = [];
    const m = (name: string, value: number, labels?: Record<string, string>) => {
      if (Number.isFinite(value)) out.push({ kind: 'metric', name, ts, value, ...(labels ? { labels } : {}) });
    };
    const [load, mem, fs, nets] = await Promise.all([si.currentLoad(), si.mem(), si.fsSize(), si.networkStats('*')]);
    m('host_cpu_usage_ratio', load.currentLoad / 100);
    m('host_memory_used_bytes', mem.active);
    m('host_memory_total_bytes', mem.total);
    m('host_memory_available_bytes', mem.available);
    for (const d of fs) {
      if (PSEUDO_FS.test(d.type) || d.size === 0) continue;
      const l = { mount: d.mount };
      m('host_disk_used_bytes', d.used, l);
      m('host_disk_free_bytes', d.available, l);
      m('host_disk_size_bytes', d.size, l);
      const hist = [...(this.disk.get(d.mount) ?? []), { ts, value: d.used }].slice(-60);
      this.disk.set(d.mount, hist);
      const days = daysToFull(hist, d.size);
      if (days !== undefined) m('host_disk_full_days', days, l);
    }
    for (const n of nets) {
      const cur: NetSnapshot = {
        ts, rx: n.rx_bytes, tx: n.tx_bytes, errors: n.rx_errors + n.tx_errors, drops: n.rx_dropped + n.tx_dropped,
        packets: (n as unknown as { rx_packets?: number }).rx_packets ?? 0,
      };
      const prev = this.net.get(n.iface);
      this.net.set(n.iface, cur);
      if (!prev) continue;
      const l = { interface: n.iface };
      const rx = counterRate(prev.rx, cur.rx, prev.ts, cur.ts);
      const tx = counterRate(prev.tx, cur.tx, prev.ts, cur.ts);
      if (rx === undefined || tx === undefined) continue;
      m('host_network_receive_bits_per_second', rx * 8, l);
      m('host_network_transmit_bits_per_second', tx * 8, l);
      const speed = this.links[n.iface];
      if (speed) {
        m('host_network_utilisation_ratio', (rx * 8) / speed, { ...l, direction: 'receive' });
        m('host_network_utilisation_ratio', (tx * 8) / speed, { ...l, direction: 'transmit' });
      }
      const errs = counterRate(prev.errors + prev.drops, cur.errors + cur.drops, prev.ts, cur.ts) ?? 0;
      m('host_network_errors_per_second', errs, l);
    }
    return out;
  }
}
