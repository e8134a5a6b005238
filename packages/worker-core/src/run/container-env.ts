import type { DockerWorkerPayload } from '@docker-worker/schema';
import type { WorkerIdentity } from '@docker-worker/worker-contract';

/**
 * The container's environment. Precedence (later wins): what features add, then payload.env,
 * then the variables the worker reserves, which a task cannot override.
 */
export function containerEnv(options: {
  featureEnv: Record<string, string>;
  payload: DockerWorkerPayload;
  taskId: string;
  runId: number;
  worker: WorkerIdentity;
}): Record<string, string> {
  const { worker } = options;
  const env: Record<string, string> = { ...options.featureEnv };
  for (const [name, value] of Object.entries(options.payload.env ?? {})) env[name] = String(value);
  Object.assign(env, {
    TASK_ID: options.taskId,
    RUN_ID: String(options.runId),
    TASKCLUSTER_ROOT_URL: worker.rootUrl,
    TASKCLUSTER_WORKER_TYPE: worker.workerType,
    TASKCLUSTER_WORKER_GROUP: worker.workerGroup,
    TASKCLUSTER_INSTANCE_TYPE: worker.workerNodeType,
    TASKCLUSTER_PUBLIC_IP: worker.publicIp ?? '',
  });
  return env;
}
