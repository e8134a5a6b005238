import { readTaskFile } from '../../cli/task-file.js';
import { fromCaller } from '../../cli/caller-dir.js';
import { SetupError } from './common.js';
import { connectToQueue, exitStatusOf, followRuns, statusLine } from './queue-session.js';

export interface SubmitCommandOptions {
  config?: string;
  profile?: string;
  wait?: boolean;
}

/**
 * `worker submit FILE`: create a task on the queue a running `worker start` serves. With
 * `--wait`, follow its log as it is written (every run) and exit like `worker run`.
 */
export async function submitCommand(file: string, options: SubmitCommandOptions): Promise<number> {
  const { connection, queue } = await connectToQueue(options);
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
  process.stdout.write(`${statusLine(status)}\n`);
  return exitStatusOf(status);
}
