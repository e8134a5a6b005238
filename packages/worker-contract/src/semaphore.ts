/**
 * A counting semaphore: at most `limit` holders at once, the rest wait in arrival order, and a
 * waiter whose signal aborts leaves the line. Features and the worker bound their concurrent
 * work with it (uploads in flight, spooled files waiting on disk).
 */
export class Semaphore {
  readonly limit: number;
  #held = 0;
  #waiting: Array<() => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a semaphore's limit must be a positive integer, not ${limit}`);
    this.limit = limit;
  }

  /** Holders right now. */
  get held(): number {
    return this.#held;
  }

  /** Resolves once a slot is this caller's; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#held < this.limit) {
      this.#held++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', abandon);
        this.#held++;
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

  release(): void {
    this.#held--;
    this.#waiting.shift()?.();
  }

  /** Runs `work` once a slot is free; the slot is released however it ends. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await work();
    } finally {
      this.release();
    }
  }
}
