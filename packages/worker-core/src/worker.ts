import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkerConfig } from '@docker-worker/schema';
import { LABELS, NO_METRICS, type CacheManager, type Container, type Metrics, type Runtime, type TaskLog, type WorkerIdentity } from '@docker-worker/worker-contract';
import type { BoundFeature } from './run/feature-binding.js';
import { ConfigError } from './config/config-error.js';
import { featureSettings } from './config/feature-config.js';
import type { WorkerLog } from './log/worker-log.js';
import type { QueueClient } from './queue/queue-client.js';
import type { TaskClaim } from './queue/types.js';
import { TaskRun, type LocalRunExtras, type RunReport } from './run/task-run.js';
import { ClaimStore } from './state/claim-store.js';
import type { CancelFeed } from './lifecycle/canceled-run.js';
import { PulseCancelListener } from './lifecycle/pulse-cancel-listener.js';
import { DiskGate } from './capacity/disk-gate.js';
import { PurgePoller } from './capacity/purge-poller.js';
import { HostLock, lockWorkDir, processLockName } from './state/host-locks.js';
import { removeLeftoverRunDirs, removeLeftoversOfDeadProcesses } from './state/leftovers.js';
import { CacheDiskUsage } from './metrics/cache-disk-usage.js';
import { HostMetrics } from './metrics/host-metrics.js';
import { LifecycleEvents } from './metrics/lifecycle-events.js';

export interface WorkerOptions {
  config: WorkerConfig;
  /** With the worker's own credentials. */
  queue: QueueClient;
  runtime: Runtime;
  /** Every feature this worker offers, bound to docker-worker's payload (see bindFeature). */
  features: readonly BoundFeature[];
  log: WorkerLog;
  /** Named caches kept between tasks; without one every cache mount starts empty. */
  caches?: CacheManager;
  /** Stop claiming after this many claims (`worker run` takes exactly one). */
  maxTasks?: number;
  onLogOpened?: (log: TaskLog, run: TaskRun) => void;
  onRunFinished?: (run: TaskRun, report: RunReport) => void;
  /**
   * The lock of `config.workDir`, when the caller took it before (`worker start` does, before
   * it writes its connection file there); without one start() takes it. Either way a second
   * live worker on the same work directory is refused.
   */
  workDirLock?: HostLock;
  /** Said by this worker's locks to whoever they refuse (`worker start`, `worker run`). */
  lockHolder?: string;
  /**
   * Where the worker and its runs record their measurements (see metrics/catalogue.ts); with
   * one, the host is sampled every `metricsCollection.hostMetricsInterval`. None: nothing kept.
   */
  metrics?: Metrics;
  /** `worker run`'s secrets to mask and directories to mount, for every run. */
  localRun?: LocalRunExtras;
  /**
   * Cancellations heard in the process (the embedded queue's): a canceled run stops at once
   * rather than at its next reclaim. Pulse, when configured, is listened to as well.
   */
  cancellations?: CancelFeed;
}

/** A claimWork reply that comes back faster than this was not a long poll: pause before the next. */
const MIN_POLL_MS = 1000;
/** After losing the engine: how long it must answer without a miss, and how often it is asked. */
const ENGINE_STEADY_MS = 5000;
const ENGINE_POLL_MS = 500;

export function identityOf(config: WorkerConfig, rootUrl: string): WorkerIdentity {
  return {
    rootUrl,
    provisionerId: config.provisionerId,
    workerType: config.workerType,
    workerGroup: config.workerGroup,
    workerId: config.workerId,
    workerNodeType: config.workerNodeType,
    host: config.host,
    publicIp: config.publicIp,
    privateIp: config.privateIp,
    instanceId: config.instanceId,
    region: config.region,
  };
}

/**
 * The claim loop: asks the queue for as many tasks as there are free slots, runs each as a
 * TaskRun, and stops claiming when told to. Claims are only made for free capacity, so every
 * claim it holds is being worked on.
 */
