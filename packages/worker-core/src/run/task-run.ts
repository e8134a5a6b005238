import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DockerWorkerPayload, WorkerConfig } from '@docker-worker/schema';
import {
  FileTaskLog,
  LABELS,
  EngineUnavailableError,
  MalformedPayloadError,
  NO_METRICS,
  TaskCanceledError,
  WorkerShutdownError,
  outcomeOf,
  removeTree,
  type Bind,
  type CacheManager,
  type Container,
  type ContainerAdditions,
  type CreatedNetwork,
  type Metrics,
  type Resolution,
  type RunOutcome,
  type Runtime,
  type TaskContext,
  type TaskFeature,
  type TaskLog,
  type WorkerIdentity,
} from '@docker-worker/worker-contract';
import { QueueArtifactPublisher } from '../artifacts/queue-artifact-publisher.js';
import type { WorkerLog } from '../log/worker-log.js';
import type { QueueClient, RunQueue } from '../queue/queue-client.js';
import type { TaskClaim } from '../queue/types.js';
import { containerEnv } from './container-env.js';
import { inPhaseOrder, type BoundFeature, type EnabledFeature } from './feature-binding.js';
import { writeFooter, writeHeader } from './header.js';
import { HeldClaim } from './held-claim.js';
import { resolveRun, type ResolveResult } from './resolve-run.js';
import { logWriteFailure } from './log-failure.js';
import { killWithRetries } from './kill-container.js';
import { setLongTimeout } from './long-timeout.js';
import { payloadWarnings, validateTask } from './validate-task.js';
import { TaskCaches } from './task-caches.js';
import { SupersededClaims, publishJson } from './superseded-claims.js';
import { applySuperseding } from './superseding.js';
import type { ClaimStore } from '../state/claim-store.js';
import type { Stage } from '../metrics/catalogue.js';
import type { LifecycleEvents } from '../metrics/lifecycle-events.js';

export interface TaskRunOptions {
  claim: TaskClaim;
  queue: QueueClient;
  runtime: Runtime;
  /** Every feature the worker offers, bound to the payload (see bindFeature). */
  features: readonly BoundFeature[];
  config: WorkerConfig;
  worker: WorkerIdentity;
  log: WorkerLog;
  /** Identifies this worker process on the containers it creates. */
  processId: string;
  /** Where the claim is remembered while the run holds it (crash recovery). */
  claims?: ClaimStore;
  /** Named caches; without one every cache mount starts empty. */
  caches?: CacheManager;
  /** Called once the task log exists, e.g. to echo it to a terminal. */
  onLogOpened?: (log: TaskLog) => void;
  /** A container that could not be removed (the engine was away): someone must try again. */
  onLeftover?: (container: Container) => void;
  /** Where the run's measurements go (see metrics/catalogue.ts); none kept when absent. */
  metrics?: Metrics;
  /** The `WORKER_METRICS` taskStart and taskFinish records. */
  lifecycle?: LifecycleEvents;
  /** What `worker run` adds from its command line; never from a payload. */
  localRun?: LocalRunExtras;
}

/** `worker run`'s own additions to a run: they come from the person at the terminal, not the task. */
export interface LocalRunExtras {
  /** Values written as `[masked]` wherever they appear in the task log (the task still gets them). */
  secrets?: readonly string[];
  /** Host directories bound into the container (`--mount`). */
  mounts?: readonly Bind[];
}

/** Shared memory for the container, as the original gave (about 1.8 GB). */
const SHM_SIZE = 1_800_000_000;

/** What the container did, when it got that far. */
interface Execution {
  outcome: RunOutcome;
  /** -1 for a container stopped by the worker (a cancel, maxRunTime); undefined when none started. */
  exitCode: number | undefined;
}

/** How a run ended, and whether the queue recorded it. */
export interface RunReport {
  outcome: RunOutcome;
  /**
   * What the queue made of the resolution; `not-sent` for a canceled run (the queue had
   * resolved it already). Anything but `resolved` and `not-sent` means the queue did not
   * record `outcome`.
   */
  resolution: ResolveResult | { result: 'not-sent' };
  /** The engine went away under the run: the worker must wait for it before claiming more. */
  engineLost: boolean;
}

