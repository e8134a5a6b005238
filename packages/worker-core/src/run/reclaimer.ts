import pRetry from 'p-retry';
import type { RunQueue } from '../queue/queue-client.js';
import { statusCodeOf } from '../queue/queue-client.js';
import type { WorkerLog } from '../log/worker-log.js';

export interface ReclaimerOptions {
  queue: RunQueue;
  takenUntil: string;
  /** Reclaim at (takenUntil − now) / divisor; 2 = halfway through the claim. */
  divisor: number;
  log: WorkerLog;
  /** The claim is gone (409, or it expired while reclaims kept failing): stop the run. */
  onLost: (reason: string) => void;
  /** Credentials rotated; whoever holds the old ones must switch. */
  onReclaimed?: (takenUntil: string) => void;
}

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Keeps one claim alive. A 409 means the run was canceled or the claim is gone; any other
 * error is retried with backoff (p-retry) until `takenUntil`, and never turned into a
 * resolution (the original sent its error text as an exception reason).
 */
export class Reclaimer {
  #options: ReclaimerOptions;
  #takenUntil: number;
  #timer: NodeJS.Timeout | undefined;
  /** Aborted by stop(): a retry waiting for its next attempt gives up at once. */
  #stopped = new AbortController();

  constructor(options: ReclaimerOptions) {
    this.#options = options;
    this.#takenUntil = Date.parse(options.takenUntil);
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped.abort();
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped.signal.aborted) return;
    const delayMs = (this.#takenUntil - Date.now()) / this.#options.divisor;
    this.#timer = setTimeout(() => void this.#reclaim(), Math.max(0, delayMs));
  }

  async #reclaim(): Promise<void> {
    const { queue, log } = this.#options;
    const signal = this.#stopped.signal;
    const ids = { taskId: queue.taskId, runId: queue.runId };
    let takenUntil: string;
    try {
      ({ takenUntil } = await pRetry(
        () => {
          log.debug('reclaiming task', ids);
          return queue.reclaim();
        },
        {
          retries: Infinity,
          maxTimeout: MAX_RETRY_DELAY_MS,
          maxRetryTime: Math.max(0, this.#takenUntil - Date.now()),
          signal,
          shouldRetry: ({ error }) => statusCodeOf(error) !== 409,
          onFailedAttempt: ({ error }) => {
            if (statusCodeOf(error) !== 409 && !signal.aborted) log.warn('error reclaiming task', { ...ids, error });
          },
        },
      ));
    } catch (err) {
      if (signal.aborted) return;
      if (statusCodeOf(err) === 409) {
        log.info('claim lost', { ...ids, reason: 'reclaim answered 409' });
        this.#options.onLost('the queue answered 409 to a reclaim: the run was canceled or its claim is gone');
        return;
      }
      log.error('error reclaiming task', { ...ids, error: err, final: true });
      this.#options.onLost(`the claim expired while reclaims kept failing: ${(err as Error).message}`);
      return;
    }
    if (signal.aborted) return;
    this.#takenUntil = Date.parse(takenUntil);
    log.info('reclaimed task', { ...ids, takenUntil });
    this.#options.onReclaimed?.(takenUntil);
    this.#schedule();
  }
}
