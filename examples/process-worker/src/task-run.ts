import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  FileTaskLog,
  InternalError,
  MalformedPayloadError,
  TaskCanceledError,
  outcomeOf,
  type ContainerAdditions,
  type RunOutcome,
  type RunResult,
  type TaskContext,
  type TaskDefinition,
  type TaskFeature,
  type WorkerIdentity,
} from '@docker-worker/worker-contract';
import { HeldClaim, type Claim } from './held-claim.js';
import type { HostedFeature } from './hosted-feature.js';
import { validatePayload, type ProcessPayload } from './payload.js';
import { QueueArtifactPublisher } from './queue-publisher.js';
import { TaskProcess } from './task-process.js';

export interface RunOptions {
  rootUrl: string;
  claim: Claim;
  worker: WorkerIdentity;
  features: readonly HostedFeature[];
  /** The worker's own log (not the task's). */
  log: (line: string) => void;
}

/** A feature's hooks for this run, with its name for messages. */
interface RunFeature {
  name: string;
  phase: HostedFeature['phase'];
  hooks: TaskFeature;
}

/**
 * One claimed run, driving the features in the contract's order: link → created → started →
 * (the process exits) → stopped → footer, close the log → killed, with seal features after
 * every other in each hook and last in `killed`. Whatever fails, the log is closed, `killed`
 * runs, and the run is resolved, unless the queue took it away (then nothing is uploaded or
 * resolved). Returns how the run ended.
 */