/**
 * One claimed run, through the pipeline: validate → link → image → create →
 * created → start → started → exit → stopped → footer → killed → remove → resolve.
 * Whatever fails, the container is removed and the run is resolved (or, when the queue took
 * it away, deliberately left alone).
 */
/** The outcome table for a container that ran to an exit. */
export function resolutionFor(payload: DockerWorkerPayload, exitCode: number, timedOut: boolean): Resolution {
  if (timedOut) return { state: 'failed' };
  if (exitCode === 0) return { state: 'completed' };
  // The task asked for another run on this exit code; the queue decides whether it has retries left.
  if (payload.onExitStatus?.retry?.includes(exitCode)) return { state: 'exception', reason: 'intermittent-task' };
  return { state: 'failed' };
}

export class TaskRun {
  #options: TaskRunOptions;
  /** The claim being executed: the one claimed, unless superseding picked another. */
  #claim: TaskClaim;
  /** The other claims a superseding run holds until it ends. */
  #superseded: SupersededClaims | undefined;
  #abort = new AbortController();
  #stop: TaskCanceledError | WorkerShutdownError | undefined;
  #container: Container | undefined;
  #timedOut = false;
  #caches: TaskCaches;
  /**
   * The executed claim, held (reclaimed, stored) from #open on; everything after #open may use
   * it, and #teardown checks for it, since #open may be where the run failed.
   */
  #held!: HeldClaim;
  /** Set when the exit code is in `onExitStatus.purgeCaches`. */
  #purgeCaches = false;
  /** One publisher for the whole run: it bounds the run's concurrent uploads and lists them all. */
  #publisher: QueueArtifactPublisher | undefined;
  /** Whether a seal feature is on: it reads the uploads' hashes (the chain of trust). */
  #hashUploads = false;
  /** The hooks of the run's seal features: their killed hooks run last. */
  #sealed = new Set<TaskFeature>();
  /** The run's work directory (removed at the end), where features spool files. */
  #dir: string | undefined;
  /** Every feature context handed out, so the resolved image can be added to them. */
  #contexts: TaskContext[] = [];
  #taskLog: FileTaskLog | undefined;
  /** The run's own network, once a feature asked for it (see TaskContext.network); removed by #teardown. */
  #network: Promise<CreatedNetwork> | undefined;
  #log: WorkerLog;
  #engineLost = false;
  #metrics: Metrics;
  /** When the claim reached this run: claim-to-start latency counts from here. */
  #claimedAt = Date.now();
  /** Whether the container was started: a run that ends before has no exit code to report. */
  #containerStarted = false;

  constructor(options: TaskRunOptions) {
    this.#options = options;
    this.#metrics = options.metrics ?? NO_METRICS;
    this.#claim = options.claim;
    this.#caches = new TaskCaches(options.caches, options.metrics);
    this.#log = options.log.child({ taskId: this.taskId, runId: this.runId });
  }

  get taskId(): string {
    return this.#claim.status.taskId;
  }

  get runId(): number {
    return this.#claim.runId;
  }

  /**
   * A cancel for a run this one holds: the executed run stops; a superseded claim is only
   * dropped (never resolved by us). False when the run is not held here.
   */
  cancelRun(taskId: string, runId: number, why: string): boolean {
    if (taskId === this.taskId && runId === this.runId) {
      this.cancel(why);
      return true;
    }
    return this.#superseded?.drop(taskId, runId, why) ?? false;
  }

  /** The queue took the run away: stop now, upload nothing, resolve nothing. */
  cancel(why: string): void {
    this.#halt(new TaskCanceledError(`Task was canceled by another entity: ${why}`));
  }

  /** The worker is going away: stop now, upload the log, resolve `worker-shutdown`. */
  shutdown(): void {
    this.#halt(new WorkerShutdownError('Task has been aborted prematurely. Reason: worker-shutdown'));
  }

