interface InFlight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
  settled: boolean;
}

/** Resolves when `promise` does, rejects early with the signal's reason when it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * One run of an operation per key, however many tasks want it at once (an image pull, an
 * image artifact's download). Each task waits with its own signal, and a canceled task stops
 * waiting at once without failing the others; the operation itself is aborted only when no
 * task waits for it any more, and a later request then starts it afresh rather than joining
 * a dying one.
 */
export class SharedWork<T> {
  #inFlight = new Map<string, InFlight<T>>();

  /** Keys of the operations under way. */
  keys(): IterableIterator<string> {
    return this.#inFlight.keys();
  }

  has(key: string): boolean {
    return this.#inFlight.has(key);
  }

  /**
   * The result of the operation under `key`, starting it with `start` unless one is under way.
   * `abandoned` is the reason given to the operation's signal when its last waiter leaves.
   */
  async run(key: string, signal: AbortSignal, start: (signal: AbortSignal) => Promise<T>, abandoned: () => Error): Promise<T> {
    signal.throwIfAborted();
    const entry = this.#inFlight.get(key) ?? this.#begin(key, start);
    entry.waiters++;
    try {
      return await untilAborted(entry.promise, signal);
    } finally {
      entry.waiters--;
      if (entry.waiters === 0 && !entry.settled) {
        this.#inFlight.delete(key);
        entry.controller.abort(abandoned());
      }
    }
  }

  #begin(key: string, start: (signal: AbortSignal) => Promise<T>): InFlight<T> {
    const controller = new AbortController();
    // The callback runs only once the operation settles, by when `entry` exists.
    const promise = start(controller.signal).finally(() => {
      entry.settled = true;
      if (this.#inFlight.get(key) === entry) this.#inFlight.delete(key);
    });
    const entry: InFlight<T> = { promise, controller, waiters: 0, settled: false };
    // Waiters attach their own handlers; an operation whose waiters all left must not be "unhandled".
    entry.promise.catch(() => {});
    this.#inFlight.set(key, entry);
    return entry;
  }
}
