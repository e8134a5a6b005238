import { setTimeout as sleep } from 'node:timers/promises';
import type { Resolution } from '@docker-worker/worker-contract';
import type { WorkerLog } from '../log/worker-log.js';
import { statusCodeOf, type QueueClient, type RunQueue } from '../queue/queue-client.js';

const MAX_DELAY_MS = 30_000;

/**
 * Report a run's resolution, and keep trying through network errors and 5xx (beyond the
 * client's own retries) until it is accepted or the claim is gone. A 409 is looked into: a
 * run already in the state we report counts as done (an earlier attempt got through); any
 * other state means the queue resolved it otherwise (canceled, deadline) and that stands.
 */
export async function resolveRun(options: {
  runQueue: RunQueue;
  queue: QueueClient;
  resolution: Resolution;
  /** When the claim's credentials stop working; retrying past it is pointless. */
  takenUntil: () => number;
  log: WorkerLog;
  minDelayMs?: number;
}): Promise<'resolved' | 'conflict' | 'gave-up'> {
  const { runQueue, resolution, log } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      if (resolution.state === 'completed') await runQueue.reportCompleted();
      else if (resolution.state === 'failed') await runQueue.reportFailed();
      else await runQueue.reportException(resolution.reason);
      return 'resolved';
    } catch (err) {
      const status = statusCodeOf(err);
      if (status === 409) return (await alreadyResolved(options)) ? 'resolved' : 'conflict';
      if (status !== undefined && status < 500) {
        log.error('resolution refused', { state: resolution.state, error: err });
        return 'gave-up';
      }
      const delay = Math.min(MAX_DELAY_MS, (options.minDelayMs ?? 1000) * 2 ** attempt);
      if (Date.now() + delay > options.takenUntil()) {
        log.error('resolution failed until the claim ran out', { state: resolution.state, error: err });
        return 'gave-up';
      }
      log.warn('resolution failed, retrying', { state: resolution.state, error: err, retryInMs: delay });
      await sleep(delay);
    }
  }
}

async function alreadyResolved(options: { runQueue: RunQueue; queue: QueueClient; resolution: Resolution; log: WorkerLog }): Promise<boolean> {
  const { runQueue, resolution, log } = options;
  try {
    const status = await options.queue.status(runQueue.taskId);
    const run = status.runs.find((r) => r.runId === runQueue.runId);
    const wanted = resolution.state === 'exception' ? resolution.reason : resolution.state;
    if (run?.state === resolution.state && run.reasonResolved === wanted) return true;
    log.warn('resolution conflict', { state: resolution.state, queueState: run?.state, queueReason: run?.reasonResolved });
  } catch (err) {
    log.warn('resolution conflict', { state: resolution.state, error: err });
  }
  return false;
}
