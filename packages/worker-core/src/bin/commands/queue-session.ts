import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { loadConfig } from '../../config/load-config.js';
import { QueueClient } from '../../queue/queue-client.js';
import type { TaskStatus } from '../../queue/types.js';
import { fromCaller } from '../../cli/caller-dir.js';
import { EXIT, exitCodeFor, resultLine } from '../exit-codes.js';
import { SetupError } from './common.js';
import { readConnection, type Connection } from './connection-file.js';

export interface QueueOptions {
  config?: string;
  profile?: string;
}

export const RESOLVED = new Set(['completed', 'failed', 'exception']);

/**
 * The queue the commands that talk to a running worker use: the configured `rootUrl` with its
 * credentials, or the embedded queue a running `worker start` wrote to its connection file.
 */
export async function connectToQueue(options: QueueOptions): Promise<{ connection: Connection; queue: QueueClient }> {
  const config = await loadConfig({ file: options.config === undefined ? undefined : fromCaller(options.config), profile: options.profile });
  const connection = config.rootUrl
    ? config.taskcluster && { rootUrl: config.rootUrl, ...config.taskcluster, provisionerId: config.provisionerId, workerType: config.workerType }
    : await readConnection(config.workDir);
  if (!connection) {
    throw new SetupError(`no running worker found: start one with "docker-worker start" (it writes ${config.workDir}/embedded-queue.json), or configure rootUrl and credentials`);
  }
  const queue = new QueueClient({ rootUrl: connection.rootUrl, credentials: { clientId: connection.clientId, accessToken: connection.accessToken } });
  return { connection, queue };
}

/** `Task <id> <state>` for the task's latest run (with the reason of an exception). */
export function statusLine(status: TaskStatus): string {
  const run = status.runs[status.runs.length - 1];
  return resultLine(status.taskId, { state: status.state, reason: run?.state === 'exception' ? run.reasonResolved : undefined });
}

/** `worker run`'s exit status for a resolved task; 0 for one still unscheduled, pending or running. */
export function exitStatusOf(status: TaskStatus): number {
  if (status.state === 'completed' || status.state === 'failed') return exitCodeFor({ state: status.state });
  if (status.state === 'exception') return EXIT.exception;
  return 0;
}

/**
 * Prints each run's log as it is written: the live log artifact while the run is running (a
 * reference to the worker's live log, which streams until the log closes), the backing log it
 * links to once the run is over. Every run the queue starts is followed (retries), until the
 * task is resolved. Returns the final status.
 */
/** `after`: the last run already shown (a rerun follows only the new run). */
export async function followRuns(queue: QueueClient, taskId: string, liveName: string, after = -1): Promise<TaskStatus> {
  let printed = after;
  for (;;) {
    const status = await queue.status(taskId);
    const latest = status.runs[status.runs.length - 1];
    if (latest && latest.runId > printed && latest.state !== 'pending') {
      const shown = await printLog(queue, taskId, latest.runId, liveName);
      // A resolved run without a log (a deadline before it started) has nothing to show.
      if (shown || RESOLVED.has(latest.state)) printed = latest.runId;
      if (shown) continue;
    }
    if (RESOLVED.has(status.state) && latest && printed >= latest.runId) return status;
    await sleep(500);
  }
}

/**
 * False when the run has no log to read yet (the live log artifact comes just before the
 * container starts). While a live log streams, the queue is asked each second about the run:
 * one canceled is over for the queue, though its worker keeps writing until it hears of the
 * cancel (at once from the embedded queue; over Pulse, or at its next reclaim, on a deployment),
 * so the printing stops there.
 */
export async function printLog(queue: QueueClient, taskId: string, runId: number, name: string): Promise<boolean> {
  const stop = new AbortController();
  const response = await fetch(queue.artifactUrl(taskId, runId, name), { signal: stop.signal }).catch(() => undefined);
  if (!response?.ok || !response.body) return false;
  const watcher = setInterval(() => {
    void queue.status(taskId).then(
      (status) => {
        if (status.runs[runId]?.reasonResolved === 'canceled') stop.abort();
      },
      () => {},
    );
  }, 1000);
  try {
    const body = Readable.fromWeb(response.body as never);
    // fetch decodes Content-Encoding itself; object storage keeps a log as plain gzip data.
    const source = response.headers.get('content-type') === 'application/gzip' ? body.pipe(createGunzip()) : body;
    body.once('error', (err) => source.destroy(err));
    // Written by hand rather than piped: stdout must outlive a stream that is cut off.
    for await (const chunk of source) {
      if (!process.stdout.write(chunk as Buffer)) await once(process.stdout, 'drain');
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err;
  } finally {
    clearInterval(watcher);
  }
  return true;
}
