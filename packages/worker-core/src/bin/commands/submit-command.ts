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
 * `--wait`, print its log once it resolves and exit like `worker run`.
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

  let status = await queue.status(local.taskId);
  while (!RESOLVED.has(status.state)) {
    await sleep(500);
    status = await queue.status(local.taskId);
  }
  const run = status.runs[status.runs.length - 1]!;
  await printBackingLog(queue, local.taskId, run.runId);
  const outcome = { state: run.state, reason: run.state === 'exception' ? run.reasonResolved : undefined };
  process.stdout.write(`${resultLine(local.taskId, outcome)}\n`);
  return exitCodeFor(outcome.state === 'exception' ? { state: 'exception', reason: 'internal-error' } : (outcome as { state: 'completed' | 'failed' }));
}

async function printBackingLog(queue: QueueClient, taskId: string, runId: number): Promise<void> {
  const response = await fetch(queue.artifactUrl(taskId, runId, 'public/logs/live_backing.log'));
  if (!response.ok || !response.body) return;
  const body = Readable.fromWeb(response.body as never);
  // fetch decodes Content-Encoding itself; object storage keeps the log as plain gzip data.
  const gzipped = response.headers.get('content-type') === 'application/gzip';
  if (gzipped) await pipeline(body, createGunzip(), process.stdout, { end: false });
  else await pipeline(body, process.stdout, { end: false });
}
