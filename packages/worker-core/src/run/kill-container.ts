import pRetry from 'p-retry';
import type { Container } from '@docker-worker/worker-contract';
import type { WorkerLog } from '../log/worker-log.js';

/**
 * Kill a running container (cancel, maxRunTime, a log that cannot take its output), retrying
 * what the engine refuses: a kill that is lost lets the task run on unseen. Never throws; a
 * kill that keeps failing is logged as an error with the reason it was asked for.
 */
export async function killWithRetries(container: Container, log: WorkerLog, why: string, options: { minDelayMs?: number } = {}): Promise<void> {
  try {
    await pRetry(() => container.kill(), {
      retries: 5,
      minTimeout: options.minDelayMs ?? 500,
      onFailedAttempt: ({ error, retriesLeft }) => {
        if (retriesLeft > 0) log.warn('container kill failed, retrying', { containerId: container.id, why, error });
      },
    });
  } catch (err) {
    log.error('container kill failed', { containerId: container.id, why, error: err });
  }
}
