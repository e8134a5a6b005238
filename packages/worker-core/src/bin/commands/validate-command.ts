import type { TaskDefinition } from '@docker-worker/worker-contract';
import { MalformedPayloadError } from '@docker-worker/worker-contract';
import { loadConfig } from '../../config/load-config.js';
import { fromCaller } from '../../cli/caller-dir.js';
import { colorsFor } from '../../cli/output.js';
import { TaskFileError, parseTaskFile, readTaskText } from '../../cli/task-file.js';
import { creationOrder } from '../../cli/task-plan.js';
import { payloadWarnings, validateTask } from '../../run/validate-task.js';
import { createFeatures, createRuntime, startFeatureServices } from '../compose.js';

export interface ValidateCommandOptions {
  config?: string;
  profile?: string;
}

/**
 * `worker validate FILE`: every problem `worker run` (and a worker claiming the task) would
 * refuse the file for, without Docker or a queue: the task file itself (keys the queue would
 * refuse, scopes, dependencies), then each payload through the same checks a run makes
 * (schema, features, scopes the payload needs against the task's scopes, roles aside).
 * Exit 0 when there is none, 1 otherwise.
 */
export async function validateCommand(file: string, options: ValidateCommandOptions): Promise<number> {
  const config = await loadConfig({ file: options.config === undefined ? undefined : fromCaller(options.config), profile: options.profile });
  const out = process.stdout;
  const colors = colorsFor(out);
  let where = file === '-' ? 'stdin' : fromCaller(file);
  const problems: string[] = [];
  const warnings: string[] = [];
  let checked = 0;
  try {
    const read = await readTaskText(fromCaller(file));
    where = read.where;
    const contents = parseTaskFile(read.text, where, config);
    problems.push(...contents.problems);
    warnings.push(...contents.warnings);
    problems.push(...creationOrder(contents.tasks).problems.map((p) => `${where}: ${p}`));
    const services = await startFeatureServices(config);
    const features = createFeatures(services);
    const runtime = createRuntime(config);
    for (const task of contents.tasks) {
      checked++;
      const name = contents.many ? `${where}: task ${task.label}` : where;
      const definition = { ...task.definition, taskQueueId: `${config.provisionerId}/${config.workerType}` } as TaskDefinition;
      warnings.push(...payloadWarnings(definition.payload).map((w) => `${name}: ${w}`));
      try {
        await validateTask(definition, features, {
          runtime,
          allowPrivileged: config.dockerConfig.allowPrivileged,
          allowDisableSeccomp: config.dockerConfig.allowDisableSeccomp,
          switchedOff: new Set(Object.entries(config.features).filter(([, section]) => section.enabled === false).map(([n]) => n)),
        });
      } catch (err) {
        if (!(err instanceof MalformedPayloadError)) throw err;
        problems.push(...err.problems.map((p) => `${name}: ${p}`));
      }
    }
    await services.stop();
  } catch (err) {
    if (!(err instanceof TaskFileError)) throw err;
    problems.push(err.message);
  }
  for (const warning of warnings) out.write(`${colors.yellow('warning')} ${warning}\n`);
  for (const problem of problems) out.write(`${colors.red('problem')} ${problem}\n`);
  if (problems.length > 0) {
    out.write(`${colors.red(`${where}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`)}\n`);
    return 1;
  }
  out.write(`${colors.green(`${where}: valid (${checked} task${checked === 1 ? '' : 's'})`)}\n`);
  return 0;
}
