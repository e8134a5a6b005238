// createTask's normalisation and checks: defaults, the two ways of naming the
// task queue, and the time rules on created/deadline/expires.

import { InputError } from '../errors.js';
import { PRIORITY_LEVELS } from '../schemas/queue.js';
import type { TaskDefinition, TaskMetadata } from './types.js';

/** The body of createTask after schema validation. */
export interface CreateTaskBody {
  taskQueueId?: string;
  provisionerId?: string;
  workerType?: string;
  schedulerId?: string;
  projectId?: string;
  taskGroupId?: string;
  dependencies?: string[];
  requires?: 'all-completed' | 'all-resolved';
  routes?: string[];
  priority?: string;
  retries?: number;
  created: string;
  deadline: string;
  expires?: string;
  scopes?: string[];
  payload: Record<string, unknown>;
  metadata: TaskMetadata;
  tags?: Record<string, string>;
  extra?: Record<string, unknown>;
}

/** The queue's default `maxTaskDeadlineDays`. */
export const MAX_TASK_DEADLINE_DAYS = 5;
const DAY_MS = 24 * 60 * 60 * 1000;
const CREATED_SKEW_MS = 15 * 60 * 1000;

function iso(value: string): string {
  return new Date(value).toJSON();
}

/** Fills defaults and reconciles taskQueueId with provisionerId/workerType. */
export function normalizeTaskDefinition(taskId: string, body: CreateTaskBody): TaskDefinition {
  let { taskQueueId, provisionerId, workerType } = body;
  if (taskQueueId !== undefined) {
    const slash = taskQueueId.indexOf('/');
    const p = taskQueueId.slice(0, slash);
    const w = taskQueueId.slice(slash + 1);
    if ((provisionerId !== undefined && provisionerId !== p) || (workerType !== undefined && workerType !== w)) {
      throw new InputError(`taskQueueId '${taskQueueId}' does not match provisionerId/workerType '${provisionerId}/${workerType}'`);
    }
    provisionerId = p;
    workerType = w;
  } else if (provisionerId !== undefined && workerType !== undefined) {
    taskQueueId = `${provisionerId}/${workerType}`;
  } else {
    throw new InputError('either taskQueueId or both provisionerId and workerType must be given');
  }
  const deadline = iso(body.deadline);
  const expires = body.expires !== undefined ? iso(body.expires) : new Date(Date.parse(deadline) + 365 * DAY_MS).toJSON();
  return {
    provisionerId,
    workerType,
    taskQueueId,
    schedulerId: body.schedulerId ?? '-',
    projectId: body.projectId ?? 'none',
    taskGroupId: body.taskGroupId ?? taskId,
    dependencies: body.dependencies ?? [],
    requires: body.requires ?? 'all-completed',
    routes: body.routes ?? [],
    priority: body.priority === undefined || body.priority === 'normal' ? 'lowest' : body.priority,
    retries: body.retries ?? 5,
    created: iso(body.created),
    deadline,
    expires,
    scopes: body.scopes ?? [],
    payload: body.payload,
    metadata: body.metadata,
    tags: body.tags ?? {},
    extra: body.extra ?? {},
  };
}

/** created within ±15 min of now; deadline in the future, at most 5 days ahead, ≤ expires. */
export function checkTaskTimes(task: TaskDefinition, now: number = Date.now()): void {
  const created = Date.parse(task.created);
  const deadline = Date.parse(task.deadline);
  const expires = Date.parse(task.expires);
  if (Math.abs(created - now) > CREATED_SKEW_MS) {
    throw new InputError(`created (${task.created}) must be within 15 minutes of the current time`);
  }
  if (deadline <= now) throw new InputError(`deadline (${task.deadline}) must be in the future`);
  if (deadline > created + MAX_TASK_DEADLINE_DAYS * DAY_MS) {
    throw new InputError(`deadline (${task.deadline}) cannot be more than ${MAX_TASK_DEADLINE_DAYS} days after created`);
  }
  if (deadline > expires) throw new InputError(`expires (${task.expires}) must not be before deadline (${task.deadline})`);
}

/**
 * The priorities whose create-task scope allows creating a task at `priority`: the priority
 * itself and every higher one.
 */
export function prioritiesAtOrAbove(priority: string): string[] {
  const index = PRIORITY_LEVELS.indexOf(priority as (typeof PRIORITY_LEVELS)[number]);
  return index < 0 ? [priority] : PRIORITY_LEVELS.slice(0, index + 1);
}

/** Sort key for claim order: lower is claimed first. */
export function priorityRank(priority: string): number {
  const index = PRIORITY_LEVELS.indexOf(priority as (typeof PRIORITY_LEVELS)[number]);
  return index < 0 ? PRIORITY_LEVELS.length : index;
}
