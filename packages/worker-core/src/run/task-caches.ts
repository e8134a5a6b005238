import type { DockerWorkerPayload } from '@docker-worker/schema';
import { NO_METRICS, type Bind, type CacheInstance, type CacheManager, type Metrics, type TaskLog } from '@docker-worker/worker-contract';

/** The cache instances one run holds, from acquisition to release. */
export class TaskCaches {
  #manager: CacheManager | undefined;
  #held: CacheInstance[] = [];
  #metrics: Metrics;

  constructor(manager: CacheManager | undefined, metrics: Metrics = NO_METRICS) {
    this.#manager = manager;
    this.#metrics = metrics;
  }

  /**
   * Take an instance of each cache the payload names, and say in the task log which. Without a
   * cache manager (a runtime that keeps none) every mount starts empty, and the log says so.
   */
  async acquire(payload: DockerWorkerPayload, log: TaskLog): Promise<Bind[]> {
    const mounts: Bind[] = [];
    for (const [name, containerPath] of Object.entries(payload.cache ?? {})) {
      if (!this.#manager) {
        log.info(`using cache "${name}" -> ${containerPath}: starts empty (this worker keeps no caches)`);
        continue;
      }
      const instance = await this.#manager.acquire(name);
      this.#held.push(instance);
      this.#metrics.increment('dw_cache_acquires_total', { result: instance.hit ? 'hit' : 'miss' });
      mounts.push({ hostPath: instance.hostPath, containerPath });
      log.info(`using cache "${name}" -> ${containerPath} (instance ${instance.id}, ${instance.hit ? 'reused' : 'new'})`);
    }
    return mounts;
  }

  /** Give every instance back; `purge` (an `onExitStatus.purgeCaches` exit code) deletes them. */
  async release(purge: boolean): Promise<void> {
    const held = this.#held;
    this.#held = [];
    for (const instance of held) {
      await this.#manager?.release(instance, { purge });
      if (purge) this.#metrics.increment('dw_cache_purges_total', { reason: 'exit-status' });
    }
  }
}
