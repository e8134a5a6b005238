// The queue's task state machine: tasks, their runs and the transitions
// pending → running → completed/failed/exception, with retries, claim expiry, deadlines
// and dependencies. Every change is published as a Pulse-shaped message.
//
// All transitions are synchronous, so a pending run can never be handed to two claimers:
// JavaScript runs one claim to completion before the next begins.

import { InputError, RequestConflict, ResourceNotFound } from '../errors.js';
import { buildMessage, type PulseMessage, type QueueExchange } from './events.js';
import { priorityRank } from './task-definition.js';
import type { ReasonCreated, ReasonResolved, RunStatus, TaskDefinition, TaskState, TaskStatus } from './types.js';

export interface TaskRecord {
  taskId: string;
  definition: TaskDefinition;
  retriesLeft: number;
  runs: RunStatus[];
  /** Order in which the latest run became pending, for first-in-first-out claiming. */
  pendingSeq: number;
}

export interface QueueStateOptions {
  /** seconds a claim lasts */
  claimTimeout: number;
  publish(message: PulseMessage): void;
  /** called when a run becomes pending, to wake long-polling claimWork calls */
  onPending(taskQueueId: string): void;
  /** called when a task passes its `expires` and is dropped */
  onTaskExpired(taskId: string): void;
}

export interface ClaimedRun {
  record: TaskRecord;
  runId: number;
  takenUntil: Date;
}

/** The real queue's limit on runs of one task (rerunTask refuses more). */
const MAX_RUNS = 50;

const RESOLVED_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'exception']);

/** Resolutions that the queue answers with a new run when retries are left. */
const RETRY_REASONS: Partial<Record<ReasonResolved, ReasonCreated>> = {
  'worker-shutdown': 'retry',
  'intermittent-task': 'task-retry',
  'claim-expired': 'retry',
};

function iso(ms: number): string {
  return new Date(ms).toJSON();
}

export class QueueState {
  private readonly tasks = new Map<string, TaskRecord>();
  /** dependency taskId → tasks waiting for it */
  private readonly dependents = new Map<string, Set<string>>();
  private seq = 0;

  constructor(private readonly options: QueueStateOptions) {}

  get(taskId: string): TaskRecord | undefined {
    return this.tasks.get(taskId);
  }

  require(taskId: string): TaskRecord {
    const record = this.tasks.get(taskId);
    if (!record) throw new ResourceNotFound(`Task ${taskId} not found`);
    return record;
  }

  /** A detached copy of the task-status structure. */
  status(record: TaskRecord): TaskStatus {
    const d = record.definition;
    const latest = record.runs[record.runs.length - 1];
    const state: TaskState = latest ? latest.state : 'unscheduled';
    return {
      taskId: record.taskId,
      provisionerId: d.provisionerId,
      workerType: d.workerType,
      taskQueueId: d.taskQueueId,
      schedulerId: d.schedulerId,
      projectId: d.projectId,
      taskGroupId: d.taskGroupId,
      deadline: d.deadline,
      expires: d.expires,
      retriesLeft: record.retriesLeft,
      state,
      runs: record.runs.map((run) => ({ ...run })),
    };
  }

  // ---------------------------------------------------------------- createTask

  /**
   * Defines a task. Repeating an identical definition is a no-op (`created: false`); a
   * different one for the same taskId is a conflict.
   */
  createTask(taskId: string, definition: TaskDefinition, now: number = Date.now()): { record: TaskRecord; created: boolean } {
    const existing = this.tasks.get(taskId);
    if (existing) {
      if (JSON.stringify(existing.definition) !== JSON.stringify(definition)) {
        throw new RequestConflict(`taskId ${taskId} already used by another task`);
      }
      return { record: existing, created: false };
    }
    const dependencies = definition.dependencies.filter((dep) => dep !== taskId);
    const missing = dependencies.filter((dep) => !this.tasks.has(dep));
    if (missing.length > 0) throw new InputError(`dependencies not found: ${missing.join(', ')}`);

    const record: TaskRecord = { taskId, definition, retriesLeft: definition.retries, runs: [], pendingSeq: 0 };
    this.tasks.set(taskId, record);
    for (const dep of dependencies) {
      let set = this.dependents.get(dep);
      if (!set) this.dependents.set(dep, (set = new Set()));
      set.add(taskId);
    }
    this.publish('task-defined', record, undefined, {});
    if (this.dependenciesSatisfied(record)) this.addRun(record, 'scheduled', now);
    return { record, created: true };
  }