export class Worker {
  /** Labels this process's containers, so a later process can tell its leftovers apart. */
  readonly processId = randomUUID();
  readonly identity: WorkerIdentity;
  #options: WorkerOptions;
  #runs = new Set<TaskRun>();
  #claimed = 0;
  #stopping = false;
  #abortRuns = false;
  /** 'slot' whenever a run ends or stop() wants the loop to notice. */
  #events = new EventEmitter();
  #loop: Promise<void> | undefined;
  #stopWaiting = new AbortController();
  /** Aborts the claimWork long poll under way when running tasks are aborted (SIGTERM). */
  #stopClaiming = new AbortController();
  /** Set when a run lost the engine: claim nothing until it answers again. */
  #engineLost = false;
  /** Containers whose removal failed (the engine was away); removed once it answers. */
  #leftovers = new Set<Container>();
  #claims: ClaimStore;
  #pulse: PulseCancelListener | undefined;
  /** Ends the subscription to `cancellations`. */
  #unsubscribeCancels: (() => void) | undefined;
  #disk: DiskGate;
  #gcTimer: NodeJS.Timeout | undefined;
  #purges: PurgePoller | undefined;
  #collecting: Promise<void> | undefined;
  /** The config runs get: `features` as checked at start (each section validated, `enabled` removed). */
  #runConfig: WorkerConfig;
  /** Features the config switches off (`features.<name>.enabled: false`). */
  #switchedOff: ReadonlySet<string> = new Set();
  /** The capacity last used, as #hostCapacity logs its changes. */
  #capacity = 0;
  /** Held from start() until stop(): the work directory's lock (when start() took it) and this process's. */
  #locks: HostLock[] = [];
  #metrics: Metrics;
  #lifecycle: LifecycleEvents;
  #host: HostMetrics | undefined;
  #cacheUsage: CacheDiskUsage | undefined;

  constructor(options: WorkerOptions) {
    this.#options = options;
    this.#metrics = options.metrics ?? NO_METRICS;
    this.#runConfig = options.config;
    this.identity = identityOf(options.config, options.queue.rootUrl);
    this.#lifecycle = new LifecycleEvents(options.log, this.identity);
    this.#claims = new ClaimStore(options.config.workDir);
    if (options.caches) {
      this.#purges = new PurgePoller({ queue: options.queue, workerPoolId: this.#taskQueueId(), caches: options.caches, log: options.log, metrics: options.metrics });
    }
    this.#disk = new DiskGate({ path: options.config.dockerVolume, threshold: options.config.capacityManagement.diskspaceThreshold, log: options.log });
    this.#events.setMaxListeners(0);
  }

  get runningTasks(): number {
    return this.#runs.size;
  }