  /**
   * Runs the claim to its end. Never throws: every step that started is undone whatever
   * failed (each teardown step on its own, so one failing does not skip the others), and the
   * report says whether the queue recorded the outcome.
   */
  async run(): Promise<RunReport> {
    const started = Date.now();
    let taskFeatures: TaskFeature[] = [];
    let execution: Execution = { outcome: { state: 'exception', reason: 'internal-error' }, exitCode: undefined };
    // Counted before anything can fail, so every resolved run was a started one.
    this.#metrics.increment('dw_tasks_started_total');
    try {
      const supersedingNote = await this.#supersede();
      const taskLog = await this.#open();
      this.#options.lifecycle?.emit('taskStart', { taskId: this.taskId, runId: this.runId });
      const { config, worker } = this.#options;
      this.#log.info('task run', { image: JSON.stringify(this.#claim.task.payload?.image) });
      writeHeader(taskLog, this.taskId, worker);
      if (supersedingNote) taskLog.info(supersedingNote);
      for (const warning of payloadWarnings(this.#claim.task.payload)) taskLog.warn(warning);
      const runQueue = this.#held.runQueue;
      try {
        const { payload, features } = await this.#timed('validate', () => validateTask(this.#claim.task, this.#options.features, {
          runtime: this.#options.runtime,
          expandScopes: (scopes) => runQueue.expandScopes(scopes),
          allowPrivileged: config.dockerConfig.allowPrivileged,
          allowDisableSeccomp: config.dockerConfig.allowDisableSeccomp,
          switchedOff: new Set(Object.entries(config.features).filter(([, section]) => section.enabled === false).map(([name]) => name)),
        }));
        taskFeatures = this.#startFeatures(features, taskLog, runQueue);
        execution = await this.#execute(payload, taskFeatures, taskLog);
      } catch (err) {
        // An invalid payload still gets its log uploaded: it is where the author reads why.
        if (err instanceof MalformedPayloadError && taskFeatures.length === 0) {
          taskFeatures = this.#featuresForInvalidPayload(taskLog, runQueue);
        }
        throw err;
      }
    } catch (err) {
      execution = { outcome: this.#stop?.outcome ?? outcomeOf(err), exitCode: this.#containerStarted ? -1 : undefined };
      this.#engineLost = err instanceof EngineUnavailableError;
      this.#reportError(err);
    }
    return this.#teardown(execution, taskFeatures, started);
  }

