import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { TaskLog } from '@docker-worker/worker-contract';
import type { RunReport } from '../../run/task-run.js';
import { loadConfig } from '../../config/load-config.js';
import { prepareWorkDir } from '../../config/work-dir.js';
import { createWorkerLog } from '../../log/worker-log.js';
import { QueueClient } from '../../queue/queue-client.js';
import type { TaskStatus } from '../../queue/types.js';
import { Worker } from '../../worker.js';
import { fromCaller } from '../../cli/caller-dir.js';
import { LogEcho, colorsFor } from '../../cli/output.js';
import { readRunInputs, type RunInputFlags, type RunInputs } from '../../cli/run-inputs.js';
import { TaskFileError, parseTaskFile, problemList, readTaskText, type LocalTask } from '../../cli/task-file.js';
import { creationOrder, listLines, withDependencies } from '../../cli/task-plan.js';
import { createCaches, createFeatures, createRuntime, startEmbeddedQueue, startFeatureServices, type FeatureServices } from '../compose.js';
import { downloadArtifacts } from '../download-artifacts.js';
import { EXIT, exitCodeFor, resultLine } from '../exit-codes.js';
import { SetupError, identityFlags, type IdentityFlags } from './common.js';
import { openRunArea, removeAbandonedRunAreas, type RunArea } from './run-area.js';

export interface RunCommandOptions extends IdentityFlags, RunInputFlags {
  config?: string;
  profile?: string;
  artifactsDir?: string;
  /** Show the worker's own info log on stderr too (normally only warnings and errors). */
  verbose?: boolean;
  /** Print the result as one JSON object on stdout; the task log goes to stderr. */
  json?: boolean;
  /** Prefix each printed log line with the time. */
  timestamps?: boolean;
  /** A file of tasks: list them and exit. */
  list?: boolean;
  /** A file of tasks: run this one and what it depends on. */
  task?: string;
}

/** What `--json` prints for one task. */
interface TaskResult {
  taskId: string;
  name: string;
  state: string;
  reason?: string;
  runs: TaskStatus['runs'];
  /** Paths saved under `--artifacts-dir`. */
  artifacts: string[];
}

/**
 * `worker run FILE`: the tasks of a file on the embedded queue and the real Docker engine,
 * each one's log on stdout as it runs, then `Task <taskId> <state>` on stderr. Retries the
 * queue schedules are followed; a file of tasks runs them in dependency order. Returns the
 * exit status.
 */
