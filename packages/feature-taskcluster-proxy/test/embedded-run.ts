import { LocalQueue } from '@docker-worker/local-queue';
import type { Credentials, TaskDefinition } from '@docker-worker/worker-contract';
import { testTaskDefinition } from '@docker-worker/worker-contract/testing';
import tc from 'taskcluster-client';

/** A claimed run on an embedded queue: the task, its claim's credentials, and a reclaim. */
export interface ClaimedRun {
  taskId: string;
  runId: number;
  task: TaskDefinition;
  credentials: Credentials;
  /** Reclaims the run: the new credentials. */
  reclaim(): Promise<Credentials>;
}

/** Creates a task with `scopes` on `queue` and claims it as a worker would. */
export async function claimedRun(queue: LocalQueue, scopes: string[]): Promise<ClaimedRun> {
  const taskId = tc.slugid();
  const workerType = `wt-${taskId.slice(0, 8).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
  const definition = testTaskDefinition({ provisionerId: 'test-prov', workerType, scopes, taskGroupId: taskId, payload: {} });
  await new tc.Queue({ rootUrl: queue.rootUrl, credentials: queue.credentials }).createTask(taskId, definition);
  const worker = { provisionerId: 'test-prov', workerType, workerGroup: 'tg', workerId: 'w0' };
  const workerQueue = new tc.Queue({ rootUrl: queue.rootUrl, credentials: queue.createWorkerClient(worker) });
  const reply = (await workerQueue.claimWork(`test-prov/${workerType}`, { workerGroup: 'tg', workerId: 'w0', tasks: 1 })) as {
    tasks: Array<{ runId: number; task: TaskDefinition; credentials: Credentials }>;
  };
  const claim = reply.tasks[0];
  if (!claim) throw new Error('the embedded queue handed out no claim');
  let credentials = claim.credentials;
  return {
    taskId,
    runId: claim.runId,
    task: claim.task,
    credentials,
    reclaim: async () => {
      const answer = (await new tc.Queue({ rootUrl: queue.rootUrl, credentials }).reclaimTask(taskId, claim.runId)) as { credentials: Credentials };
      credentials = answer.credentials;
      return credentials;
    },
  };
}
