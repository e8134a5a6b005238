import type { Credentials } from '@docker-worker/worker-contract';
import type { WorkerLog } from '../log/worker-log.js';
import type { QueueClient, RunQueue } from '../queue/queue-client.js';
import type { TaskClaim } from '../queue/types.js';
import type { ClaimStore } from '../state/claim-store.js';
import { Reclaimer } from './reclaimer.js';

export interface HeldClaimOptions {
  claim: TaskClaim;
  queue: QueueClient;
  log: WorkerLog;
  reclaimDivisor: number;
  /** Where the claim is remembered while held (crash recovery); none in some tests. */
  store?: ClaimStore;
  processId: string;
  /** The queue took the claim away (409, or it expired while reclaims kept failing). */
  onLost: (why: string) => void;
  /** Each reclaim the queue granted. */
  onReclaimed?: () => void;
}

/**
 * One claim this worker holds: its run-scoped queue client (whose credentials each reclaim
 * rotates), the reclaimer keeping it alive, and its entry in the claim store, rewritten with
 * the current credentials after every reclaim. The executed run and each claim a superseding
 * run holds are kept the same way.
 */
export class HeldClaim {
  readonly claim: TaskClaim;
  readonly runQueue: RunQueue;
  #options: HeldClaimOptions;
  #reclaimer: Reclaimer;
  #takenUntil: number;
  /** Who hears of the credentials each reclaim hands out (the run's features). */
  #credentialListeners = new Set<(credentials: Credentials) => void>();

  constructor(options: HeldClaimOptions) {
    const { claim, queue, log } = options;
    this.#options = options;
    this.claim = claim;
    this.#takenUntil = Date.parse(claim.takenUntil);
    this.runQueue = queue.forRun(claim.status.taskId, claim.runId, claim.credentials);
    this.#reclaimer = new Reclaimer({
      queue: this.runQueue,
      takenUntil: claim.takenUntil,
      divisor: options.reclaimDivisor,
      log,
      onLost: options.onLost,
      onReclaimed: (takenUntil) => {
        this.#takenUntil = Date.parse(takenUntil);
        options.onReclaimed?.();
        for (const listener of this.#credentialListeners) {
          try {
            listener(this.runQueue.credentials);
          } catch (err) {
            log.warn('credentials listener failed', { taskId: this.taskId, runId: this.runId, error: err });
          }
        }
        this.#remember().catch((err: unknown) => log.warn('claim not stored', { taskId: this.taskId, runId: this.runId, error: err }));
      },
    });
  }

  get taskId(): string {
    return this.claim.status.taskId;
  }

  get runId(): number {
    return this.claim.runId;
  }

  /** When the claim (and its credentials) runs out, as of the latest reclaim. */
  get takenUntil(): number {
    return this.#takenUntil;
  }

  /** Calls `listener` with the new credentials after every reclaim; returns what stops it. */
  onCredentials(listener: (credentials: Credentials) => void): () => void {
    this.#credentialListeners.add(listener);
    return () => this.#credentialListeners.delete(listener);
  }

  /** Remember the claim, then keep it alive. */
  async start(): Promise<void> {
    await this.#remember();
    this.#reclaimer.start();
  }

  /** No more reclaims (the run is being resolved, or the claim is gone). */
  stop(): void {
    this.#reclaimer.stop();
    this.#credentialListeners.clear();
  }

  /** Stop reclaiming and forget the claim: it is resolved, or no longer ours. */
  async release(): Promise<void> {
    this.stop();
    await this.#options.store?.remove(this.taskId, this.runId);
  }

  async #remember(): Promise<void> {
    await this.#options.store?.save({
      taskId: this.taskId,
      runId: this.runId,
      takenUntil: new Date(this.#takenUntil).toJSON(),
      credentials: this.runQueue.credentials,
      processId: this.#options.processId,
    });
  }
}
