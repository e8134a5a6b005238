import { statfs } from 'node:fs/promises';
import si from 'systeminformation';
import type { Metrics } from '@docker-worker/worker-contract';
import type { WorkerLog } from '../log/worker-log.js';

/**
 * Samples the host every `intervalMs`: memory and CPU load (systeminformation, which reads
 * /proc), and the filesystem of `dockerVolume` (statfs, as the disk gate measures it).
 */
export class HostMetrics {
  #timer: NodeJS.Timeout | undefined;
  #sampling: Promise<void> | undefined;

  constructor(private readonly options: { metrics: Metrics; dockerVolume: string; intervalMs: number; log: WorkerLog }) {}

  start(): void {
    void this.sample();
    this.#timer = setInterval(() => void this.sample(), this.options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sampling;
  }

  /** One sample (never two at once); a failure is logged, not thrown. */
  sample(): Promise<void> {
    this.#sampling ??= this.#sample()
      .catch((err: unknown) => this.options.log.warn('host metrics not sampled', { error: err }))
      .finally(() => {
        this.#sampling = undefined;
      });
    return this.#sampling;
  }

  async #sample(): Promise<void> {
    const { metrics, dockerVolume } = this.options;
    const [mem, load, disk] = await Promise.all([si.mem(), si.currentLoad(), statfs(dockerVolume)]);
    metrics.set('dw_host_memory_bytes', mem.total, { kind: 'total' });
    metrics.set('dw_host_memory_bytes', mem.active, { kind: 'used' });
    metrics.set('dw_host_memory_bytes', mem.available, { kind: 'available' });
    metrics.set('dw_host_cpu_load_ratio', load.currentLoad / 100);
    metrics.set('dw_host_disk_bytes', disk.blocks * disk.bsize, { kind: 'total' });
    metrics.set('dw_host_disk_bytes', disk.bavail * disk.bsize, { kind: 'free' });
  }
}
