import pRetry, { AbortError } from 'p-retry';
import type { Resolution } from '@docker-worker/worker-contract';
import type { WorkerLog } from '../log/worker-log.js';
import { statusCodeOf, type QueueClient, type RunQueue } from '../queue/queue-client.js';

const MAX_DELAY_MS = 30_000;

/**
 * What the queue made of a resolution. Only `resolved` means the queue recorded what we sent;
 * `conflict` means it had resolved the run otherwise (canceled, deadline), which stands; and
 * `gave-up` means it recorded nothing we know of: the claim is still ours until it expires.
 */
export type ResolveResult =
  | { result: 'resolved' }
  | { result: 'conflict'; reason: string }
  | { result: 'gave-up'; reason: string };

/** The queue's part of resolveRun: what it calls, so tests can stand in for the HTTP API. */
export type ResolvingQueue = Pick<RunQueue, 'taskId' | 'runId' | 'reportCompleted' | 'reportFailed' | 'reportException'>;

/**
 * Report a run's resolution, and keep trying through network errors and 5xx (beyond the
 * client's own retries) until it is accepted or the claim is gone. A 409 is looked into: a
 * run already in the state we report counts as done (an earlier attempt got through); any
 * other state means the queue resolved it otherwise (canceled, deadline) and that stands.
 * Any other 4xx is final: the same request will be refused again.
 */
export async function resolveRun(options: {
  runQueue: ResolvingQueue;
  queue: Pick<QueueClient, 'status'>;
  resolution: Resolution;
  /** When the claim's credentials stop working; retrying past it is pointless. */
  takenUntil: () => number;
  log: WorkerLog;
  minDelayMs?: number;
}): Promise<ResolveResult> {
  const { runQueue, resolution, log } = options;
  const send = async (): Promise<ResolveResult> => {
    try {
      if (resolution.state === 'completed') await runQueue.reportCompleted();
      else if (resolution.state === 'failed') await runQueue.reportFailed();
      else await runQueue.reportException(resolution.reason);
      return { result: 'resolved' };
    } catch (err) {
      const status = statusCodeOf(err);
      if (status === 409) return alreadyResolved(options);
      // Refused for good (401, 403, 400): retrying sends the same refused request.
      if (status !== undefined && status < 500) throw new AbortError(err as Error);
      throw err;
    }
  };
  try {
    return await pRetry(send, {
      retries: Infinity,
      minTimeout: options.minDelayMs ?? 1000,
      maxTimeout: MAX_DELAY_MS,
      maxRetryTime: Math.max(0, options.takenUntil() - Date.now()),
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (statusCodeOf(error) === undefined || (statusCodeOf(error) ?? 0) >= 500) {
          log.warn('resolution failed, retrying', { state: resolution.state, error, attempt: attemptNumber });
        }
      },
    });
  } catch (err) {
    const status = statusCodeOf(err);
    const refused = status !== undefined && status < 500;
    const reason = refused
      ? `the queue refused to record ${describe(resolution)}: HTTP ${status}: ${(err as Error).message}`
      : `the queue could not be reached to record ${describe(resolution)} before the claim ran out: ${(err as Error).message}`;
    log.error(refused ? 'resolution refused' : 'resolution failed until the claim ran out', { state: resolution.state, error: err });
    return { result: 'gave-up', reason };
  }
}

async function alreadyResolved(options: { runQueue: ResolvingQueue; queue: Pick<QueueClient, 'status'>; resolution: Resolution; log: WorkerLog }): Promise<ResolveResult> {
  const { runQueue, resolution, log } = options;
  try {
    const status = await options.queue.status(runQueue.taskId);
    const run = status.runs.find((r) => r.runId === runQueue.runId);
    const wanted = resolution.state === 'exception' ? resolution.reason : resolution.state;
    if (run?.state === resolution.state && run.reasonResolved === wanted) return { result: 'resolved' };
    log.warn('resolution conflict', { state: resolution.state, queueState: run?.state, queueReason: run?.reasonResolved });
    return { result: 'conflict', reason: `the queue had already resolved the run ${run?.state ?? 'otherwise'}${run?.reasonResolved ? ` (${run.reasonResolved})` : ''}` };
  } catch (err) {
    log.warn('resolution conflict', { state: resolution.state, error: err });
    return { result: 'conflict', reason: `the queue answered 409 and its status could not be read: ${(err as Error).message}` };
  }
}

function describe(resolution: Resolution): string {
  return resolution.state === 'exception' ? `exception/${resolution.reason}` : resolution.state;
}
