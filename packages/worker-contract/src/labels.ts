/**
 * Labels on everything the worker creates, so a later process (or an operator) can find
 * what an earlier one left behind.
 */
export const LABELS = {
  /** Present on every container this project creates. */
  managed: 'org.taskcluster.docker-worker',
  workerId: 'org.taskcluster.docker-worker.worker-id',
  workerGroup: 'org.taskcluster.docker-worker.worker-group',
  /** Identifies one worker process, so leftovers of a crashed process can be told apart. */
  processId: 'org.taskcluster.docker-worker.process',
  taskId: 'org.taskcluster.docker-worker.task-id',
  runId: 'org.taskcluster.docker-worker.run-id',
} as const;
