// Waiting claimWork calls, per task queue. A call with nothing to claim parks here until a
// run of its queue becomes pending, its long-poll time runs out, its client goes away, or
// the server stops.

type Wake = () => void;

export class PendingWaiters {
  private readonly waiters = new Map<string, Set<Wake>>();

  /** Resolves when woken, after `timeoutMs`, or when `signal` aborts, whichever is first. */
  wait(taskQueueId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(taskQueueId);
      if (!set) this.waiters.set(taskQueueId, (set = new Set()));
      const queueWaiters = set;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        queueWaiters.delete(done);
        if (queueWaiters.size === 0 && this.waiters.get(taskQueueId) === queueWaiters) this.waiters.delete(taskQueueId);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      if (signal.aborted) return done();
      signal.addEventListener('abort', done);
      queueWaiters.add(done);
    });
  }

  /** Wakes every call waiting on `taskQueueId`; each then tries to claim again. */
  notify(taskQueueId: string): void {
    for (const wake of [...(this.waiters.get(taskQueueId) ?? [])]) wake();
  }

  /** Wakes every waiting call (used when stopping). */
  notifyAll(): void {
    for (const taskQueueId of [...this.waiters.keys()]) this.notify(taskQueueId);
  }

  get size(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }
}
