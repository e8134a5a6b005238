import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { WorkerConfig } from '@docker-worker/schema';
import {
  FileTaskLog,
  LABELS,
  MalformedPayloadError,
  TaskCanceledError,
  WorkerShutdownError,
  outcomeOf,
  type CacheManager,
  type Container,
  type ContainerAdditions,
  type DockerWorkerPayload,
  type Feature,
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
import { writeFooter, writeHeader } from './header.js';
import { HeldClaim } from './held-claim.js';
import { resolveRun } from './resolve-run.js';
import { validateTask } from './validate-task.js';
import { TaskCaches } from './task-caches.js';
import { SupersededClaims, publishJson } from './superseded-claims.js';
import { applySuperseding } from './superseding.js';
import type { ClaimStore } from '../state/claim-store.js';

export interface TaskRunOptions {
  claim: TaskClaim;
  queue: QueueClient;
  runtime: Runtime;
  features: readonly Feature[];
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
}

/** Shared memory for the container, as the original gave (about 1.8 GB). */
const SHM_SIZE = 1_800_000_000;

/** What the container did, when it got that far. */
interface Execution {
  outcome: RunOutcome;
  exitCode: number;
}

/**
 * One claimed run, through the pipeline of DESIGN.md: validate → link → image → create →
 * created → start → started → exit → stopped → footer → killed → remove → resolve.
 * Whatever fails, the container is removed and the run is resolved (or, when the queue took
 * it away, deliberately left alone).
 */
/** The DESIGN.md outcome table for a container that ran to an exit. */
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
  /** The executed claim, held (reclaimed, stored) from when the run starts. */
  #held!: HeldClaim;
  /** Set when the exit code is in `onExitStatus.purgeCaches`. */
  #purgeCaches = false;
  /** One publisher for the whole run: it bounds the run's concurrent uploads and lists them all. */
  #publisher: QueueArtifactPublisher | undefined;
  /** Whether an enabled feature reads the uploads' hashes (the chain of trust). */
  #hashUploads = false;
  /** The run's work directory (removed at the end), where features spool files. */
  #dir: string | undefined;
  /** Every feature context handed out, so the resolved image can be added to them. */
  #contexts: TaskContext[] = [];

  constructor(options: TaskRunOptions) {
    this.#options = options;
    this.#claim = options.claim;
    this.#caches = new TaskCaches(options.caches);
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

  async run(): Promise<RunOutcome> {
    const supersedingNote = await this.#supersede();
    const { config, worker } = this.#options;
    const claim = this.#claim;
    const log = this.#options.log.child({ taskId: this.taskId, runId: this.runId });
    const started = Date.now();
    const dir = join(config.workDir, 'runs', `${this.taskId}-${this.runId}`);
    await mkdir(dir, { recursive: true });
    this.#dir = dir;
    const taskLog = new FileTaskLog(join(dir, 'task.log'));
    this.#options.onLogOpened?.(taskLog);
    this.#held = new HeldClaim({
      claim,
      queue: this.#options.queue,
      log,
      reclaimDivisor: config.task.reclaimDivisor,
      store: this.#options.claims,
      processId: this.#options.processId,
      onLost: (why) => this.cancel(why),
    });
    const runQueue = this.#held.runQueue;
    await this.#held.start();
    log.info('task run', { image: JSON.stringify(claim.task.payload?.image) });

    writeHeader(taskLog, this.taskId, worker);
    if (supersedingNote) taskLog.info(supersedingNote);
    let taskFeatures: TaskFeature[] = [];
    let execution: Execution = { outcome: { state: 'exception', reason: 'internal-error' }, exitCode: -1 };
    try {
      const { payload, features } = await validateTask(claim.task, this.#options.features, {
        runtime: this.#options.runtime, expandScopes: (scopes) => runQueue.expandScopes(scopes),
        allowPrivileged: config.dockerConfig.allowPrivileged,
        switchedOff: new Set(Object.entries(config.features).filter(([, section]) => section.enabled === false).map(([name]) => name)),
      });
      this.#hashUploads = features.some((feature) => feature.readsUploadHashes === true);
      taskFeatures = features.map((feature) => feature.forTask(this.#featureContext(feature, payload, taskLog, runQueue)));
      execution = await this.#execute(payload, taskFeatures, taskLog, log);
    } catch (err) {
      execution = { outcome: this.#stop?.outcome ?? outcomeOf(err), exitCode: -1 };
      this.#reportError(err, taskLog, log);
      // An invalid payload still gets its log uploaded: it is where the author reads why.
      if (err instanceof MalformedPayloadError && taskFeatures.length === 0) {
        taskFeatures = this.#featuresForInvalidPayload(taskLog, runQueue);
      }
    }
    writeFooter(taskLog, execution.outcome.state === 'completed', execution.exitCode, Date.now() - started);
    await taskLog.close();

    const outcome = await this.#killed(taskFeatures, execution.outcome, log);
    await this.#removeContainer(log);
    await this.#caches.release(this.#purgeCaches).catch((err: unknown) => log.error('cache release failed', { error: err }));
    this.#held.stop();
    await this.#announceSuperseding(outcome, log);
    await this.#resolve(runQueue, outcome, log);
    await this.#superseded?.resolve({ taskId: this.taskId, runId: this.runId }, outcome);
    await this.#held.release();
    await rm(dir, { recursive: true, force: true });
    log.info('task resolved', { outcome: outcome.state, reason: 'reason' in outcome ? outcome.reason : undefined });
    return outcome;
  }

  /**
   * `payload.supersederUrl`: maybe execute another listed task instead and hold the rest
   * (behaviour §1.9). Returns the line for the task log, if superseding was asked for.
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
  async #announceSuperseding(outcome: RunOutcome, log: WorkerLog): Promise<void> {
    const runs = this.#superseded?.runs ?? [];
    if (runs.length === 0 || (outcome.state !== 'completed' && outcome.state !== 'failed')) return;
    try {
      await publishJson(this.#publisherFor(this.#held.runQueue), 'public/supersedes.json', runs);
    } catch (err) {
      log.warn('supersedes.json not published', { error: err });
    }
  }

  #halt(reason: TaskCanceledError | WorkerShutdownError): void {
    if (this.#stop) return;
    this.#stop = reason;
    this.#abort.abort(reason);
    void this.#container?.kill().catch(() => {});
  }

  /**
   * The default features (the log) for a payload that failed validation. Only their `killed`
   * hook runs, with the raw payload minus anything of the wrong type they might read.
   */
  #featuresForInvalidPayload(taskLog: TaskLog, runQueue: RunQueue): TaskFeature[] {
    const raw = this.#claim.task.payload ?? {};
    const payload = { ...raw, log: typeof raw.log === 'string' ? raw.log : undefined } as DockerWorkerPayload;
    return this.#options.features
      .filter((feature) => feature.defaultEnabled)
      .map((feature) => feature.forTask(this.#featureContext(feature, payload, taskLog, runQueue)));
  }

  #publisherFor(runQueue: RunQueue): QueueArtifactPublisher {
    const { config } = this.#options;
    this.#publisher ??= new QueueArtifactPublisher({
      queue: runQueue,
      storageType: config.artifacts.storageType,
      taskExpires: this.#claim.task.expires,
      concurrency: config.artifacts.uploadConcurrency,
      hashContent: this.#hashUploads,
    });
    return this.#publisher;
  }

  #featureContext(feature: Feature, payload: DockerWorkerPayload, taskLog: TaskLog, runQueue: RunQueue): TaskContext {
    const { config, worker } = this.#options;
    const claim = this.#claim;
    const ctx: TaskContext = {
      taskId: this.taskId,
      runId: this.runId,
      task: claim.task,
      payload,
      worker,
      log: taskLog,
      artifacts: this.#publisherFor(runQueue),
      config: config.features[feature.name] ?? {},
      signal: this.#abort.signal,
      workDir: this.#dir,
    };
    this.#contexts.push(ctx);
    return ctx;
  }

  async #execute(payload: DockerWorkerPayload, taskFeatures: TaskFeature[], taskLog: TaskLog, log: WorkerLog): Promise<Execution> {
    const { runtime, worker } = this.#options;
    const claim = this.#claim;
    const signal = this.#abort.signal;
    const additions: ContainerAdditions[] = [];
    for (const feature of taskFeatures) {
      signal.throwIfAborted();
      const added = await feature.link?.();
      if (added) additions.push(added);
    }
    const cacheMounts = await this.#caches.acquire(payload, taskLog);
    signal.throwIfAborted();
    const image = await runtime.ensureImage(payload.image, {
      log: taskLog,
      signal,
      task: claim.task,
      credentials: this.#held.runQueue.credentials,
      // Artifact images are read with the claim's credentials, so with the task's own scopes.
      artifacts: {
        artifactUrl: (taskId, path) => this.#held.runQueue.latestArtifactUrl(taskId, path),
        findTask: (namespace) => this.#held.runQueue.findIndexedTask(namespace),
      },
    });
    for (const ctx of this.#contexts) ctx.image = image;
    signal.throwIfAborted();

    const container = await runtime.createContainer({
      image: image.id,
      command: payload.command,
      env: containerEnv({ featureEnv: Object.assign({}, ...additions.map((a) => a.env ?? {})), payload, taskId: this.taskId, runId: this.runId, worker }),
      labels: this.#labels(),
      binds: [...cacheMounts, ...additions.flatMap((a) => a.binds ?? [])],
      devices: additions.flatMap((a) => a.devices ?? []),
      capAdd: additions.flatMap((a) => a.capAdd ?? []),
      extraHosts: ['localhost.localdomain:127.0.0.1', ...additions.flatMap((a) => a.extraHosts ?? [])],
      privileged: payload.capabilities?.privileged === true || additions.some((a) => a.privileged),
      shmSize: SHM_SIZE,
    });
    this.#container = container;
    // A cancel that came while the container was being created found nothing to kill.
    signal.throwIfAborted();
    for (const feature of taskFeatures) await feature.created?.(container);

    taskLog.info('=== Task Starting ===');
    const copying = pipeline(container.output, taskLog.output);
    try {
      await container.start();
    } catch (err) {
      container.output.destroy();
      await copying.catch(() => {});
      throw err;
    }
    const startedAt = Date.now();
    log.info('container started', { containerId: container.id });
    const timer = setTimeout(() => {
      this.#timedOut = true;
      taskLog.error(`Task timeout after ${payload.maxRunTime} seconds. Force killing container.`);
      void container.kill().catch(() => {});
    }, payload.maxRunTime * 1000);
    let exitCode: number;
    try {
      for (const feature of taskFeatures) await feature.started?.();
      exitCode = await container.wait();
      await copying;
    } finally {
      clearTimeout(timer);
    }
    taskLog.info('=== Task Finished ===');
    // Canceled or shut down: the container was killed, its results are not the task's.
    if (this.#stop) throw this.#stop;

    this.#purgeCaches = payload.onExitStatus?.purgeCaches?.includes(exitCode) ?? false;
    const result = { exitCode, timedOut: this.#timedOut, durationMs: Date.now() - startedAt };
    for (const feature of taskFeatures) await feature.stopped?.(result);
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

  #reportError(err: unknown, taskLog: TaskLog, log: WorkerLog): void {
    if (this.#stop && (err === this.#stop || this.#abort.signal.aborted)) {
      taskLog.error(this.#stop.message);
      log.info('task aborted', { reason: this.#stop.outcome.state });
      return;
    }
    if (err instanceof MalformedPayloadError) {
      taskLog.error(`The task payload is invalid, so nothing was started:\n${err.problems.map((p) => `  - ${p}`).join('\n')}`);
      log.info('task payload invalid', { problems: err.problems });
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    taskLog.error(message);
    log.warn('task error', { error: err, outcome: outcomeOf(err).state });
  }

  /** `killed` hooks run in reverse order; a failure there (a log upload) is infrastructure's. */
  async #killed(taskFeatures: TaskFeature[], outcome: RunOutcome, log: WorkerLog): Promise<RunOutcome> {
    let final = outcome;
    for (const feature of [...taskFeatures].reverse()) {
      try {
        await feature.killed?.(outcome);
      } catch (err) {
        log.error('killed hook failed', { error: err });
        if (final.state !== 'canceled') final = outcomeOf(err);
      }
    }
    return final;
  }

  async #removeContainer(log: WorkerLog): Promise<void> {
    if (!this.#container) return;
    try {
      await this.#container.remove();
      log.debug('container removed', { containerId: this.#container.id });
    } catch (err) {
      log.error('container removal failed', { containerId: this.#container.id, error: err });
    }
  }

  async #resolve(runQueue: RunQueue, outcome: RunOutcome, log: WorkerLog): Promise<void> {
    if (outcome.state === 'canceled') return;
    await resolveRun({ runQueue, queue: this.#options.queue, resolution: outcome, takenUntil: () => this.#held.takenUntil, log });
  }

}
