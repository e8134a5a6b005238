import { randomBytes } from 'node:crypto';
import type { RunReport } from '../../run/task-run.js';
import { loadConfig } from '../../config/load-config.js';
import { prepareWorkDir } from '../../config/work-dir.js';
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
  await prepareWorkDir(config.workDir);
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
    // The shell artifact is private on the embedded queue: the socket itself, for a docker-exec client.
    services.interactive.on('registered', ({ socketUrl }) => process.stderr.write(`Interactive shell: ${socketUrl}\n`));
    const queue = new QueueClient({ rootUrl: embedded.rootUrl, credentials: embedded.credentials });
    try {
      await queue.createTask(local.taskId, local.definition);
    } catch (err) {
      throw new SetupError(`the embedded queue refused the task from ${file}: ${(err as Error).message}`);
    }
    let report: RunReport | undefined;
    let runId = 0;
    let echoing: Promise<void> = Promise.resolve();
    const worker = new Worker({
      // Claims and run directories in the run's own area; images.json stays shared (the runtime's).
      config: { ...config, workDir: area.dir },
      workDirLock: area.lock,
      lockHolder: 'worker run',
      // Root created the task and reads its artifacts; the worker works with a worker's scopes.
      queue: new QueueClient({ rootUrl: embedded.rootUrl, credentials: embedded.workerCredentials }),
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
          // Nobody reads any more (`worker run task.yml | head`): the task runs on unwatched.
          const closed = () => {
            reader.destroy();
            resolve();
          };
          if (process.stdout.destroyed) closed();
          else process.stdout.once('close', closed);
          reader.pipe(process.stdout, { end: false });
        });
      },
      onRunFinished: (_run, result) => {
        report = result;
      },
    });
    const interrupted = abortOnSignals(worker);
    try {
      await worker.start();
      await worker.finished();
    } finally {
      interrupted.dispose();
    }
    await echoing;
    if (!report) throw new SetupError(`task ${local.taskId} was not run${interrupted.signal ? ` (interrupted by ${interrupted.signal})` : ''}`);
    const { outcome, resolution } = report;
    if (options.artifactsDir) {
      for (const line of await downloadArtifacts(queue, local.taskId, runId, options.artifactsDir)) process.stdout.write(`${line}\n`);
    }
    if (resolution.result === 'gave-up' || resolution.result === 'conflict') {
      // What the worker made of the run is not what the queue has: say both, and fail as setup.
      process.stdout.write(`${resultLine(local.taskId, outcome)}, but the queue did not record it: ${resolution.reason}\n`);
      return EXIT.setup;
    }
    process.stdout.write(`${resultLine(local.taskId, outcome)}\n`);
    return exitCodeFor(outcome);
  } finally {
    await services?.stop();
    await embedded.stop();
    await area.close();
  }
}

/**
 * SIGINT and SIGTERM as `worker start` treats SIGTERM: the first aborts the task
 * (`worker-shutdown`, its log still uploaded and its result printed), a second exits at once.
 * One task is all `worker run` has, so there is nothing to let finish.
 */
function abortOnSignals(worker: Worker): { readonly signal: NodeJS.Signals | undefined; dispose(): void } {
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(130);
    }
    received = signal;
    process.stderr.write(`${signal}: aborting the task (worker-shutdown); ${signal} again exits at once\n`);
    void worker.stop({ finishTasks: false });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    get signal() {
      return received;
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export { EXIT };
