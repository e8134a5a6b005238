import type { WorkerIdentity } from '@docker-worker/worker-contract';
import type { WorkerLog } from '../log/worker-log.js';

export type LifecycleEventType = 'workerReady' | 'taskStart' | 'taskFinish' | 'shutdown';

/**
 * The worker's lifecycle as `WORKER_METRICS` records in the worker log, one JSON object each,
 * as the original wrote them for worker-manager: `eventType`, the worker's identity, `timestamp`
 * (seconds since the epoch) and, for tasks, `taskId` and `runId`.
 */
export class LifecycleEvents {
  constructor(private readonly log: WorkerLog, private readonly identity: WorkerIdentity) {}

  emit(eventType: LifecycleEventType, task?: { taskId: string; runId: number }): void {
    const { workerId, workerGroup, workerType, provisionerId, workerNodeType, region, instanceId } = this.identity;
    this.log.info('WORKER_METRICS', {
      eventType,
      worker: 'docker-worker',
      workerPoolId: `${provisionerId}/${workerType}`,
      workerId,
      workerGroup,
      instanceType: workerNodeType,
      region,
      instanceId,
      timestamp: Math.floor(Date.now() / 1000),
      ...task,
    });
  }
}
