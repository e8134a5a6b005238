/** Taskcluster credentials; `certificate` is set for temporary credentials. */
export interface Credentials {
  clientId: string;
  accessToken: string;
  certificate?: string;
}

/** A task definition as the queue returns it (queue `task.json`). */
export interface TaskDefinition {
  provisionerId: string;
  workerType: string;
  taskQueueId?: string;
  schedulerId: string;
  projectId?: string;
  taskGroupId: string;
  dependencies: string[];
  requires: string;
  routes: string[];
  priority: string;
  retries: number;
  created: string;
  deadline: string;
  expires: string;
  scopes: string[];
  /** Unvalidated: worker-core validates it before anything else runs. */
  payload: Record<string, unknown>;
  metadata: { name: string; description: string; owner: string; source: string };
  tags: Record<string, string>;
  extra: Record<string, unknown>;
}

/** Who this worker is; also what the header lines and `TASKCLUSTER_*` variables show. */
export interface WorkerIdentity {
  rootUrl: string;
  provisionerId: string;
  workerType: string;
  workerGroup: string;
  workerId: string;
  workerNodeType: string;
  /** Public hostname other machines use to reach this worker (live log URLs). */
  host: string;
  publicIp?: string;
  privateIp?: string;
  instanceId?: string;
  region?: string;
}
