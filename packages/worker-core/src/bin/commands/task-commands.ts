import { fromCaller } from '../../cli/caller-dir.js';
import type { QueueClient } from '../../queue/queue-client.js';
import type { TaskStatus } from '../../queue/types.js';
import { downloadArtifacts } from '../download-artifacts.js';
import { EXIT } from '../exit-codes.js';
import { SetupError } from './common.js';
import { connectToQueue, exitStatusOf, followRuns, printLog, statusLine, type QueueOptions } from './queue-session.js';

/**
 * The commands about one task on the queue a running `worker start` serves (or any rootUrl):
 * `status`, `log`, `artifacts`, `cancel`, `rerun`. Each exits like `worker run` for a resolved
 * task (0/1/2), 0 for one not resolved yet, and 3 when the task or the queue cannot be found.
 */

async function statusOf(queue: QueueClient, taskId: string): Promise<TaskStatus> {
  try {
    return await queue.status(taskId);
  } catch (err) {
    throw new SetupError(`task ${taskId}: ${(err as Error).message}`);
  }
}

/** The run a command is about: `--run N`, or the latest. */
function runOf(status: TaskStatus, run: string | undefined): number {
  if (status.runs.length === 0) throw new SetupError(`task ${status.taskId} has no runs yet (it is ${status.state})`);
  if (run === undefined) return status.runs[status.runs.length - 1]!.runId;
  const runId = Number(run);
  if (!Number.isInteger(runId) || !status.runs.some((r) => r.runId === runId)) {
    throw new SetupError(`--run ${run}: task ${status.taskId} has runs 0 to ${status.runs.length - 1}`);
  }
  return runId;
}

export async function statusCommand(taskId: string, options: QueueOptions): Promise<number> {
  const { queue } = await connectToQueue(options);
  const status = await statusOf(queue, taskId);
  const out: string[] = [`${statusLine(status)}  (retries left: ${status.retriesLeft}, deadline ${status.deadline})`];
  for (const run of status.runs) {
    const reason = run.reasonResolved && run.reasonResolved !== run.state ? ` (${run.reasonResolved})` : '';
    const worker = run.workerId ? ` on ${run.workerGroup}/${run.workerId}` : '';
    const times = [run.started && `started ${run.started}`, run.resolved && `resolved ${run.resolved}`].filter(Boolean).join(', ');
    out.push(`  run ${run.runId}: ${run.state}${reason}, ${run.reasonCreated}${worker}${times ? `, ${times}` : ''}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return exitStatusOf(status);
}

export async function logCommand(taskId: string, options: QueueOptions & { follow?: boolean; run?: string }): Promise<number> {
  const { queue } = await connectToQueue(options);
  const status = await statusOf(queue, taskId);
  const definition = await queue.task(taskId);
  const liveName = typeof definition.payload.log === 'string' ? definition.payload.log : 'public/logs/live.log';
  if (options.follow && options.run === undefined) {
    const final = await followRuns(queue, taskId, liveName);
    process.stderr.write(`${statusLine(final)}\n`);
    return exitStatusOf(final);
  }
  const runId = runOf(status, options.run);
  if (!(await printLog(queue, taskId, runId, liveName))) throw new SetupError(`run ${runId} of task ${taskId} has no log (yet)`);
  return exitStatusOf(status);
}

export async function artifactsCommand(taskId: string, options: QueueOptions & { run?: string; download?: string }): Promise<number> {
  const { queue } = await connectToQueue(options);
  const status = await statusOf(queue, taskId);
  const runId = runOf(status, options.run);
  if (options.download) {
    for (const line of await downloadArtifacts(queue, taskId, runId, fromCaller(options.download))) process.stderr.write(`${line}\n`);
    return EXIT.completed;
  }
  for (const artifact of await queue.listArtifacts(taskId, runId)) {
    process.stdout.write(`${artifact.name}  ${artifact.storageType}  ${artifact.contentType}  expires ${artifact.expires}\n`);
  }
  return EXIT.completed;
}

export async function cancelCommand(taskId: string, options: QueueOptions): Promise<number> {
  const { queue } = await connectToQueue(options);
  await statusOf(queue, taskId);
  const status = await queue.cancelTask(taskId).catch((err: unknown) => {
    throw new SetupError(`could not cancel task ${taskId}: ${(err as Error).message}`);
  });
  process.stdout.write(`${statusLine(status)}\n`);
  return 0;
}

export async function rerunCommand(taskId: string, options: QueueOptions & { wait?: boolean }): Promise<number> {
  const { queue } = await connectToQueue(options);
  await statusOf(queue, taskId);
  const status = await queue.rerunTask(taskId).catch((err: unknown) => {
    throw new SetupError(`could not rerun task ${taskId}: ${(err as Error).message}`);
  });
  const run = status.runs[status.runs.length - 1]!;
  process.stdout.write(`Task ${taskId}: run ${run.runId} ${run.state}\n`);
  if (!options.wait) return 0;
  const definition = await queue.task(taskId);
  const final = await followRuns(queue, taskId, typeof definition.payload.log === 'string' ? definition.payload.log : 'public/logs/live.log', run.runId - 1);
  process.stdout.write(`${statusLine(final)}\n`);
  return exitStatusOf(final);
}