  /**
   * Whether every dependency has resolved as `requires` asks: `all-completed`, each one's
   * latest run completed; `all-resolved`, each one resolved in any way (and not retrying).
   * A task listed among its own dependencies never satisfies them: it waits for scheduleTask,
   * as on the real queue.
   */
  private dependenciesSatisfied(record: TaskRecord): boolean {
    const allowed = record.definition.requires === 'all-resolved' ? RESOLVED_STATES : new Set(['completed']);
    return record.definition.dependencies
      .every((dep) => {
        const depRecord = this.tasks.get(dep);
        const latest = depRecord?.runs[depRecord.runs.length - 1];
        return latest !== undefined && allowed.has(latest.state);
      });
  }

  /** Schedules unscheduled dependents once a task is finally resolved. */
  private taskResolved(taskId: string, now: number): void {
    for (const dependentId of this.dependents.get(taskId) ?? []) {
      const dependent = this.tasks.get(dependentId);
      if (!dependent || dependent.runs.length > 0) continue;
      if (Date.parse(dependent.definition.deadline) <= now) continue;
      if (this.dependenciesSatisfied(dependent)) this.addRun(dependent, 'scheduled', now);
    }
  }

  /**
   * scheduleTask: the first run of a task that is waiting for its dependencies (or for
   * itself), now. Idempotent: a task that has runs is left as it is.
   */
  schedule(taskId: string, now: number = Date.now()): TaskRecord {
    const record = this.require(taskId);
    this.settle(record, now);
    if (Date.parse(record.definition.deadline) <= now) throw new RequestConflict(`Task ${taskId} has passed its deadline`);
    if (record.runs.length === 0) this.addRun(record, 'scheduled', now);
    return record;
  }

  /**
   * rerunTask: a new run for a resolved task (even a completed one), with its retries reset; an
   * unscheduled task is scheduled whatever its dependencies. A pending or running task is left
   * as it is. Refused past the deadline, and after 50 runs (the real queue's limit).
   */
  rerun(taskId: string, now: number = Date.now()): TaskRecord {
    const record = this.require(taskId);
    this.settle(record, now);
    if (Date.parse(record.definition.deadline) <= now) throw new RequestConflict(`Task ${taskId} has passed its deadline`);
    const latest = record.runs[record.runs.length - 1];
    if (latest && (latest.state === 'pending' || latest.state === 'running')) return record;
    if (record.runs.length >= MAX_RUNS) throw new RequestConflict(`Task ${taskId} has ${record.runs.length} runs, the most a task may have`);
    record.retriesLeft = record.definition.retries;
    this.addRun(record, latest ? 'rerun' : 'scheduled', now);
    return record;
  }

  /** The tasks listing `taskId` among their dependencies, in the order they were created. */
  dependentsOf(taskId: string): TaskRecord[] {
    return [...(this.dependents.get(taskId) ?? [])].flatMap((id) => this.tasks.get(id) ?? []);
  }

  // ---------------------------------------------------------------- runs

  private addRun(record: TaskRecord, reasonCreated: ReasonCreated, now: number): RunStatus {
    const run = this.pushRun(record, reasonCreated, now);
    this.announcePending(record, run);
    return run;
  }

  private pushRun(record: TaskRecord, reasonCreated: ReasonCreated, now: number): RunStatus {
    const run: RunStatus = { runId: record.runs.length, state: 'pending', reasonCreated, scheduled: iso(now) };
    record.runs.push(run);
    record.pendingSeq = ++this.seq;
    return run;
  }

  private announcePending(record: TaskRecord, run: RunStatus): void {
    this.publish('task-pending', record, run.runId, { runId: run.runId });
    this.options.onPending(record.definition.taskQueueId);
  }

  private requireRun(record: TaskRecord, runId: number): RunStatus {
    const run = record.runs[runId];
    if (!run) throw new ResourceNotFound(`Run ${runId} of task ${record.taskId} not found`);
    return run;
  }

  private isLatest(record: TaskRecord, run: RunStatus): boolean {
    return record.runs[record.runs.length - 1] === run;
  }

  /**
   * Resolves a run as exception and, for retryable reasons with retries left, adds the
   * retry run. Publishes task-exception (and task-pending for the retry).
   */
  private resolveException(record: TaskRecord, run: RunStatus, reason: ReasonResolved, now: number): void {
    run.state = 'exception';
    run.reasonResolved = reason;
    run.resolved = iso(now);
    // A run that never started has no takenUntil to report.
    const worker = run.workerGroup !== undefined ? { workerGroup: run.workerGroup, workerId: run.workerId } : {};
    const retry = RETRY_REASONS[reason];
    // Like the real queue, the retry run is part of the same change, so the task-exception
    // message's status already shows it; task-pending for it follows.
    let retryRun: RunStatus | undefined;
    if (retry !== undefined && record.retriesLeft > 0) {
      record.retriesLeft -= 1;
      retryRun = this.pushRun(record, retry, now);
    }
    this.publish('task-exception', record, run.runId, { runId: run.runId, ...worker });
    if (retryRun) this.announcePending(record, retryRun);
    else this.taskResolved(record.taskId, now);
  }