export async function runTask(options: RunOptions): Promise<RunOutcome> {
  const { rootUrl, claim, worker } = options;
  const task = claim.task as unknown as TaskDefinition;
  const taskId = claim.status.taskId;
  const runId = claim.runId;
  const abort = new AbortController();
  let canceled: TaskCanceledError | undefined;
  let proc: TaskProcess | undefined;
  const held = new HeldClaim(rootUrl, claim, (why) => {
    canceled = new TaskCanceledError(`The run was taken away: ${why}`);
    abort.abort(canceled);
    void proc?.kill();
  });
  held.start();

  let dirs: RunDirectories;
  try {
    dirs = await openRunDirectories(taskId, runId);
  } catch (err) {
    // Nowhere to run the task or keep its log: the worker's fault, not the task's.
    options.log(`task ${taskId}/${runId}: no run directory: ${(err as Error).message}`);
    held.stop();
    const outcome = { state: 'exception', reason: 'internal-error' } as const;
    await resolve(held, taskId, runId, outcome, options.log);
    return outcome;
  }
  const { runDir, taskDir, workDir, log } = dirs;
  const publisher = new QueueArtifactPublisher({ queue: () => held.queue, taskId, runId, taskExpires: task.expires });
  const context: TaskContext = { taskId, runId, task, worker, log, artifacts: publisher, config: {}, signal: abort.signal, workDir };

  const started = Date.now();
  log.info(`Task ${taskId} run ${runId} on ${worker.workerGroup}/${worker.workerId} (${worker.provisionerId}/${worker.workerType}), a host process worker`);
  let features: RunFeature[] = [];
  let outcome: RunOutcome;
  try {
    let payload: ProcessPayload;
    try {
      payload = validatePayload(task.payload, options.features.flatMap((f) => f.reservedArtifacts));
    } catch (err) {
      // An invalid payload still gets its log uploaded: it is where the author reads why.
      features = startFeatures(options.features, context, undefined);
      throw err;
    }
    features = startFeatures(options.features, context, payload);
    outcome = await execute(payload, features, { taskId, runId, taskDir, worker, log, signal: abort.signal, onProcess: (p) => (proc = p) });
  } catch (err) {
    outcome = canceled?.outcome ?? outcomeOf(err);
    if (err instanceof MalformedPayloadError) log.error(`The task payload is invalid, so nothing was started:\n${err.problems.map((p) => `  - ${p}`).join('\n')}`);
    else log.error(canceled?.message ?? (err instanceof Error ? err.message : String(err)));
  }

  const ending = outcome.state === 'exception' ? `exception (${outcome.reason})` : outcome.state;
  log.info(`=== Task ${ending} === (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  try {
    await log.close();
  } catch (err) {
    // A log that lost bytes (a full disk) is not the task's result.
    options.log(`task ${taskId}/${runId}: the task log could not be written: ${(err as Error).message}`);
    if (outcome.state !== 'canceled') outcome = { state: 'exception', reason: 'internal-error' };
  }
  outcome = await killed(features, canceled?.outcome ?? outcome, options.log);
  await proc?.remove().catch(() => {});
  held.stop();
  if (outcome.state !== 'canceled') await resolve(held, taskId, runId, outcome, options.log);
  await rm(runDir, { recursive: true, force: true });
  options.log(`task ${taskId}/${runId}: ${outcome.state}${'reason' in outcome ? `/${outcome.reason}` : ''}`);
  return outcome;
}

interface RunDirectories {
  runDir: string;
  /** Where the command runs, and what its artifacts are read from. */
  taskDir: string;
  /** Where features spool files (`TaskContext.workDir`). */
  workDir: string;
  log: FileTaskLog;
}

/**
 * The task's directory, the features' spool directory and the log, side by side, so what the
 * task does in its directory (clean it, archive it) leaves the log and the spool files alone.
 */
async function openRunDirectories(taskId: string, runId: number): Promise<RunDirectories> {
  const runDir = await mkdtemp(join(tmpdir(), `process-worker-${taskId}-${runId}-`));
  try {
    const taskDir = join(runDir, 'task');
    const workDir = join(runDir, 'work');
    await Promise.all([mkdir(taskDir), mkdir(workDir)]);
    return { runDir, taskDir, workDir, log: new FileTaskLog(join(runDir, 'task.log')) };
  } catch (err) {
    await rm(runDir, { recursive: true, force: true });
    throw err;
  }
}

/** Each feature's hooks for the run, in phase order: the host's order, seal features last. */
function startFeatures(hosted: readonly HostedFeature[], context: TaskContext, payload: ProcessPayload | undefined): RunFeature[] {
  const ordered = [...hosted.filter((f) => f.phase !== 'seal'), ...hosted.filter((f) => f.phase === 'seal')];
  return ordered.flatMap((f) => {
    const hooks = f.forTask(context, payload);
    return hooks ? [{ name: f.name, phase: f.phase, hooks }] : [];
  });
}

interface ExecuteContext {
  taskId: string;
  runId: number;
  taskDir: string;
  worker: WorkerIdentity;
  log: FileTaskLog;
  signal: AbortSignal;
  onProcess: (proc: TaskProcess) => void;
}

async function execute(payload: ProcessPayload, features: RunFeature[], ctx: ExecuteContext): Promise<RunOutcome> {
  const { log, signal } = ctx;
  const featureEnv: Record<string, string> = {};
  for (const { name, hooks } of features) {
    signal.throwIfAborted();
    const added = await hooks.link?.();
    if (added) Object.assign(featureEnv, envOnly(name, added));
  }
  const proc = new TaskProcess({ id: `${ctx.taskId}-${ctx.runId}`, command: payload.command, env: taskEnv(payload, featureEnv, ctx), dir: ctx.taskDir });
  ctx.onProcess(proc);
  for (const { hooks } of features) await hooks.created?.(proc);
  signal.throwIfAborted();

  log.info('=== Task Starting ===');
  const copying = pipeline(proc.output, log.output);
  try {
    await proc.start();
  } catch (err) {
    await copying.catch(() => {});
    throw err;
  }
  const startedAt = Date.now();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    log.error(`Task timeout after ${payload.maxRunTime} seconds. Force killing the process.`);
    void proc.kill();
  }, payload.maxRunTime * 1000);
  let exitCode: number;
  try {
    for (const { hooks } of features) await hooks.started?.();
    exitCode = await proc.wait();
  } catch (err) {
    // A `started` hook failed: the process must not run on unattended.
    await proc.kill();
    await proc.wait();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  try {
    await copying;
  } catch (err) {
    throw new InternalError(`The task's output could not be logged: ${(err as Error).message}`, { cause: err });
  }
  log.info(`=== Task Finished === (exit code ${exitCode})`);
  // Canceled: the process was killed, what it left is not the task's result.
  signal.throwIfAborted();

  const result: RunResult = { exitCode, timedOut, durationMs: Date.now() - startedAt, files: proc };
  // Every feature collects what it needs, even after another one failed; the first failure decides.
  let failure: { error: unknown } | undefined;
  for (const { hooks } of features) {
    try {
      await hooks.stopped?.(result);
    } catch (err) {
      failure ??= { error: err };
    }
  }
  if (failure) throw failure.error;
  return !timedOut && exitCode === 0 ? { state: 'completed' } : { state: 'failed' };
}

