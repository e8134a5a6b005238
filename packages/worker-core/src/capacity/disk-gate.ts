import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { WorkerLog } from '../log/worker-log.js';

/** Free bytes for unprivileged writers on the filesystem holding `path` (or its nearest parent). */
export async function freeBytes(path: string): Promise<number> {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      const stats = await statfs(dir);
      return stats.bavail * stats.bsize;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dir === dirname(dir)) throw err;
    }
  }
}

/**
 * Holds claims back while the Docker volume has less than `threshold` free bytes per free
 * slot, so a task is never claimed onto a disk that cannot hold it. Says so once when it
 * starts holding back and once when it stops, not at every poll.
 */
export class DiskGate {
  #path: string;
  #threshold: number;
  #log: WorkerLog;
  #holding = false;

  constructor(options: { path: string; threshold: number; log: WorkerLog }) {
    this.#path = options.path;
    this.#threshold = options.threshold;
    this.#log = options.log;
  }

  get holding(): boolean {
    return this.#holding;
  }

  async allows(freeSlots: number): Promise<boolean> {
    if (this.#threshold <= 0) return true;
    const available = await freeBytes(this.#path);
    const needed = this.#threshold * Math.max(1, freeSlots);
    const ok = available >= needed;
    if (!ok && !this.#holding) {
      this.#log.warn('diskspace threshold reached', { volume: this.#path, free: available, needed, perTaskThreshold: this.#threshold, freeSlots });
    }
    if (ok && this.#holding) this.#log.info('diskspace threshold cleared', { volume: this.#path, free: available, needed });
    this.#holding = !ok;
    return ok;
  }
}
