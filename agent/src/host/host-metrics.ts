import type { Clock } from '../../../shared/clock.js';
import type { MetricSample } from '../../../shared/protocol/v1/batch.js';
import { defaultHostSource, type HostSource } from './host-source.js';
import { counterRate, daysToFull, type Point } from './rates.js';

const PSEUDO_FS = /^(tmpfs|devtmpfs|overlay|squashfs|proc|sysfs|cgroup2?|nsfs|ramfs|autofs)$/;

interface NetSnapshot {
  ts: number;
  rx: number;
  tx: number;
  errors: number;
  drops: number;
}

/** Host capacity and throughput (from /proc on Linux, systeminformation elsewhere), as wire MetricSamples. */
export class HostMetrics {
  private readonly net = new Map<string, NetSnapshot>();
  private readonly disk = new Map<string, Point[]>();
  private source: Promise<HostSource> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly links: Record<string, number>,
    source?: HostSource,
  ) {
    if (source) this.source = Promise.resolve(source);
  }

  async sample(): Promise<MetricSample[]> {
    const ts = this.clock.now();
    const out: MetricSample[] = [];
    const m = (name: string, value: number, labels?: Record<string, string>) => {
      if (Number.isFinite(value)) out.push({ kind: 'metric', name, ts, value, ...(labels ? { labels } : {}) });
    };
    const r = await (await (this.source ??= defaultHostSource())).read();
    m('host_cpu_usage_ratio', r.cpuUsageRatio);
    m('host_memory_used_bytes', r.memory.active);
    m('host_memory_total_bytes', r.memory.total);
    m('host_memory_available_bytes', r.memory.available);
    for (const d of r.disks) {
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
    for (const n of r.nets) {
      const cur: NetSnapshot = { ts, rx: n.rxBytes, tx: n.txBytes, errors: n.errors, drops: n.drops };
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
