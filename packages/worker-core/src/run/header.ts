import { hostname } from 'node:os';
import type { TaskLog, WorkerIdentity } from '@docker-worker/worker-contract';

/** The 2020 docker-worker header; tests and log scrapers read these lines in this order. */
export function writeHeader(log: TaskLog, taskId: string, worker: WorkerIdentity): void {
  log.info(`Task ID: ${taskId}`);
  log.info(`Worker ID: ${worker.workerId}`);
  log.info(`Worker Group: ${worker.workerGroup}`);
  log.info(`Worker Node Type: ${worker.workerNodeType}`);
  log.info(`Worker Type: ${worker.workerType}`);
  log.info(`Public IP: ${worker.publicIp ?? ''}`);
  log.info(`Hostname: ${hostname()}`);
}

/**
 * `exitCode` is -1 when the worker stopped the container (infrastructure abort), and
 * undefined when no container was started (a payload refused, an image not found): that run
 * has no exit code, so the footer does not claim one.
 */
export function writeFooter(log: TaskLog, success: boolean, exitCode: number | undefined, durationMs: number): void {
  const seconds = (durationMs / 1000).toFixed(3);
  if (exitCode === undefined) {
    log.info(`Unsuccessful task run: the task was not started, ended in ${seconds} seconds`);
    return;
  }
  log.info(`${success ? 'Successful' : 'Unsuccessful'} task run with exit code: ${exitCode} completed in ${seconds} seconds`);
}