  /** The run's directory, task log and held claim; each undone by #teardown once it exists. */
  async #open(): Promise<FileTaskLog> {
    const { config } = this.#options;
    this.#log = this.#options.log.child({ taskId: this.taskId, runId: this.runId });
    this.#held = new HeldClaim({
      claim: this.#claim,
      queue: this.#options.queue,
      log: this.#log,
      reclaimDivisor: config.task.reclaimDivisor,
      store: this.#options.claims,
      processId: this.#options.processId,
      onLost: (why) => {
        this.#metrics.increment('dw_reclaims_total', { result: 'lost' });
        this.cancel(why);
      },
      onReclaimed: () => this.#metrics.increment('dw_reclaims_total', { result: 'renewed' }),
    });
    await this.#held.start();
    const dir = join(config.workDir, 'runs', `${this.taskId}-${this.runId}`);
    this.#dir = dir;
    await mkdir(dir, { recursive: true });
    this.#taskLog = new FileTaskLog(join(dir, 'task.log'), { mask: this.#options.localRun?.secrets ?? [] });
    this.#options.onLogOpened?.(this.#taskLog);
    return this.#taskLog;
  }

  /**
   * Undo, in order, whatever the run got to: footer and log, `killed` hooks (uploads), the
   * container, caches, reclaims, the resolution, the superseded claims, the claim store entry
   * and the run directory. Each step runs whatever the others did.
   */
  async #teardown(execution: Execution, taskFeatures: TaskFeature[], started: number): Promise<RunReport> {
    const log = this.#log;
    let outcome = execution.outcome;
    const taskLog = this.#taskLog;
    if (taskLog) {
      writeFooter(taskLog, outcome.state === 'completed', execution.exitCode, Date.now() - started);
      await this.#step('close the task log', () => taskLog.close());
      // An incomplete log fails the run (unless the queue took it away or it is being handed back).
      if (taskLog.failure && outcome.state !== 'canceled' && !(outcome.state === 'exception' && outcome.reason === 'worker-shutdown')) {
        outcome = logWriteFailure(taskLog.failure).outcome;
      }
    }
    outcome = await this.#timed('logs', () => this.#killed(taskFeatures, outcome));
    // Nothing reads the log file after the killed hooks (the uploads); a reader still open (the
    // echo of `worker run`) keeps reading it. Unlinking it now, while the container is removed
    // and the run resolved, takes the kernel's freeing of its pages (about 80 ms for a 200 MB
    // log) off the end of the run; the run directory step waits for it.
    // A failure here is the run directory step's to report: its rm meets the same file.
    const logRemoved = taskLog ? rm(taskLog.path, { force: true }).catch(() => undefined) : undefined;
    const container = this.#container;
    if (container) {
      await this.#step('remove the container', () => container.remove(), () => this.#options.onLeftover?.(container));
    }
    if (this.#network) {
      const network = this.#network;
      // A network that could not be made has nothing to remove.
      await this.#step('remove the network', async () => {
        const made = await network.catch(() => undefined);
        if (made) await this.#options.runtime.removeNetwork?.(made.id);
      });
    }
    await this.#step('release the caches', () => this.#caches.release(this.#purgeCaches));
    this.#held?.stop();
    await this.#step('announce superseding', () => this.#announceSuperseding(outcome));
    let resolution: RunReport['resolution'] = { result: 'not-sent' };
    if (outcome.state !== 'canceled') {
      const runQueue = this.#held?.runQueue ?? this.#options.queue.forRun(this.taskId, this.runId, this.#claim.credentials);
      const takenUntil = () => this.#held?.takenUntil ?? Date.parse(this.#claim.takenUntil);
      resolution = await this.#timed('resolve', () => resolveRun({ runQueue, queue: this.#options.queue, resolution: outcome, takenUntil, log }));
    }
    if (this.#superseded) await this.#step('resolve the superseded claims', () => this.#superseded!.resolve({ taskId: this.taskId, runId: this.runId }, outcome));
    // A run the queue did not record stays in the claim store: the next start hands it back.
    if (this.#held && resolution.result !== 'gave-up') await this.#step('forget the claim', () => this.#held.release());
    if (this.#dir) {
      await this.#step('remove the run directory', async () => {
        await logRemoved;
        await removeTree(this.#dir!);
      });
    }
    const reason = 'reason' in outcome ? outcome.reason : undefined;
    if (resolution.result === 'gave-up' || resolution.result === 'conflict') {
      log.warn('task not resolved', { outcome: outcome.state, reason, result: resolution.result, why: resolution.reason });
    } else {
      log.info('task resolved', { outcome: outcome.state, reason });
    }
    this.#metrics.increment('dw_tasks_resolved_total', { outcome: outcome.state, reason: reason ?? '' });
    this.#metrics.observe('dw_task_run_seconds', (Date.now() - started) / 1000, { outcome: outcome.state });
    this.#options.lifecycle?.emit('taskFinish', { taskId: this.taskId, runId: this.runId });
    return { outcome, resolution, engineLost: this.#engineLost };
  }

  /** Runs one pipeline stage, its time recorded whether it succeeded or not. */
  async #timed<T>(stage: Stage, step: () => Promise<T>): Promise<T> {
    const begun = performance.now();
    try {
      return await step();
    } finally {
      this.#metrics.observe('dw_task_stage_seconds', (performance.now() - begun) / 1000, { stage });
    }
  }

  /** One teardown step: its failure is logged with its name and does not stop the next. */
  async #step(name: string, undo: () => Promise<unknown>, onFailure?: () => void): Promise<void> {
    try {
      await undo();
    } catch (err) {
      this.#log.error('teardown step failed', { step: name, error: err });
      onFailure?.();
    }
  }

  /**
   * `payload.supersederUrl`: maybe execute another listed task instead and hold the rest
   * ("Superseding" in docs/operating.md). Returns the line for the task log, if superseding
   * was asked for.
   */
  async #supersede(): Promise<string | undefined> {
    const { queue, worker, log, config } = this.#options;
    const superseding = await applySuperseding({ claim: this.#claim, queue, worker, log, signal: this.#abort.signal });
    if (!superseding) return undefined;
    this.#claim = superseding.primary;
    if (superseding.others.length > 0) {
      this.#superseded = new SupersededClaims({
        queue,
        log,
        reclaimDivisor: config.task.reclaimDivisor,
        storageType: config.artifacts.storageType,
        claims: this.#options.claims,
        processId: this.#options.processId,
      });
      await this.#superseded.hold(superseding.others);
    }
    return superseding.note;
  }

  /** The executed run lists the runs it stood in for, while it can still create artifacts. */
  async #announceSuperseding(outcome: RunOutcome): Promise<void> {
    const runs = this.#superseded?.runs ?? [];
    if (runs.length === 0 || (outcome.state !== 'completed' && outcome.state !== 'failed')) return;
    try {
      await publishJson(this.#publisherFor(this.#held.runQueue), 'public/supersedes.json', runs);
    } catch (err) {
      this.#log.warn('supersedes.json not published', { error: err });
    }
  }

  #halt(reason: TaskCanceledError | WorkerShutdownError): void {
    if (this.#stop) return;
    this.#stop = reason;
    this.#abort.abort(reason);
    if (this.#container) void killWithRetries(this.#container, this.#log, reason.outcome.state);
  }

  /**
   * The default features (the log) for a payload that failed validation. Only their `killed`
   * hook runs, with options mapped from the payload's live log name alone.
   */
  #featuresForInvalidPayload(taskLog: TaskLog, runQueue: RunQueue): TaskFeature[] {
    const raw = this.#claim.task.payload ?? {};
    // Nothing else of an invalid payload is trusted: every binding maps what it would for a
    // payload that asks for nothing (no artifacts, no devices).
    const payload = { ...(typeof raw.log === 'string' && { log: raw.log }) } as DockerWorkerPayload;
    const features = this.#options.features.filter((bound) => bound.defaultEnabled).map((bound) => ({ bound, options: bound.options(payload) }));
    return this.#startFeatures(features, taskLog, runQueue);
  }

  /** Each enabled feature's hooks for this run, in phase order. */
  #startFeatures(features: readonly EnabledFeature[], taskLog: TaskLog, runQueue: RunQueue): TaskFeature[] {
    const ordered = inPhaseOrder(features);
    this.#hashUploads = ordered.some(({ bound }) => bound.feature.phase === 'seal');
    for (const { bound } of ordered) this.#metrics.increment('dw_feature_runs_total', { feature: bound.name });
    return ordered.map(({ bound, options }) => {
      const hooks = bound.feature.forTask(this.#featureContext(bound, taskLog, runQueue), options) as TaskFeature;
      if (bound.feature.phase === 'seal') this.#sealed.add(hooks);
      return hooks;
    });
  }

  #publisherFor(runQueue: RunQueue): QueueArtifactPublisher {
    const { config } = this.#options;
    this.#publisher ??= new QueueArtifactPublisher({
      queue: runQueue,
      storageType: config.artifacts.storageType,
      taskExpires: this.#claim.task.expires,
      concurrency: config.artifacts.uploadConcurrency,
      hashContent: this.#hashUploads,
      metrics: this.#metrics,
    });
    return this.#publisher;
  }

  #featureContext(feature: BoundFeature, taskLog: TaskLog, runQueue: RunQueue): TaskContext {
    const { config, worker } = this.#options;
    const claim = this.#claim;
    const ctx: TaskContext = {
      taskId: this.taskId,
      runId: this.runId,
      task: claim.task,
      worker,
      log: taskLog,
      artifacts: this.#publisherFor(runQueue),
      config: config.features[feature.name] ?? {},
      signal: this.#abort.signal,
      workDir: this.#dir,
      credentials: () => this.#held.runQueue.credentials,
      onCredentials: (listener) => this.#held.onCredentials(listener),
      metrics: this.#metrics,
    };
    const { runtime } = this.#options;
    if (runtime.createNetwork && runtime.removeNetwork) {
      const create = runtime.createNetwork.bind(runtime);
      ctx.network = async () => {
        this.#network ??= create(this.#labels());
        const { gateway, subnet } = await this.#network;
        return { gateway, subnet };
      };
    }
    this.#contexts.push(ctx);
    return ctx;
  }

  async #execute(payload: DockerWorkerPayload, taskFeatures: TaskFeature[], taskLog: TaskLog): Promise<Execution> {
    const { runtime, worker } = this.#options;
    const claim = this.#claim;
    const log = this.#log;
    const signal = this.#abort.signal;
    const additions: ContainerAdditions[] = [];
    for (const feature of taskFeatures) {
      signal.throwIfAborted();
      const added = await feature.link?.();
      if (added) additions.push(added);
    }
    const cacheMounts = await this.#caches.acquire(payload, taskLog);
    signal.throwIfAborted();
    const imageBegun = performance.now();
    const image = await this.#timed('image', () => runtime.ensureImage(payload.image, {
      log: taskLog,
      signal,
      task: claim.task,
      credentials: this.#held.runQueue.credentials,
      // Artifact images are read with the claim's credentials, so with the task's own scopes.
      artifacts: {
        artifactUrl: (taskId, path) => this.#held.runQueue.latestArtifactUrl(taskId, path),
        findTask: (namespace) => this.#held.runQueue.findIndexedTask(namespace),
      },
    })).then(
      (ready) => {
        const source = ready.source ?? 'ready';
        this.#metrics.observe('dw_image_seconds', (performance.now() - imageBegun) / 1000, { source });
        if (ready.bytes) this.#metrics.increment('dw_image_bytes_total', { source }, ready.bytes);
        return ready;
      },
      (err: unknown) => {
        this.#metrics.observe('dw_image_seconds', (performance.now() - imageBegun) / 1000, { source: 'failed' });
        throw err;
      },
    );
    for (const ctx of this.#contexts) ctx.image = image;
    signal.throwIfAborted();

    const networkId = this.#network && (await this.#network).id;
    const container = await this.#timed('create', () => runtime.createContainer({
      image: image.id,
      command: payload.command,
      env: containerEnv({ featureEnv: Object.assign({}, ...additions.map((a) => a.env ?? {})), payload, taskId: this.taskId, runId: this.runId, worker }),
      labels: this.#labels(),
      binds: [...cacheMounts, ...additions.flatMap((a) => a.binds ?? []), ...(this.#options.localRun?.mounts ?? [])],
      devices: additions.flatMap((a) => a.devices ?? []),
      capAdd: additions.flatMap((a) => a.capAdd ?? []),
      extraHosts: ['localhost.localdomain:127.0.0.1', ...additions.flatMap((a) => a.extraHosts ?? [])],
      privileged: payload.capabilities?.privileged === true || additions.some((a) => a.privileged),
      disableSeccomp: payload.capabilities?.disableSeccomp === true,
      shmSize: SHM_SIZE,
      ...cpuset(additions),
      ...commandPrefix(additions),
      ...(networkId !== undefined && { network: networkId }),
    }));
    this.#container = container;
    // A cancel that came while the container was being created found nothing to kill.
    signal.throwIfAborted();
    for (const feature of taskFeatures) await feature.created?.(container);
    // A cancel during the created hooks found the container not started, which a kill leaves
    // as it is: it must not start.
    signal.throwIfAborted();

    taskLog.info('=== Task Starting ===');
    // Settles whatever happens (a handled promise), so a wait() that throws leaves no rejection
    // behind; its error is looked at once the container has exited.
    let copyFailure: unknown;
    const copying = pipeline(container.output, taskLog.output).catch((err: unknown) => {
      copyFailure = taskLog.failure ? logWriteFailure(taskLog.failure) : err;
      // Output nobody can keep: stop the task rather than let it run on unlogged.
      if (taskLog.failure) void killWithRetries(container, log, 'the task log could not be written');
    });
    try {
      await container.start();
      this.#containerStarted = true;
    } catch (err) {
      container.output.destroy();
      await copying;
      throw err;
    }
    // A cancel while the container was starting may have found it not running yet.
    if (this.#stop) void killWithRetries(container, log, this.#stop.outcome.state);
    const startedAt = Date.now();
    this.#metrics.observe('dw_task_claim_to_start_seconds', (startedAt - this.#claimedAt) / 1000);
    log.info('container started', { containerId: container.id });
    const timer = setLongTimeout(() => {
      this.#timedOut = true;
      taskLog.error(`Task timeout after ${payload.maxRunTime} seconds. Force killing container.`);
      void killWithRetries(container, log, 'maxRunTime');
    }, payload.maxRunTime * 1000);
    let exitCode: number;
    try {
      for (const feature of taskFeatures) await feature.started?.();
      exitCode = await container.wait();
    } finally {
      timer.clear();
      this.#metrics.observe('dw_task_stage_seconds', (Date.now() - startedAt) / 1000, { stage: 'run' });
    }
    await copying;
    taskLog.info('=== Task Finished ===');
    // Canceled or shut down: the container was killed, its results are not the task's.
    if (this.#stop) throw this.#stop;
    if (copyFailure !== undefined) throw copyFailure;

    this.#purgeCaches = payload.onExitStatus?.purgeCaches?.includes(exitCode) ?? false;
    const result = { exitCode, timedOut: this.#timedOut, durationMs: Date.now() - startedAt, files: container };
    // Every feature collects what it needs, even after another one failed; the first failure
    // decides the run.
    let failure: { error: unknown } | undefined;
    const collecting = performance.now();
    for (const feature of taskFeatures) {
      // Canceled or shut down meanwhile: the results are not wanted any more (nor allowed, for a cancel).
      signal.throwIfAborted();
      try {
        await feature.stopped?.(result);
      } catch (err) {
        log.error('stopped hook failed', { error: err });
        failure ??= { error: err };
      }
    }
    this.#metrics.observe('dw_task_stage_seconds', (performance.now() - collecting) / 1000, { stage: 'artifacts' });
    signal.throwIfAborted();
    if (failure) throw failure.error;
    return { outcome: resolutionFor(payload, exitCode, this.#timedOut), exitCode: this.#timedOut ? -1 : exitCode };
  }

  #labels(): Record<string, string> {
    const { worker, processId } = this.#options;
    return {
      [LABELS.managed]: 'true',
      [LABELS.workerId]: worker.workerId,
      [LABELS.workerGroup]: worker.workerGroup,
      [LABELS.processId]: processId,
      [LABELS.taskId]: this.taskId,
      [LABELS.runId]: String(this.runId),
    };
  }

  /** Says why the run ends early, in the task log (when it exists) and the worker log. */
  #reportError(err: unknown): void {
    const taskLog = this.#taskLog;
    const log = this.#log;
    if (this.#stop && (err === this.#stop || this.#abort.signal.aborted)) {
      taskLog?.error(this.#stop.message);
      log.info('task aborted', { reason: this.#stop.outcome.state });
      return;
    }
    if (err instanceof MalformedPayloadError) {
      taskLog?.error(`The task payload is invalid, so nothing was started:\n${err.problems.map((p) => `  - ${p}`).join('\n')}`);
      log.info('task payload invalid', { problems: err.problems });
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    taskLog?.error(message);
    log.warn('task error', { error: err, outcome: outcomeOf(err).state });
  }

  /**
   * `killed` hooks run in reverse order, seal features' last, each whatever the others did. A
   * failure there (a log upload) makes a completed or failed run an exception: its results are
   * incomplete. An exception already decided stands, as the root cause.
   */
  async #killed(taskFeatures: TaskFeature[], outcome: RunOutcome): Promise<RunOutcome> {
    let final = outcome;
    const sealed = (feature: TaskFeature) => this.#sealed.has(feature);
    const order = [...taskFeatures.filter((f) => !sealed(f)).reverse(), ...taskFeatures.filter(sealed)];
    for (const feature of order) {
      try {
        await feature.killed?.(outcome);
      } catch (err) {
        this.#log.error('killed hook failed', { error: err });
        if (final.state === 'completed' || final.state === 'failed') final = outcomeOf(err);
      }
    }
    return final;
  }
}

/** The program the features run the command through, the last one's (see ContainerAdditions.commandPrefix). */
function commandPrefix(additions: readonly ContainerAdditions[]): { commandPrefix?: string[] } {
  const prefix = additions.filter((a) => a.commandPrefix !== undefined).at(-1)?.commandPrefix;
  return prefix === undefined ? {} : { commandPrefix: prefix };
}

/** The features' CPU pinning, the last one's when several pin (see ContainerAdditions.cpusetCpus). */
function cpuset(additions: readonly ContainerAdditions[]): { cpusetCpus?: string } {
  const pinned = additions.filter((a) => a.cpusetCpus !== undefined).at(-1)?.cpusetCpus;
  return pinned === undefined ? {} : { cpusetCpus: pinned };
}