  // ---------------------------------------------------------------- timers

  /**
   * Applies the deadline and claim-expiry rules to one task. Called by the periodic sweep
   * and before any call that depends on the run still being live, so that the outcome does
   * not depend on when the sweep last ran.
   */
  settle(record: TaskRecord, now: number = Date.now()): void {
    const latest = record.runs[record.runs.length - 1];
    const pastDeadline = Date.parse(record.definition.deadline) <= now;
    if (pastDeadline) {
      if (!latest) {
        // A task that never got a run (waiting on dependencies) still ends as an exception.
        const run: RunStatus = { runId: 0, state: 'pending', reasonCreated: 'exception', scheduled: iso(now) };
        record.runs.push(run);
        this.resolveException(record, run, 'deadline-exceeded', now);
      } else if (latest.state === 'pending' || latest.state === 'running') {
        this.resolveException(record, latest, 'deadline-exceeded', now);
      }
      return;
    }
    if (latest?.state === 'running' && latest.takenUntil !== undefined && Date.parse(latest.takenUntil) <= now) {
      this.resolveException(record, latest, 'claim-expired', now);
    }
  }

  /** Claim expiry, deadlines, and dropping tasks past `expires`. */
  sweep(now: number = Date.now()): void {
    for (const record of [...this.tasks.values()]) {
      if (Date.parse(record.definition.expires) <= now) {
        this.tasks.delete(record.taskId);
        this.dependents.delete(record.taskId);
        this.options.onTaskExpired(record.taskId);
        continue;
      }
      this.settle(record, now);
    }
  }

  // ---------------------------------------------------------------- claims

  private startRun(record: TaskRecord, run: RunStatus, workerGroup: string, workerId: string, now: number): ClaimedRun {
    const takenUntil = new Date(now + this.options.claimTimeout * 1000);
    run.state = 'running';
    run.workerGroup = workerGroup;
    run.workerId = workerId;
    run.started = iso(now);
    run.takenUntil = takenUntil.toJSON();
    this.publish('task-running', record, run.runId, {
      runId: run.runId,
      workerGroup,
      workerId,
      takenUntil: run.takenUntil,
    });
    return { record, runId: run.runId, takenUntil };
  }

  /** Hands out up to `count` pending runs of `taskQueueId`, highest priority first. */
  claimWork(taskQueueId: string, workerGroup: string, workerId: string, count: number, now: number = Date.now()): ClaimedRun[] {
    const candidates: TaskRecord[] = [];
    for (const record of this.tasks.values()) {
      if (record.definition.taskQueueId !== taskQueueId) continue;
      this.settle(record, now);
      if (record.runs[record.runs.length - 1]?.state === 'pending') candidates.push(record);
    }
    candidates.sort(
      (a, b) => priorityRank(a.definition.priority) - priorityRank(b.definition.priority) || a.pendingSeq - b.pendingSeq,
    );
    return candidates.slice(0, count).map((record) => this.startRun(record, record.runs[record.runs.length - 1]!, workerGroup, workerId, now));
  }

  /** The deprecated claimTask: claims one specific pending run. */
  claimTask(taskId: string, runId: number, workerGroup: string, workerId: string, now: number = Date.now()): ClaimedRun {
    const record = this.require(taskId);
    const run = this.requireRun(record, runId);
    this.settle(record, now);
    if (Date.parse(record.definition.deadline) <= now) throw new RequestConflict(`Task ${taskId} has passed its deadline`);
    if (run.state === 'running' && run.workerGroup === workerGroup && run.workerId === workerId && run.takenUntil) {
      // The same worker repeating its claim gets the same claim back.
      return { record, runId, takenUntil: new Date(run.takenUntil) };
    }
    if (!this.isLatest(record, run) || run.state !== 'pending') {
      throw new RequestConflict(`Run ${runId} of task ${taskId} is not pending (it is ${run.state})`);
    }
    return this.startRun(record, run, workerGroup, workerId, now);
  }

