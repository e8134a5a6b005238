/**
 * A counting semaphore: at most `limit` holders at once, the rest wait in arrival order.
 * Bounds a run's concurrent uploads (`artifacts.uploadConcurrency`) so a directory of many
 * files does not open hundreds of connections at once.
 */
export class UploadLimiter {
  readonly limit: number;
  #active = 0;
  #waiting: Array<() => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`upload concurrency must be a positive integer, not ${limit}`);
    this.limit = limit;
  }

  /** Holders right now (for tests). */
  get active(): number {
    return this.#active;
  }

  /** Runs `work` once a slot is free; the slot is released however it ends. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquire(signal);
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  #acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#active < this.limit) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', abandon);
        this.#active++;
        resolve();
      };
      const abandon = () => {
        this.#waiting = this.#waiting.filter((waiter) => waiter !== grant);
        reject(signal?.reason);
      };
      this.#waiting.push(grant);
      signal?.addEventListener('abort', abandon, { once: true });
    });
  }

  #release(): void {
    this.#active--;
    this.#waiting.shift()?.();
  }
}