export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  // Every run is a worker of its own (unless the user names one), so two at once on a host
  // neither share an identity nor take each other's containers for leftovers.
  const id = randomBytes(5).toString('hex');
  const config = await loadConfig({
    file: options.config === undefined ? undefined : fromCaller(options.config),
    profile: options.profile,
    overrides: identityFlags(options),
    defaults: { workerId: `local-run-${id}` },
  });
  const inputs = await readRunInputs(options);
  const { text, where } = await readTaskText(fromCaller(file));
  const contents = parseTaskFile(text, where, config);
  if (contents.problems.length > 0) throw new TaskFileError(problemList(contents.problems));
  const err = process.stderr;
  const errColors = colorsFor(err);
  for (const warning of contents.warnings) err.write(`${errColors.yellow('warning:')} ${warning}\n`);
  const { ordered, problems } = creationOrder(contents.tasks);
  if (problems.length > 0) throw new TaskFileError(problemList(problems.map((p) => `${where}: ${p}`)));
  if (options.list) {
    if (!contents.many) throw new TaskFileError(`${where} holds one task; --list is for a file of \`tasks:\``);
    process.stdout.write(listLines(ordered).map((line) => `${line}\n`).join(''));
    return 0;
  }
  if (options.task !== undefined && !contents.many) throw new TaskFileError(`${where} holds one task; --task is for a file of \`tasks:\``);
  const tasks = (options.task === undefined ? ordered : withDependencies(ordered, options.task)).map((task) => withInputs(task, inputs));

  await prepareWorkDir(config.workDir);
  const runtime = createRuntime(config);
  try {
    await runtime.ping();
  } catch (error) {
    throw new SetupError((error as Error).message);
  }
  await removeAbandonedRunAreas(config.workDir, runtime);
  const area: RunArea = await openRunArea(config.workDir, id, { workerGroup: config.workerGroup, workerId: config.workerId });
  const embedded = await startEmbeddedQueue(config).catch(async (error: unknown) => {
    await area.close();
    throw error;
  });
  let services: FeatureServices | undefined;
  try {
    services = await startFeatureServices(config);
    // So a second terminal can follow the task; stdout is the task log itself.
    services.liveLog.on('registered', ({ url }) => err.write(`${errColors.dim(`Live log: ${url}`)}
`));
    // The shell artifact is private on the embedded queue: the socket itself, for a docker-exec client.
    services.interactive.on('registered', ({ socketUrl }) => err.write(`${errColors.dim(`Interactive shell: ${socketUrl}`)}
`));
    const queue = new QueueClient({ rootUrl: embedded.rootUrl, credentials: embedded.credentials });
    for (const task of tasks) {
      try {
        await queue.createTask(task.taskId, task.definition);
      } catch (error) {
        throw new SetupError(`the embedded queue refused ${contents.many ? `task ${task.label} of ` : 'the task from '}${where}: ${(error as Error).message}`);
      }
    }
    // With --json, stdout holds the result alone.
    const logOut: Writable & { isTTY?: boolean } = options.json ? err : process.stdout;
    const logColors = colorsFor(logOut);
    const reports = new Map<string, RunReport>();
    let echoing: Promise<void> = Promise.resolve();
    const labels = new Map(tasks.map((task) => [task.taskId, task.label]));
    let stopping: Promise<void> | undefined;
    /** `<taskId>/<runId>` of every run this worker has finished. */
    const finished = new Set<string>();
    const worker: Worker = new Worker({
      // One task at a time, so each log prints whole; claims and run directories in the run's
      // own area (images.json stays shared: the runtime's).
      config: { ...config, capacity: 1, workDir: area.dir },
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
      localRun: { secrets: inputs.secrets, mounts: inputs.mounts },
      onLogOpened: (log, run) => {
        if (contents.many) err.write(`${errColors.bold(`== ${labels.get(run.taskId) ?? run.taskId} (task ${run.taskId}, run ${run.runId})`)}\n`);
        const previous = echoing;
        echoing = previous.then(() => echo(log, logOut, { colors: logColors, timestamps: options.timestamps === true }));
      },
      onRunFinished: (run, report) => {
        reports.set(run.taskId, report);
        finished.add(`${run.taskId}/${run.runId}`);
        void (async () => {
          await echoing;
          const statuses = await Promise.all(tasks.map((task) => queue.status(task.taskId)));
          const own = statuses.find((status) => status.taskId === run.taskId)!;
          const next = own.runs[own.runs.length - 1]!;
          if (next.runId > run.runId && !interrupted.signal) {
            const reason = 'reason' in report.outcome ? ` (${report.outcome.reason})` : '';
            err.write(`${errColors.yellow(`Run ${run.runId} of task ${run.taskId} ended ${report.outcome.state}${reason}; the queue scheduled run ${next.runId} (${own.retriesLeft} retries left): following it`)}\n`);
          }
          // Nothing more will be claimed: stop (a task waiting on a dependency that will
          // never complete stays unscheduled, as on the real queue).
          // A run still `running` that this worker finished is one the queue did not record
          // (the resolution was refused): nothing will come of it.
          const live = statuses.some((status) => {
            const latest = status.runs[status.runs.length - 1];
            return status.state === 'pending' || (status.state === 'running' && !finished.has(`${status.taskId}/${latest?.runId}`));
          });
          if (!live || interrupted.signal) stopping ??= worker.stop({ finishTasks: false });
        })().catch((error: unknown) => {
          err.write(`worker: could not ask the queue about task ${run.taskId}: ${(error as Error).message}\n`);
          stopping ??= worker.stop({ finishTasks: false });
        });
      },
    });
    const interrupted = abortOnSignals(worker);
    try {
      await worker.start();
      await worker.finished();
      await stopping;
    } finally {
      interrupted.dispose();
    }
    await echoing;

    const results: TaskResult[] = [];
    let exit: number = EXIT.completed;
    for (const task of tasks) {
      const status = await queue.status(task.taskId);
      const report = reports.get(task.taskId);
      const latest = status.runs[status.runs.length - 1];
      const artifacts: string[] = [];
      if (options.artifactsDir && latest && report) {
        const dir = fromCaller(contents.many ? join(options.artifactsDir, task.label) : options.artifactsDir);
        for (const line of await downloadArtifacts(queue, task.taskId, latest.runId, dir)) {
          err.write(`${line}\n`);
          if (line.startsWith('saved ')) artifacts.push(line.slice('saved '.length));
        }
      }
      const named = contents.many ? `${task.label} (task ${task.taskId})` : task.taskId;
      if (!report) {
        // Never run: waiting on a dependency that did not complete, or interrupted first.
        const line = status.state === 'unscheduled' ? `Task ${named} unscheduled: ${await blockedBy(queue, task, labels)}` : `Task ${named} ${status.state}`;
        err.write(`${errColors.yellow(line)}\n`);
        results.push({ taskId: task.taskId, name: task.label, state: status.state, runs: status.runs, artifacts });
        exit = Math.max(exit, EXIT.exception);
        continue;
      }
      const { outcome, resolution } = report;
      const reason = 'reason' in outcome ? outcome.reason : undefined;
      results.push({ taskId: task.taskId, name: task.label, state: outcome.state, ...(reason && { reason }), runs: status.runs, artifacts });
      if (resolution.result === 'gave-up' || resolution.result === 'conflict') {
        // What the worker made of the run is not what the queue has: say both, and fail as setup.
        err.write(`${errColors.red(`${resultLine(named, outcome)}, but the queue did not record it: ${resolution.reason}`)}\n`);
        exit = Math.max(exit, EXIT.setup);
        continue;
      }
      const paint = outcome.state === 'completed' ? errColors.green : outcome.state === 'failed' ? errColors.red : errColors.yellow;
      err.write(`${paint(resultLine(named, outcome))}\n`);
      exit = Math.max(exit, exitCodeFor(outcome));
    }
    if (reports.size === 0 && interrupted.signal) throw new SetupError(`no task was run (interrupted by ${interrupted.signal})`);
    if (options.json) process.stdout.write(`${JSON.stringify(contents.many ? { tasks: results } : results[0])}\n`);
    return exit;
  } finally {
    await services?.stop();
    await embedded.stop();
    await area.close();
  }
}

