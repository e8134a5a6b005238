export { loadConfig, type LoadConfigOptions } from './config/load-config.js';
export { ConfigError } from './config/config-error.js';
export { QueueClient, RunQueue, statusCodeOf } from './queue/queue-client.js';
export type { TaskClaim, TaskStatus, RunStatus } from './queue/types.js';
export { QueueArtifactPublisher } from './artifacts/queue-artifact-publisher.js';
export { TaskRun, type TaskRunOptions } from './run/task-run.js';
export { Worker, identityOf, type WorkerOptions } from './worker.js';
export { createWorkerLog, createMemoryLog, type WorkerLog } from './log/worker-log.js';
export { readTaskFile, TaskFileError } from './cli/task-file.js';
