import type { Credentials } from '@docker-worker/worker-contract';
import tc, { type Client } from 'taskcluster-client';

type Queue = Client;

/** One entry of claimWork's reply (what this worker reads of it). */
export interface Claim {
  status: { taskId: string };
  runId: number;
  takenUntil: string;
  credentials: Credentials;
  task: Record<string, unknown>;
}

/** How often a reclaim that failed for a passing reason is tried again. */
const RETRY_MS = 1_000;

/**
 * A claimed run, kept: reclaimed halfway to each `takenUntil` (so a failed reclaim still has
 * half the claim to be retried in), and `queue` always carries the latest temporary
 * credentials, which every call about the run must use. When the queue will not renew the
 * claim (the task was canceled, or the claim ran out), `onLost` says so: the run must stop
 * and neither upload nor resolve anything.
 */
export class HeldClaim {
  #rootUrl: string;
  #taskId: string;
  #runId: number;
  #takenUntil: number;
  #queue: Queue;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #onLost: (why: string) => void;

  constructor(rootUrl: string, claim: Claim, onLost: (why: string) => void) {
    this.#rootUrl = rootUrl;
    this.#taskId = claim.status.taskId;
    this.#runId = claim.runId;
    this.#takenUntil = Date.parse(claim.takenUntil);
    this.#queue = new tc.Queue({ rootUrl, credentials: claim.credentials });
    this.#onLost = onLost;
  }

  /** The queue with the run's current temporary credentials. */
  get queue(): Queue {
    return this.#queue;
  }

  start(): void {
    this.#schedule((this.#takenUntil - Date.now()) / 2);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#reclaim(), Math.max(0, ms));
  }

  async #reclaim(): Promise<void> {
    try {
      const reply = (await this.#queue.reclaimTask(this.#taskId, this.#runId)) as { takenUntil: string; credentials: Credentials };
      this.#takenUntil = Date.parse(reply.takenUntil);
      this.#queue = new tc.Queue({ rootUrl: this.#rootUrl, credentials: reply.credentials });
      this.#schedule((this.#takenUntil - Date.now()) / 2);
    } catch (err) {
      if (this.#stopped) return;
      const status = (err as { statusCode?: unknown }).statusCode;
      // 409: the run is no longer ours (canceled, resolved, or the claim expired).
      if (status === 409 || Date.now() >= this.#takenUntil) {
        this.stop();
        this.#onLost(`the queue would not renew the claim: ${(err as Error).message}`);
        return;
      }
      this.#schedule(Math.min(RETRY_MS, this.#takenUntil - Date.now()));
    }
  }
}
