import { statfs } from 'node:fs/promises';
import { cpus } from 'node:os';
import si from 'systeminformation';
import type { Metrics } from '@docker-worker/worker-contract';
import type { WorkerLog } from '../log/worker-log.js';
import { PeriodicSampler } from './periodic-sampler.js';

/** CPU time of all cores so far, ms: busy and in total. */
function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/**
 * Samples the host every `intervalMs`: memory (systeminformation, which reads /proc/meminfo
 * asynchronously), CPU load from Node's own per-core times (systeminformation's currentLoad
 * runs a shell synchronously, blocking the worker), and the filesystem of `dockerVolume`
 * (statfs, as the disk gate measures it).
 */
export class HostMetrics extends PeriodicSampler {
  constructor(options: HostMetricsOptions) {
    super(measureHost(options), options.intervalMs, (err) => options.log.warn('host metrics not sampled', { error: err }));
  }
}

interface HostMetricsOptions {
  metrics: Metrics;
  dockerVolume: string;
  intervalMs: number;
  log: WorkerLog;
}

/** One sample of the host; the CPU load is over the time since the previous one. */
function measureHost({ metrics, dockerVolume }: HostMetricsOptions): () => Promise<void> {
  let last = cpuTimes();
  return async () => {
    const [mem, disk] = await Promise.all([si.mem(), statfs(dockerVolume)]);
    const cpu = cpuTimes();
    const elapsed = cpu.total - last.total;
    const load = elapsed > 0 ? (cpu.busy - last.busy) / elapsed : 0;
    last = cpu;
    metrics.set('dw_host_memory_bytes', mem.total, { kind: 'total' });
    metrics.set('dw_host_memory_bytes', mem.active, { kind: 'used' });
    metrics.set('dw_host_memory_bytes', mem.available, { kind: 'available' });
    metrics.set('dw_host_cpu_load_ratio', Math.min(1, Math.max(0, load)));
    metrics.set('dw_host_disk_bytes', disk.blocks * disk.bsize, { kind: 'total' });
    metrics.set('dw_host_disk_bytes', disk.bavail * disk.bsize, { kind: 'free' });
  };
}