/** Why a task of the file was never scheduled: its dependencies that did not end as `requires` asks. */
async function blockedBy(queue: QueueClient, task: LocalTask, labels: ReadonlyMap<string, string>): Promise<string> {
  const wanted = task.definition.requires === 'all-resolved' ? ['completed', 'failed', 'exception'] : ['completed'];
  const blocking: string[] = [];
  for (const dep of task.definition.dependencies) {
    const { state } = await queue.status(dep);
    if (!wanted.includes(state)) blocking.push(`${labels.get(dep) ?? dep} ${state}`);
  }
  return `it needs its dependencies ${task.definition.requires === 'all-resolved' ? 'resolved' : 'completed'} (${blocking.join(', ')})`;
}

/** The command line's env and secrets added to the task's payload.env; masking never touches these. */
function withInputs(task: LocalTask, inputs: RunInputs): LocalTask {
  if (Object.keys(inputs.env).length === 0) return task;
  const payload = task.definition.payload;
  const env = typeof payload.env === 'object' && payload.env !== null && !Array.isArray(payload.env) ? payload.env : {};
  return { ...task, definition: { ...task.definition, payload: { ...payload, env: { ...env, ...inputs.env } } } };
}

/** Follows a task log to `out` until it closes, or until nobody reads any more (`worker run task.yml | head`). */
function echo(log: TaskLog, out: Writable, options: ConstructorParameters<typeof LogEcho>[0]): Promise<void> {
  return new Promise<void>((resolve) => {
    const reader = log.createReader({ follow: true });
    const view = new LogEcho(options);
    view.on('end', resolve).on('error', resolve);
    reader.on('error', resolve);
    // The task runs on unwatched.
    const closed = () => {
      reader.destroy();
      resolve();
    };
    if (out.destroyed) closed();
    else out.once('close', closed);
    view.once('end', () => out.off('close', closed));
    reader.pipe(view).pipe(out, { end: false });
  });
}

/**
 * SIGINT and SIGTERM as `worker start` treats SIGTERM: the first aborts the task
 * (`worker-shutdown`, its log still uploaded and its result printed), a second exits at once.
 * One task at a time is all `worker run` has, so there is nothing to let finish.
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
