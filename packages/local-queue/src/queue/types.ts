// Shapes of the queue's task definitions and task-status structure, as the queue's API returns them.

export type TaskState = 'unscheduled' | 'pending' | 'running' | 'completed' | 'failed' | 'exception';
export type RunState = 'pending' | 'running' | 'completed' | 'failed' | 'exception';
export type ReasonCreated = 'scheduled' | 'retry' | 'task-retry' | 'rerun' | 'exception';
export type ReasonResolved =
  | 'completed'
  | 'failed'
  | 'deadline-exceeded'
  | 'canceled'
  | 'superseded'
  | 'claim-expired'
  | 'worker-shutdown'
  | 'malformed-payload'
  | 'resource-unavailable'
  | 'internal-error'
  | 'intermittent-task';

export interface RunStatus {
  runId: number;
  state: RunState;
  reasonCreated: ReasonCreated;
  reasonResolved?: ReasonResolved;
  workerGroup?: string;
  workerId?: string;
  takenUntil?: string;
  scheduled: string;
  started?: string;
  resolved?: string;
}

export interface TaskStatus {
  taskId: string;
  provisionerId: string;
  workerType: string;
  taskQueueId: string;
  schedulerId: string;
  projectId: string;
  taskGroupId: string;
  deadline: string;
  expires: string;
  retriesLeft: number;
  state: TaskState;
  runs: RunStatus[];
}

export interface TaskMetadata {
  name: string;
  description: string;
  owner: string;
  source: string;
}

/** A task definition with every default filled in, as `queue.task()` returns it. */
export interface TaskDefinition {
  provisionerId: string;
  workerType: string;
  taskQueueId: string;
  schedulerId: string;
  projectId: string;
  taskGroupId: string;
  dependencies: string[];
  requires: 'all-completed' | 'all-resolved';
  routes: string[];
  priority: string;
  retries: number;
  created: string;
  deadline: string;
  expires: string;
  scopes: string[];
  payload: Record<string, unknown>;
  metadata: TaskMetadata;
  tags: Record<string, string>;
  extra: Record<string, unknown>;
}

/** Temporary credentials as the queue hands them out. */
export interface TemporaryCredentials {
  clientId: string;
  accessToken: string;
  certificate: string;
}
