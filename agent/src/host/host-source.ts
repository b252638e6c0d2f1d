/** Raw host readings, before rates and filtering: what HostMetrics needs from the OS. */
export interface DiskReading {
  mount: string;
  type: string;
  size: number;
  used: number;
  available: number;
}
export interface NetReading {
  iface: string;
  rxBytes: number;
  txBytes: number;
  errors: number;
  drops: number;
}

export interface HostReadings {
  /** Busy share of all CPUs since the previous reading (the first reading primes over 500 ms), 0..1. */
  cpuUsageRatio: number;
  /** Bytes. `active` = total − available. */
  memory: { total: number; available: number; active: number };
  disks: DiskReading[];
  nets: NetReading[];
}

export interface HostSource {
  read(): Promise<HostReadings>;
}

/**
 * Linux reads /proc, /sys and statfs directly (no child processes, no extra module);
 * other platforms keep systeminformation, loaded only when first needed.
 */
export async function defaultHostSource(platform: NodeJS.Platform = process.platform): Promise<HostSource> {
  if (platform === 'linux') {
    const { ProcfsSource } = await import('./procfs-source.js');
    return new ProcfsSource();
  }
  const { SystemInformationSource } = await import('./si-source.js');
  return new SystemInformationSource();
}