  /** Checks the runtime, then claims in the background until stop(). */
  async start(): Promise<void> {
    await this.#options.runtime.ping();
    await this.#checkFeatures();
    await this.#lock();
    try {
      await this.#recover();
      this.#startGc();
      await this.#listenForCancels();
    } catch (err) {
      // Not started: leave the work directory to whoever tries next.
      clearInterval(this.#gcTimer);
      this.#unsubscribeCancels?.();
      await this.#unlock();
      throw err;
    }
    this.#options.log.info('start', { capacity: this.#options.config.capacity, taskQueueId: this.#taskQueueId() });
    if (this.#options.metrics) {
      const { config, log } = this.#options;
      this.#host = new HostMetrics({ metrics: this.#metrics, dockerVolume: config.dockerVolume, intervalMs: config.metricsCollection.hostMetricsInterval, log });
      this.#host.start();
      this.#cacheUsage = new CacheDiskUsage({ metrics: this.#metrics, root: config.cache.volumeCachePath, intervalMs: config.metricsCollection.cacheDiskUsageInterval, log });
      this.#cacheUsage.start();
    }
    this.#recordCapacity(this.#options.config.capacity);
    this.#lifecycle.emit('workerReady');
    this.#loop = this.#claimLoop();
  }

  /**
   * Stop claiming. With `finishTasks`, running tasks end on their own; without, they are
   * aborted as `worker-shutdown` (logs still uploaded). Resolves when every run is resolved.
   */
  async stop(options: { finishTasks: boolean }): Promise<void> {
    this.#stopping = true;
    this.#abortRuns ||= !options.finishTasks;
    this.#stopWaiting.abort();
    // The queue claims nothing for a long poll whose connection is gone: aborting it means the
    // tasks it would bring are not claimed only to be handed straight back, each losing a run.
    // Finishing tasks (SIGINT) keeps the poll, and runs what it brings.
    if (this.#abortRuns) this.#stopClaiming.abort();
    this.#events.emit('slot');
    if (this.#abortRuns) for (const run of this.#runs) run.shutdown();
    await this.#loop;
    await this.idle();
    clearInterval(this.#gcTimer);
    await this.#host?.stop();
    await this.#cacheUsage?.stop();
    this.#unsubscribeCancels?.();
    await this.#pulse?.stop();
    await this.#unlock();
    this.#lifecycle.emit('shutdown');
  }

  /** Resolves once no task is running. */
  async idle(): Promise<void> {
    while (this.#runs.size > 0) await once(this.#events, 'slot');
  }

  /** Resolves when the loop has ended and every run finished (after stop() or maxTasks). */
  async finished(): Promise<void> {
    await this.#loop;
    await this.idle();
  }

  /**
   * Each feature's config section is checked against the schema the feature declares (an
   * unknown key or a bad value stops the start, naming it, as for the rest of the config); then
   * each feature the config does not switch off (`features.<name>.enabled: false`) says whether
   * this host can offer it, given its section; one that cannot stops the start with the reason
   * (a chain-of-trust key file that is configured but missing, say), so a misconfigured worker
   * never claims a task it would then fail.
   */
  async #checkFeatures(): Promise<void> {
    const { features, config } = this.#options;
    const { settings, problems } = featureSettings(features.map((bound) => bound.feature), config.features);
    if (problems.length > 0) throw new ConfigError(`invalid worker config:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
    this.#runConfig = { ...config, features: settings.sections };
    this.#switchedOff = settings.switchedOff;
    this.#capacity = config.capacity;
    const refusals: string[] = [];
    for (const { feature } of features) {
      if (!feature.checkHost || settings.switchedOff.has(feature.name)) continue;
      const why = await feature.checkHost(this.identity, settings.sections[feature.name] ?? {}, this.#options.log);
      if (why) refusals.push(`feature ${feature.name}: ${why}`);
    }
    if (refusals.length > 0) throw new ConfigError(`this worker cannot start:\n${refusals.map((p) => `  - ${p}`).join('\n')}`);
  }

  /**
   * `capacity`, lowered to the least limit of the features that have one (the devices feature:
   * its limited devices, one per task). Said in the worker log each time the result changes.
   */
  async #hostCapacity(): Promise<number> {
    const { config, features, log } = this.#options;
    let capacity = config.capacity;
    let reason: string | undefined;
    for (const { feature } of features) {
      if (!feature.capacity || this.#switchedOff.has(feature.name)) continue;
      try {
        const limit = await feature.capacity();
        if (limit && limit.limit < capacity) {
          capacity = limit.limit;
          reason = `feature ${feature.name}: ${limit.reason}`;
        }
      } catch (err) {
        // A feature that cannot say (a device root gone unreadable) does not stop the worker.
        log.warn('feature capacity unknown', { feature: feature.name, error: err });
      }
    }
    if (capacity !== this.#capacity) {
      log.info('host capacity adjusted', { configured: config.capacity, capacity, ...(reason ? { reason } : {}) });
      this.#capacity = capacity;
    }
    this.#recordCapacity(capacity);
    return capacity;
  }

  #recordCapacity(capacity: number): void {
    const running = this.#runs.size;
    this.#metrics.set('dw_capacity', this.#options.config.capacity, { kind: 'configured' });
    this.#metrics.set('dw_capacity', capacity, { kind: 'effective' });
    this.#metrics.set('dw_capacity', running, { kind: 'running' });
    this.#metrics.set('dw_capacity', Math.max(0, capacity - running), { kind: 'idle' });
  }

  /**
   * Hold the work directory (claims, run directories and the embedded queue's connection file
   * belong to one live worker) and this process's own lock, which its containers' process label
   * points at, before any container is made.
   */
  async #lock(): Promise<void> {
    const { config, workDirLock, lockHolder } = this.#options;
    const holder = { pid: process.pid, what: lockHolder, workerId: config.workerId };
    if (!workDirLock) this.#locks.push(await lockWorkDir(config.workDir, holder));
    this.#locks.push(await HostLock.acquire(processLockName(this.processId), holder));
  }

  async #unlock(): Promise<void> {
    for (const lock of this.#locks.splice(0)) await lock.release();
  }

  /**
   * Clean up after an earlier process of this worker that did not stop cleanly (SIGKILL, a
   * crash, a reboot): remove its containers and its runs' networks, found by label, and only
   * those whose process is gone (another live worker with this identity keeps its own); remove
   * its run directories;
   * resolve its still-valid claims `exception/worker-shutdown`, so the queue retries them now
   * rather than when the claims expire. The work directory's lock makes everything in it ours.
   */
  async #recover(): Promise<void> {
    const { runtime, queue, log, config } = this.#options;
    const leftovers = await removeLeftoversOfDeadProcesses(runtime, { [LABELS.workerGroup]: config.workerGroup, [LABELS.workerId]: config.workerId }, this.processId);
    if (leftovers.removed > 0) log.info('removed leftover containers', { count: leftovers.removed });
    if (leftovers.kept > 0) log.info('kept containers of a live worker with this identity', { count: leftovers.kept });
    if (leftovers.networks > 0) log.info('removed leftover networks', { count: leftovers.networks });
    const runDirs = await removeLeftoverRunDirs(config.workDir);
    if (runDirs > 0) log.info('removed leftover run directories', { count: runDirs });
    for (const claim of await this.#claims.list()) {
      if (Date.parse(claim.takenUntil) > Date.now()) {
        try {
          await queue.forRun(claim.taskId, claim.runId, claim.credentials).reportException('worker-shutdown');
          log.info('resolved leftover claim', { taskId: claim.taskId, runId: claim.runId, reason: 'worker-shutdown' });
        } catch (err) {
          // Most often 409: the queue already resolved it (canceled, or our own earlier attempt).
          log.warn('leftover claim not resolved', { taskId: claim.taskId, runId: claim.runId, error: err });
        }
      }
      await this.#claims.remove(claim.taskId, claim.runId);
    }
  }

  async #listenForCancels(): Promise<void> {
    const { config, log, cancellations } = this.#options;
    this.#unsubscribeCancels = cancellations?.(({ taskId, runId }) => this.#cancelRun(taskId, runId, 'canceled (the embedded queue said so)'));
    if (!config.pulse) {
      if (!cancellations) log.info('no pulse configured: cancellations are noticed at the next reclaim', {});
      return;
    }
    this.#pulse = new PulseCancelListener({
      pulse: config.pulse,
      identity: config,
      log,
      onCanceled: (taskId, runId) => this.#cancelRun(taskId, runId, 'canceled (Pulse task-exception message)'),
      onReconnected: () => void this.#checkRunsStillOurs(),
    });
    await this.#pulse.start();
  }

  #cancelRun(taskId: string, runId: number, why: string): void {
    for (const run of this.#runs) if (run.cancelRun(taskId, runId, why)) return;
  }

  /** After a Pulse outage a cancel message may have been lost: ask the queue about each run. */
  async #checkRunsStillOurs(): Promise<void> {
    for (const run of [...this.#runs]) {
      try {
        const status = await this.#options.queue.status(run.taskId);
        const state = status.runs.find((r) => r.runId === run.runId);
        if (state && state.state !== 'running') this.#cancelRun(run.taskId, run.runId, `the queue says the run is ${state.state} (${state.reasonResolved})`);
      } catch (err) {
        this.#options.log.warn('status check failed', { taskId: run.taskId, error: err });
      }
    }
  }

  #taskQueueId(): string {
    return `${this.#options.config.provisionerId}/${this.#options.config.workerType}`;
  }

  async #claimLoop(): Promise<void> {
    const { config, queue, log } = this.#options;
    const maxTasks = this.#options.maxTasks ?? Infinity;
    while (!this.#stopping && this.#claimed < maxTasks) {
      const capacity = await this.#hostCapacity();
      const free = Math.min(capacity - this.#runs.size, maxTasks - this.#claimed, 32);
      if (free <= 0) {
        // No run to end and free a slot: the features' devices are gone; look again later.
        if (this.#runs.size === 0 && capacity < config.capacity) await this.#pause(config.taskQueue.pollInterval);
        else await once(this.#events, 'slot');
        continue;
      }
      if (this.#engineLost) {
        await this.#awaitEngine();
        continue;
      }
      if (!(await this.#diskAllows(free))) {
        // Lowered by the disk: no slot is free until space is.
        this.#recordCapacity(this.#runs.size);
        // Free space before claiming more: unused images go first.
        await this.collectGarbage({ diskPressure: true });
        await this.#pause(config.taskQueue.pollInterval);
        continue;
      }
      const asked = Date.now();
      let claims: TaskClaim[];
      try {
        claims = await queue.claimWork(this.#taskQueueId(), { workerGroup: config.workerGroup, workerId: config.workerId, tasks: free }, { signal: this.#stopClaiming.signal });
      } catch (err) {
        if (this.#stopping) break;
        this.#metrics.increment('dw_claim_work_calls_total', { result: 'error' });
        log.warn('claim work failed', { error: err, retryInMs: config.taskQueue.pollInterval });
        await this.#pause(config.taskQueue.pollInterval);
        continue;
      }
      this.#metrics.increment('dw_claim_work_calls_total', { result: claims.length > 0 ? 'tasks' : 'empty' });
      this.#metrics.increment('dw_claim_work_tasks_total', {}, claims.length);
      // Purges requested before these tasks were claimed apply to the caches they are about to
      // take; a task without caches takes none, so it does not wait for that round trip.
      if (claims.some((claim) => Object.keys((claim.task.payload?.cache ?? {}) as object).length > 0)) await this.#purges?.poll();
      for (const claim of claims) this.#launch(claim);
      if (claims.length === 0 && Date.now() - asked < MIN_POLL_MS) await this.#pause(config.taskQueue.pollInterval);
    }
    log.info('claiming stopped', { running: this.#runs.size });
  }

  /**
   * The engine went away under a run: wait until it has answered steadily for a while (the
   * runs it killed are resolved meanwhile), then remove the containers that could not be
   * removed while it was away, before claiming more. Steadily, because an engine shutting down
   * still answers for a second or so after it has stopped its containers: a claim made then
   * would be lost to the same shutdown.
   */
  async #awaitEngine(): Promise<void> {
    const { runtime, log } = this.#options;
    log.warn('engine unavailable: claiming paused until it answers', {});
    let answeringSince: number | undefined;
    while (!this.#stopping) {
      try {
        await runtime.ping();
        answeringSince ??= Date.now();
        if (Date.now() - answeringSince >= ENGINE_STEADY_MS) break;
      } catch {
        answeringSince = undefined;
      }
      await this.#pause(ENGINE_POLL_MS);
    }
    if (this.#stopping) return;
    this.#engineLost = false;
    log.info('engine available again: claiming resumes', {});
    await this.#removeLeftovers();
  }

  async #removeLeftovers(): Promise<void> {
    for (const container of [...this.#leftovers]) {
      try {
        await container.remove();
        this.#leftovers.delete(container);
        this.#options.log.info('leftover container removed', { containerId: container.id });
      } catch (err) {
        this.#options.log.warn('leftover container not removed yet', { containerId: container.id, error: err });
      }
    }
  }

  #startGc(): void {
    if (!this.#options.runtime.gc && !this.#purges) return;
    this.#gcTimer = setInterval(() => void this.collectGarbage(), this.#options.config.garbageCollection.interval);
    this.#gcTimer.unref();
  }

  /** One garbage-collection sweep (never two at once); failures are logged, not thrown. */
  collectGarbage(options: { diskPressure?: boolean } = {}): Promise<void> {
    const { runtime, config, log } = this.#options;
    void this.#purges?.poll();
    if (this.#leftovers.size > 0) void this.#removeLeftovers();
    if (!runtime.gc) return Promise.resolve();
    this.#collecting ??= runtime
      .gc({ imageExpirationMs: config.garbageCollection.imageExpiration, diskPressure: options.diskPressure })
      .then(
        (report) => {
          this.#metrics.increment('dw_gc_images_removed_total', {}, report.removedImages.length);
          this.#metrics.increment('dw_gc_bytes_removed_total', {}, report.removedBytes ?? 0);
          if (report.removedImages.length > 0) log.info('garbage collection', { removedImages: report.removedImages, diskPressure: options.diskPressure ?? false });
        },
        (err: unknown) => log.warn('garbage collection failed', { error: err }),
      )
      .finally(() => {
        this.#collecting = undefined;
      });
    return this.#collecting;
  }

  async #diskAllows(freeSlots: number): Promise<boolean> {
    try {
      return await this.#disk.allows(freeSlots);
    } catch (err) {
      // A volume we cannot measure is a configuration problem, not a reason to stop working.
      this.#options.log.warn('disk check failed', { volume: this.#options.config.dockerVolume, error: err });
      return true;
    }
  }

  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#stopWaiting.signal }).catch(() => {});
  }

  #launch(claim: TaskClaim): void {
    this.#claimed++;
    const { log } = this.#options;
    log.info('claimed task', { taskId: claim.status.taskId, runId: claim.runId, takenUntil: claim.takenUntil });
    const run = new TaskRun({
      claim,
      queue: this.#options.queue,
      runtime: this.#options.runtime,
      features: this.#options.features,
      config: this.#runConfig,
      worker: this.identity,
      log,
      processId: this.processId,
      claims: this.#claims,
      caches: this.#options.caches,
      onLogOpened: (taskLog) => this.#options.onLogOpened?.(taskLog, run),
      metrics: this.#metrics,
      lifecycle: this.#lifecycle,
      onLeftover: (container) => this.#leftovers.add(container),
      localRun: this.#options.localRun,
    });
    this.#runs.add(run);
    this.#recordCapacity(this.#capacity);
    // Claimed while shutting down: hand it straight back as worker-shutdown.
    if (this.#abortRuns) run.shutdown();
    void run
      .run()
      .then(
        (report) => {
          if (report.engineLost) this.#engineLost = true;
          this.#options.onRunFinished?.(run, report);
        },
        // run() undoes what it started and never throws; this is a bug's last line of defence.
        (err: unknown) => log.error('task run crashed', { taskId: run.taskId, runId: run.runId, error: err }),
      )
      .finally(() => {
        this.#runs.delete(run);
        this.#recordCapacity(this.#capacity);
        this.#events.emit('slot');
      });
  }
}