/** What a host process can be given of what a feature adds: environment variables, nothing else. */
function envOnly(feature: string, added: ContainerAdditions): Record<string, string> {
  const { env, ...rest } = added;
  const refused = Object.entries(rest)
    .filter(([, value]) => value !== undefined && value !== false && !(Array.isArray(value) && value.length === 0))
    .map(([key]) => key);
  if (refused.length > 0) throw new InternalError(`feature ${feature} asked for ${refused.join(', ')}, which a host process cannot be given`);
  return env ?? {};
}

/**
 * The task's environment: none of the worker's own (its credentials stay out), only a PATH to
 * find programs, the run's identity, what features added and what the payload asked for.
 */
function taskEnv(payload: ProcessPayload, featureEnv: Record<string, string>, ctx: ExecuteContext): Record<string, string> {
  const { worker } = ctx;
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: ctx.taskDir,
    ...featureEnv,
    ...payload.env,
    TASK_ID: ctx.taskId,
    RUN_ID: String(ctx.runId),
    TASKCLUSTER_ROOT_URL: worker.rootUrl,
    TASKCLUSTER_WORKER_TYPE: worker.workerType,
    TASKCLUSTER_WORKER_GROUP: worker.workerGroup,
    TASKCLUSTER_WORKER_ID: worker.workerId,
  };
}

/**
 * `killed` hooks, run features in reverse order, then seal features, each whatever the others
 * did. A failure there (a log upload) makes a completed or failed run an exception: its
 * results are incomplete.
 */
async function killed(features: RunFeature[], outcome: RunOutcome, workerLog: (line: string) => void): Promise<RunOutcome> {
  let final = outcome;
  const order = [...features.filter((f) => f.phase !== 'seal').reverse(), ...features.filter((f) => f.phase === 'seal')];
  for (const { name, hooks } of order) {
    try {
      await hooks.killed?.(outcome);
    } catch (err) {
      workerLog(`feature ${name}: killed hook failed: ${(err as Error).message}`);
      if (final.state === 'completed' || final.state === 'failed') final = outcomeOf(err);
    }
  }
  return final;
}

/** Tells the queue, with the run's latest credentials. A refusal (409: resolved already) is logged. */
async function resolve(held: HeldClaim, taskId: string, runId: number, outcome: Exclude<RunOutcome, { state: 'canceled' }>, workerLog: (line: string) => void): Promise<void> {
  const queue = held.queue;
  try {
    if (outcome.state === 'completed') await queue.reportCompleted(taskId, runId);
    else if (outcome.state === 'failed') await queue.reportFailed(taskId, runId);
    else await queue.reportException(taskId, runId, { reason: outcome.reason });
  } catch (err) {
    workerLog(`task ${taskId}/${runId}: the queue refused the resolution ${outcome.state}: ${(err as Error).message}`);
  }
}
