import type { CacheManager, Metrics } from '@docker-worker/worker-contract';
import type { WorkerLog } from '../log/worker-log.js';
import type { QueueClient } from '../queue/queue-client.js';

/** Clocks differ between machines; ask for a little more than since the last poll. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * Applies the purge-cache service's requests for this worker pool to the local caches:
 * instances created before a request's `before` are deleted (at once when unused, else when
 * their task releases them). Polled before newly claimed tasks take their caches, and with
 * each garbage-collection sweep.
 */
export class PurgePoller {
  #lastPoll: Date | undefined;
  #polling: Promise<void> | undefined;

  constructor(
    private readonly options: { queue: QueueClient; workerPoolId: string; caches: CacheManager; log: WorkerLog; metrics?: Metrics },
  ) {}

  poll(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #poll(): Promise<void> {
    const { queue, workerPoolId, caches, log } = this.options;
    const started = new Date();
    const since = this.#lastPoll ? new Date(this.#lastPoll.getTime() - CLOCK_SKEW_MS) : undefined;
    try {
      for (const request of await queue.purgeRequests(workerPoolId, since)) {
        await caches.purge(request.cacheName, new Date(request.before));
        this.options.metrics?.increment('dw_cache_purges_total', { reason: 'purge-cache' });
        log.info('cache purged', { cacheName: request.cacheName, before: request.before });
      }
      this.#lastPoll = started;
    } catch (err) {
      log.warn('purge-cache poll failed', { error: err });
    }
  }
}
