import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../../config/load-config.js';
import { QueueClient } from '../../queue/queue-client.js';
import { readTaskFile } from '../../cli/task-file.js';
import { fromCaller } from '../../cli/caller-dir.js';
import { exitCodeFor, resultLine } from '../exit-codes.js';
import { SetupError } from './common.js';
import { readConnection } from './connection-file.js';

export interface SubmitCommandOptions {
  config?: string;
  profile?: string;
  wait?: boolean;
}

const RESOLVED = new Set(['completed', 'failed', 'exception']);

/**
 * `worker submit FILE`: create a task on the queue a running `worker start` serves. With
 * `--wait`, follow its log as it is written (every run) and exit like `worker run`.
 */
export async function submitCommand(file: string, options: SubmitCommandOptions): Promise<number> {
  const config = await loadConfig({ file: options.config === undefined ? undefined : fromCaller(options.config), profile: options.profile });
  const connection = config.rootUrl
    ? config.taskcluster && { rootUrl: config.rootUrl, ...config.taskcluster, provisionerId: config.provisionerId, workerType: config.workerType }
    : await readConnection(config.workDir);
  if (!connection) {
    throw new SetupError(`no running worker found: start one with "docker-worker start" (it writes ${config.workDir}/embedded-queue.json), or configure rootUrl and credentials`);
  }
  const queue = new QueueClient({ rootUrl: connection.rootUrl, credentials: { clientId: connection.clientId, accessToken: connection.accessToken } });
  const local = await readTaskFile(fromCaller(file), connection);
  try {
    await queue.createTask(local.taskId, local.definition);
  } catch (err) {
    throw new SetupError(`could not create the task on ${connection.rootUrl}: ${(err as Error).message}`);
  }
  process.stdout.write(`Submitted task ${local.taskId} (${local.definition.metadata.name})\n`);
  if (!options.wait) return 0;

  const liveName = typeof local.definition.payload.log === 'string' ? local.definition.payload.log : 'public/logs/live.log';
  const status = await followRuns(queue, local.taskId, liveName);
  const run = status.runs[status.runs.length - 1]!;
  const outcome = { state: run.state, reason: run.state === 'exception' ? run.reasonResolved : undefined };
  process.stdout.write(`${resultLine(local.taskId, outcome)}\n`);
  return exitCodeFor(outcome.state === 'exception' ? { state: 'exception', reason: 'internal-error' } : (outcome as { state: 'completed' | 'failed' }));
}

/**
 * Prints each run's log as it is written: the live log artifact while the run is running (a
 * reference to the worker's live log, which streams until the log closes), the backing log it
 * links to once the run is over. Every run the queue starts is followed (retries), until the
 * task is resolved. Returns the final status.
 */
async function followRuns(queue: QueueClient, taskId: string, liveName: string): Promise<Awaited<ReturnType<QueueClient['status']>>> {
  let printed = -1;
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

/** False when the run has no log to read yet (the live log artifact comes just before the container starts). */
async function printLog(queue: QueueClient, taskId: string, runId: number, name: string): Promise<boolean> {
  const response = await fetch(queue.artifactUrl(taskId, runId, name)).catch(() => undefined);
  if (!response?.ok || !response.body) return false;
  const body = Readable.fromWeb(response.body as never);
  // fetch decodes Content-Encoding itself; object storage keeps a log as plain gzip data.
  const gzipped = response.headers.get('content-type') === 'application/gzip';
  if (gzipped) await pipeline(body, createGunzip(), process.stdout, { end: false });
  else await pipeline(body, process.stdout, { end: false });
  return true;
}
