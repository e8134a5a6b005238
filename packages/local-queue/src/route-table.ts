// Every API route this server serves, written out as in the client's API reference (same
// service, name, method and route pattern; a conformance test holds the two together).
// `input` names the request schema the body is validated against.

import type { ServiceName } from './api-reference.js';
import type { SchemaName } from './validation.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface RouteSpec {
  service: ServiceName;
  name: string;
  method: HttpMethod;
  route: string;
  input?: SchemaName;
}

export const ROUTE_TABLE: readonly RouteSpec[] = [
  // queue: tasks
  { service: 'queue', name: 'ping', method: 'GET', route: '/ping' },
  { service: 'queue', name: 'task', method: 'GET', route: '/task/<taskId>' },
  { service: 'queue', name: 'status', method: 'GET', route: '/task/<taskId>/status' },
  { service: 'queue', name: 'createTask', method: 'PUT', route: '/task/<taskId>', input: 'create-task-request' },
  { service: 'queue', name: 'cancelTask', method: 'POST', route: '/task/<taskId>/cancel' },
  { service: 'queue', name: 'scheduleTask', method: 'POST', route: '/task/<taskId>/schedule' },
  { service: 'queue', name: 'rerunTask', method: 'POST', route: '/task/<taskId>/rerun' },
  { service: 'queue', name: 'listDependentTasks', method: 'GET', route: '/task/<taskId>/dependents' },
  { service: 'queue', name: 'claimWork', method: 'POST', route: '/claim-work/<taskQueueId>', input: 'claim-work-request' },
  { service: 'queue', name: 'claimTask', method: 'POST', route: '/task/<taskId>/runs/<runId>/claim', input: 'task-claim-request' },
  { service: 'queue', name: 'reclaimTask', method: 'POST', route: '/task/<taskId>/runs/<runId>/reclaim' },
  { service: 'queue', name: 'reportCompleted', method: 'POST', route: '/task/<taskId>/runs/<runId>/completed' },
  { service: 'queue', name: 'reportFailed', method: 'POST', route: '/task/<taskId>/runs/<runId>/failed' },
  {
    service: 'queue',
    name: 'reportException',
    method: 'POST',
    route: '/task/<taskId>/runs/<runId>/exception',
    input: 'task-exception-request',
  },
  // queue: artifacts
  {
    service: 'queue',
    name: 'createArtifact',
    method: 'POST',
    route: '/task/<taskId>/runs/<runId>/artifacts/<name>',
    input: 'post-artifact-request',
  },
  {
    service: 'queue',
    name: 'finishArtifact',
    method: 'PUT',
    route: '/task/<taskId>/runs/<runId>/artifacts/<name>',
    input: 'finish-artifact-request',
  },
  { service: 'queue', name: 'getArtifact', method: 'GET', route: '/task/<taskId>/runs/<runId>/artifacts/<name>' },
  { service: 'queue', name: 'getLatestArtifact', method: 'GET', route: '/task/<taskId>/artifacts/<name>' },
  { service: 'queue', name: 'listArtifacts', method: 'GET', route: '/task/<taskId>/runs/<runId>/artifacts' },
  { service: 'queue', name: 'listLatestArtifacts', method: 'GET', route: '/task/<taskId>/artifacts' },
  { service: 'queue', name: 'artifactInfo', method: 'GET', route: '/task/<taskId>/runs/<runId>/artifact-info/<name>' },
  { service: 'queue', name: 'latestArtifactInfo', method: 'GET', route: '/task/<taskId>/artifact-info/<name>' },
  { service: 'queue', name: 'artifact', method: 'GET', route: '/task/<taskId>/runs/<runId>/artifact-content/<name>' },
  { service: 'queue', name: 'latestArtifact', method: 'GET', route: '/task/<taskId>/artifact-content/<name>' },
  // object service
  { service: 'object', name: 'ping', method: 'GET', route: '/ping' },
  { service: 'object', name: 'createUpload', method: 'PUT', route: '/upload/<name>', input: 'create-upload-request' },
  { service: 'object', name: 'finishUpload', method: 'POST', route: '/finish-upload/<name>', input: 'finish-upload-request' },
  { service: 'object', name: 'startDownload', method: 'PUT', route: '/start-download/<name>', input: 'download-object-request' },
  { service: 'object', name: 'object', method: 'GET', route: '/metadata/<name>' },
  { service: 'object', name: 'download', method: 'GET', route: '/download/<name>' },
  // index
  { service: 'index', name: 'ping', method: 'GET', route: '/ping' },
  { service: 'index', name: 'findTask', method: 'GET', route: '/task/<indexPath>' },
  // purge-cache
  { service: 'purge-cache', name: 'ping', method: 'GET', route: '/ping' },
  { service: 'purge-cache', name: 'purgeCache', method: 'POST', route: '/purge-cache/<workerPoolId>', input: 'purge-cache-request' },
  { service: 'purge-cache', name: 'purgeRequests', method: 'GET', route: '/purge-cache/<workerPoolId>' },
  // auth: role expansion only (clients and roles come from the queue's options)
  { service: 'auth', name: 'ping', method: 'GET', route: '/ping' },
  { service: 'auth', name: 'expandScopes', method: 'POST', route: '/scopes/expand', input: 'scopeset' },
];

/** The queue API calls a worker makes; the server must serve every one of them. */
export const WORKER_QUEUE_API: readonly string[] = [
  'ping',
  'createTask',
  'task',
  'status',
  'claimWork',
  'claimTask',
  'reclaimTask',
  'reportCompleted',
  'reportFailed',
  'reportException',
  'cancelTask',
  'createArtifact',
  'finishArtifact',
  'getArtifact',
  'getLatestArtifact',
  'artifact',
  'latestArtifact',
  'listArtifacts',
  'listLatestArtifacts',
  'artifactInfo',
  'latestArtifactInfo',
];

/** Trailing parameters that, like Express's `:name(*)`, take the rest of the path. */
export const REST_PARAMS: ReadonlySet<string> = new Set(['name', 'taskQueueId', 'indexPath', 'namespace', 'workerPoolId']);
