import type { Credentials, TaskDefinition } from '@docker-worker/worker-contract';

export interface RunStatus {
  runId: number;
  state: string;
  reasonCreated: string;
  reasonResolved?: string;
  workerGroup?: string;
  workerId?: string;
  takenUntil?: string;
  scheduled: string;
  started?: string;
  resolved?: string;
}

export interface TaskStatus {
  taskId: string;
  state: string;
  retriesLeft: number;
  deadline: string;
  expires: string;
  runs: RunStatus[];
  [key: string]: unknown;
}

/** One entry of a claimWork reply: the task's status, runId, definition, takenUntil and the claim's credentials. */
export interface TaskClaim {
  status: TaskStatus;
  runId: number;
  workerGroup: string;
  workerId: string;
  takenUntil: string;
  task: TaskDefinition;
  credentials: Credentials;
}

export interface ReclaimReply {
  takenUntil: string;
  credentials: Credentials;
}
