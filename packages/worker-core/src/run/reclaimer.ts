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
 * error is retried with backoff until `takenUntil`, and never turned into a resolution
 * (the original sent its error text as an exception reason, behaviour §8.1 #2).
 */
export class Reclaimer {
  #options: ReclaimerOptions;
  #takenUntil: number;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: ReclaimerOptions) {
    this.#options = options;
    this.#takenUntil = Date.parse(options.takenUntil);
  }

  start(): void {
    this.#schedule((this.#takenUntil - Date.now()) / this.#options.divisor);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#reclaim(0), Math.max(0, delayMs));
  }

  async #reclaim(failures: number): Promise<void> {
    if (this.#stopped) return;
    const { queue, log } = this.#options;
    try {
      log.debug('reclaiming task', { taskId: queue.taskId, runId: queue.runId });
      const reply = await queue.reclaim();
      if (this.#stopped) return;
      this.#takenUntil = Date.parse(reply.takenUntil);
      log.info('reclaimed task', { taskId: queue.taskId, runId: queue.runId, takenUntil: reply.takenUntil });
      this.#options.onReclaimed?.(reply.takenUntil);
      this.#schedule((this.#takenUntil - Date.now()) / this.#options.divisor);
    } catch (err) {
      if (this.#stopped) return;
      if (statusCodeOf(err) === 409) {
        log.info('claim lost', { taskId: queue.taskId, runId: queue.runId, reason: 'reclaim answered 409' });
        this.#options.onLost('the queue answered 409 to a reclaim: the run was canceled or its claim is gone');
        return;
      }
      const delay = Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** failures);
      if (Date.now() + delay >= this.#takenUntil) {
        log.error('error reclaiming task', { taskId: queue.taskId, runId: queue.runId, error: err, final: true });
        this.#options.onLost(`the claim expired while reclaims kept failing: ${(err as Error).message}`);
        return;
      }
      log.warn('error reclaiming task', { taskId: queue.taskId, runId: queue.runId, error: err, retryInMs: delay });
      this.#timer = setTimeout(() => void this.#reclaim(failures + 1), delay);
    }
  }
}
