import { randomBytes } from 'node:crypto';
import type { RunOutcome } from '@docker-worker/worker-contract';
import { loadConfig } from '../../config/load-config.js';
import { createWorkerLog } from '../../log/worker-log.js';
import { QueueClient } from '../../queue/queue-client.js';
import { Worker } from '../../worker.js';
import { readTaskFile } from '../../cli/task-file.js';
import { createCaches, createFeatures, createRuntime, startEmbeddedQueue, startFeatureServices, type FeatureServices } from '../compose.js';
import { downloadArtifacts } from '../download-artifacts.js';
import { EXIT, exitCodeFor, resultLine } from '../exit-codes.js';
import { SetupError, identityFlags, type IdentityFlags } from './common.js';
import { openRunArea, removeAbandonedRunAreas, type RunArea } from './run-area.js';

export interface RunCommandOptions extends IdentityFlags {
  config?: string;
  profile?: string;
  artifactsDir?: string;
  /** Show the worker's own info log on stderr too (normally only warnings and errors). */
  verbose?: boolean;
}

/**
 * `worker run FILE`: one task on the embedded queue and the real Docker engine, its log on
 * stdout as it runs, then `Task <taskId> <state>`. Returns the exit status.
 */
export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  // Every run is a worker of its own (unless the user names one), so two at once on a host
  // neither share an identity nor take each other's containers for leftovers.
  const id = randomBytes(5).toString('hex');
  const config = await loadConfig({ file: options.config, profile: options.profile, overrides: identityFlags(options), defaults: { workerId: `local-run-${id}` } });
  const runtime = createRuntime(config);
  try {
    await runtime.ping();
  } catch (err) {
    throw new SetupError((err as Error).message);
  }
  const local = await readTaskFile(file, config);
  await removeAbandonedRunAreas(config.workDir, runtime);
  const area: RunArea = await openRunArea(config.workDir, id, { workerGroup: config.workerGroup, workerId: config.workerId });
  const embedded = await startEmbeddedQueue(config).catch(async (err: unknown) => {
    await area.close();
    throw err;
  });
  let services: FeatureServices | undefined;
  try {
    services = await startFeatureServices(config);
    // So a second terminal can follow the task; stdout is the task log itself.
    services.liveLog.on('registered', ({ url }) => process.stderr.write(`Live log: ${url}\n`));
    const queue = new QueueClient({ rootUrl: embedded.rootUrl, credentials: embedded.credentials });
    await queue.createTask(local.taskId, local.definition);
    let outcome: RunOutcome | undefined;
    let runId = 0;
    let echoing: Promise<void> = Promise.resolve();
    const worker = new Worker({
      // Claims and run directories in the run's own area; images.json stays shared (the runtime's).
      config: { ...config, workDir: area.dir },
      workDirLock: area.lock,
      lockHolder: 'worker run',
      queue,
      runtime,
      features: createFeatures(services),
      caches: createCaches(config),
      // The task's log is what a person running one task wants to read; the worker's own
      // records only when something is wrong, unless asked for.
      log: createWorkerLog(options.verbose ? config.logging : { ...config.logging, level: config.logging.level === 'error' ? 'error' : 'warn' }),
      maxTasks: 1,
      onLogOpened: (log, run) => {
        runId = run.runId;
        echoing = new Promise<void>((resolve) => {
          const reader = log.createReader({ follow: true });
          reader.on('end', resolve).on('error', resolve);
          reader.pipe(process.stdout, { end: false });
        });
      },
      onRunFinished: (_run, result) => {
        outcome = result;
      },
    });
    await worker.start();
    await worker.finished();
    await echoing;
    if (!outcome) throw new Error(`task ${local.taskId} was not run`);
    if (options.artifactsDir) {
      for (const line of await downloadArtifacts(queue, local.taskId, runId, options.artifactsDir)) process.stdout.write(`${line}\n`);
    }
    process.stdout.write(`${resultLine(local.taskId, outcome)}\n`);
    return exitCodeFor(outcome);
  } finally {
    await services?.stop();
    await embedded.stop();
    await area.close();
  }
}

export { EXIT };
