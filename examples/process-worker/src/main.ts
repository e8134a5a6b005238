#!/usr/bin/env node
// `process-worker`: runs the worker from environment variables until SIGTERM or SIGINT (it
// finishes the task at hand first), or until MAX_TASKS tasks have run.
import { hostname } from 'node:os';
import { ProcessWorker } from './worker.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`process-worker: ${name} must be set (see README.md)`);
    process.exit(2);
  }
  return value;
}

const maxTasks = process.env.MAX_TASKS ? Number(process.env.MAX_TASKS) : undefined;
if (maxTasks !== undefined && !(Number.isInteger(maxTasks) && maxTasks > 0)) {
  console.error(`process-worker: MAX_TASKS must be a positive integer, not ${JSON.stringify(process.env.MAX_TASKS)}`);
  process.exit(2);
}

const worker = await ProcessWorker.start({
  rootUrl: required('TASKCLUSTER_ROOT_URL'),
  credentials: { clientId: required('TASKCLUSTER_CLIENT_ID'), accessToken: required('TASKCLUSTER_ACCESS_TOKEN') },
  provisionerId: required('PROVISIONER_ID'),
  workerType: required('WORKER_TYPE'),
  workerGroup: process.env.WORKER_GROUP || 'local',
  workerId: process.env.WORKER_ID || hostname(),
  host: process.env.PUBLIC_HOSTNAME || undefined,
});

const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
try {
  await worker.run({ signal: stop.signal, maxTasks });
} finally {
  await worker.stop();
}