  /** Extends a running claim; takenUntil never moves backwards. */
  reclaim(taskId: string, runId: number, now: number = Date.now()): ClaimedRun {
    const record = this.require(taskId);
    const run = this.requireRun(record, runId);
    if (Date.parse(record.definition.deadline) <= now) {
      this.settle(record, now);
      throw new RequestConflict(`Task ${taskId} has passed its deadline`);
    }
    this.settle(record, now);
    if (!this.isLatest(record, run) || run.state !== 'running') {
      throw new RequestConflict(`Run ${runId} of task ${taskId} is not the latest running run (it is ${run.state}${run.reasonResolved ? `/${run.reasonResolved}` : ''})`);
    }
    const proposed = now + this.options.claimTimeout * 1000;
    const takenUntil = new Date(Math.max(proposed, Date.parse(run.takenUntil ?? iso(now))));
    run.takenUntil = takenUntil.toJSON();
    return { record, runId, takenUntil };
  }

  // ---------------------------------------------------------------- resolution

  /** reportCompleted / reportFailed: idempotent for the same outcome, 409 otherwise. */
  resolve(taskId: string, runId: number, outcome: 'completed' | 'failed', now: number = Date.now()): TaskRecord {
    const record = this.require(taskId);
    const run = this.requireRun(record, runId);
    this.settle(record, now);
    if (run.state === outcome && run.reasonResolved === outcome) {
      // At-least-once delivery: a repeated call publishes again.
      this.publishResolution(record, run);
      return record;
    }
    if (!this.isLatest(record, run) || run.state !== 'running') {
      throw new RequestConflict(`Run ${runId} of task ${taskId} is not running or ${outcome} (it is ${run.state})`);
    }
    run.state = outcome;
    run.reasonResolved = outcome;
    run.resolved = iso(now);
    this.publishResolution(record, run);
    this.taskResolved(taskId, now);
    return record;
  }

  private publishResolution(record: TaskRecord, run: RunStatus): void {
    const exchange: QueueExchange = run.state === 'completed' ? 'task-completed' : 'task-failed';
    this.publish(exchange, record, run.runId, { runId: run.runId, workerGroup: run.workerGroup, workerId: run.workerId });
  }

  /** reportException: idempotent for the same reason (even after a retry run followed). */
  reportException(taskId: string, runId: number, reason: ReasonResolved, now: number = Date.now()): TaskRecord {
    const record = this.require(taskId);
    const run = this.requireRun(record, runId);
    this.settle(record, now);
    if (run.state === 'exception' && run.reasonResolved === reason) {
      const worker = run.workerGroup !== undefined ? { workerGroup: run.workerGroup, workerId: run.workerId } : {};
      this.publish('task-exception', record, runId, { runId, ...worker });
      return record;
    }
    if (!this.isLatest(record, run) || run.state !== 'running') {
      throw new RequestConflict(`Run ${runId} of task ${taskId} is not running (it is ${run.state}${run.reasonResolved ? `/${run.reasonResolved}` : ''})`);
    }
    this.resolveException(record, run, reason, now);
    return record;
  }

  /** cancelTask: exception/canceled on the latest pending or running run. */
  cancel(taskId: string, now: number = Date.now()): TaskRecord {
    const record = this.require(taskId);
    if (Date.parse(record.definition.deadline) <= now) {
      this.settle(record, now);
      throw new RequestConflict(`Task ${taskId} can't be cancelled past its deadline`);
    }
    this.settle(record, now);
    const latest = record.runs[record.runs.length - 1];
    if (!latest) {
      // Cancelled before it was ever scheduled: the run exists only to carry the exception.
      const run: RunStatus = { runId: 0, state: 'pending', reasonCreated: 'exception', scheduled: iso(now) };
      record.runs.push(run);
      this.resolveException(record, run, 'canceled', now);
    } else if (latest.state === 'pending' || latest.state === 'running') {
      this.resolveException(record, latest, 'canceled', now);
    }
    return record;
  }

  /** Whether artifacts may still be created for this run (the queue's rule: it is running, or was resolved exception less than 25 minutes ago). */
  acceptsArtifacts(record: TaskRecord, run: RunStatus, now: number = Date.now()): boolean {
    if (run.state === 'running') return true;
    return run.state === 'exception' && run.resolved !== undefined && now - Date.parse(run.resolved) <= 25 * 60 * 1000;
  }

  // ---------------------------------------------------------------- events

  publish(exchange: QueueExchange, record: TaskRecord, runId: number | undefined, fields: Record<string, unknown>): void {
    const extra = exchange === 'artifact-created' ? fields : { ...fields, task: { tags: record.definition.tags } };
    this.options.publish(buildMessage(exchange, record.definition, this.status(record), runId, extra));
  }

  /** All tasks, for the expiry sweep of other stores and for tests. */
  taskIds(): string[] {
    return [...this.tasks.keys()];
  }
}
