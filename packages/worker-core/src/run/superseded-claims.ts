import { Readable } from 'node:stream';
import type { RunOutcome } from '@docker-worker/worker-contract';
import { QueueArtifactPublisher, type StorageType } from '../artifacts/queue-artifact-publisher.js';
import type { WorkerLog } from '../log/worker-log.js';
import type { QueueClient } from '../queue/queue-client.js';
import type { TaskClaim } from '../queue/types.js';
import type { ClaimStore } from '../state/claim-store.js';
import { HeldClaim } from './held-claim.js';
import { resolveRun } from './resolve-run.js';

export interface RunRef {
  taskId: string;
  runId: number;
}

export interface SupersededClaimsOptions {
  queue: QueueClient;
  log: WorkerLog;
  reclaimDivisor: number;
  storageType: StorageType;
  /** Crash recovery hands these back too, like the run's own claim. */
  claims?: ClaimStore;
  processId: string;
}

/**
 * The claims a superseding run holds besides the one it executes. Each is
 * kept alive by its own reclaimer; one the queue takes away (409, a cancel) is simply dropped.
 * When the executed run finishes (completed or failed), each gets `public/superseded-by.json`
 * and `exception/superseded`; when it does not (shutdown, cancel, an error of ours), each is
 * handed back `exception/worker-shutdown`, so the queue runs it again.
 */
export class SupersededClaims {
  #options: SupersededClaimsOptions;
  #held = new Map<string, HeldClaim>();

  constructor(options: SupersededClaimsOptions) {
    this.#options = options;
  }

  /** The runs still held, in the superseder's order. */
  get runs(): RunRef[] {
    return [...this.#held.values()].map(({ taskId, runId }) => ({ taskId, runId }));
  }

  async hold(claims: readonly TaskClaim[]): Promise<void> {
    const { queue, log, reclaimDivisor, claims: store, processId } = this.#options;
    for (const claim of claims) {
      const held: HeldClaim = new HeldClaim({
        claim,
        queue,
        log,
        reclaimDivisor,
        store,
        processId,
        onLost: (why) => this.drop(held.taskId, held.runId, why),
      });
      this.#held.set(key(held), held);
      await held.start();
    }
  }

  /** The queue took this run away (a cancel): stop reclaiming it and never resolve it. */
  drop(taskId: string, runId: number, why: string): boolean {
    const held = this.#held.get(key({ taskId, runId }));
    if (!held) return false;
    this.#held.delete(key(held));
    this.#options.log.info('superseded claim dropped', { taskId, runId, reason: why });
    void held.release();
    return true;
  }

  /** Resolve every held claim after the executed run `primary` ended with `outcome`. */
  async resolve(primary: RunRef, outcome: RunOutcome): Promise<void> {
    const superseded = outcome.state === 'completed' || outcome.state === 'failed';
    await Promise.all([...this.#held.values()].map((held) => this.#resolveOne(held, primary, superseded)));
  }

  async #resolveOne(held: HeldClaim, primary: RunRef, superseded: boolean): Promise<void> {
    const { log } = this.#options;
    const ref = { taskId: held.taskId, runId: held.runId };
    held.stop();
    if (superseded) {
      try {
        await this.#publishSupersededBy(held, primary);
      } catch (err) {
        // The resolution matters more than the note pointing at the run that stood in.
        log.warn('superseded-by.json not published', { ...ref, error: err });
      }
    }
    const resolution = superseded ? ({ state: 'exception', reason: 'superseded' } as const) : ({ state: 'exception', reason: 'worker-shutdown' } as const);
    const result = await resolveRun({ runQueue: held.runQueue, queue: this.#options.queue, resolution, takenUntil: () => held.takenUntil, log });
    log.info('superseded claim resolved', { ...ref, reason: resolution.reason, by: primary, result });
    this.#held.delete(key(ref));
    await held.release();
  }

  async #publishSupersededBy(held: HeldClaim, primary: RunRef): Promise<void> {
    const publisher = new QueueArtifactPublisher({ queue: held.runQueue, storageType: this.#options.storageType, taskExpires: held.claim.task.expires });
    await publishJson(publisher, 'public/superseded-by.json', { taskId: primary.taskId, runId: primary.runId });
  }
}

/** A small JSON artifact, uploaded like any other (retries, the configured storage type). */
export async function publishJson(publisher: QueueArtifactPublisher, name: string, value: unknown): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(value, null, 2) + '\n');
  await publisher.upload({ name, contentType: 'application/json', contentLength: bytes.length, source: () => Readable.from([bytes]) });
}

function key(ref: RunRef): string {
  return `${ref.taskId}/${ref.runId}`;
}
