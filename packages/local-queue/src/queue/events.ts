// Pulse-shaped messages: the queue's exchanges, routing keys and message bodies. They are emitted on LocalQueue.events as 'message'
// so tests can assert on them and a later publisher can forward them to RabbitMQ unchanged.

import type { TaskDefinition, TaskStatus } from './types.js';

export const EXCHANGE_PREFIX = 'exchange/taskcluster-queue/v1/';

export type QueueExchange =
  | 'task-defined'
  | 'task-pending'
  | 'task-running'
  | 'artifact-created'
  | 'task-completed'
  | 'task-failed'
  | 'task-exception';

export interface PulseMessage {
  exchange: string;
  routingKey: string;
  payload: Record<string, unknown>;
  /** `route.<r>` for every entry of task.routes */
  CCs: string[];
}

/** `primary.<taskId>.<runId>.<workerGroup>.<workerId>.<provisionerId>.<workerType>.<schedulerId>.<taskGroupId>._` */
export function primaryRoutingKey(status: TaskStatus, runId: number | undefined): string {
  const run = runId === undefined ? undefined : status.runs[runId];
  const word = (value: string | number | undefined) => (value === undefined ? '_' : String(value));
  return [
    'primary',
    status.taskId,
    word(runId),
    word(run?.workerGroup),
    word(run?.workerId),
    status.provisionerId,
    status.workerType,
    status.schedulerId,
    status.taskGroupId,
    '_',
  ].join('.');
}

/**
 * Builds a message. `fields` are the exchange-specific additions to `{version, status}`:
 * runId, workerGroup, workerId, takenUntil, task:{tags}, artifact.
 */
export function buildMessage(
  exchange: QueueExchange,
  task: TaskDefinition,
  status: TaskStatus,
  runId: number | undefined,
  fields: Record<string, unknown>,
): PulseMessage {
  return {
    exchange: EXCHANGE_PREFIX + exchange,
    routingKey: primaryRoutingKey(status, runId),
    payload: { version: 1, status, ...fields },
    CCs: task.routes.map((route) => `route.${route}`),
  };
}
