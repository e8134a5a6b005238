// @docker-worker/local-queue: an embedded Taskcluster queue + object service over real HTTP.

export { LocalQueue, type LocalQueueOptions, type RequestEvent } from './server.js';
export type { Credentials } from './auth/clients.js';
export type { PulseMessage, QueueExchange } from './queue/events.js';
export { EXCHANGE_PREFIX, primaryRoutingKey } from './queue/events.js';
export { PulsePublisher, QUEUE_EXCHANGES } from './pulse/pulse-publisher.js';
export type {
  TaskStatus,
  RunStatus,
  TaskState,
  RunState,
  ReasonCreated,
  ReasonResolved,
  TaskDefinition,
  TemporaryCredentials,
} from './queue/types.js';
export {
  satisfiesScopeExpression,
  satisfiesScope,
  scopeGrants,
  instantiateScopeExpression,
  type ScopeExpression,
  type ConcreteScopeExpression,
} from './auth/scopes.js';
export { ANONYMOUS_SCOPES } from './auth/hawk.js';
export { workerScopes, WORKER_CLIENT_CALLS, type WorkerIdentity } from './auth/worker-scopes.js';
export { ROUTE_TABLE, WORKER_QUEUE_API, type RouteSpec, type HttpMethod } from './route-table.js';
export type { IndexStore, IndexedTask } from './index-service/store.js';
export {
  ApiError,
  InputError,
  InputValidationError,
  MalformedPayload,
  InvalidRequestArguments,
  AuthenticationFailed,
  InsufficientScopes,
  ResourceNotFound,
  RequestConflict,
  ResourceExpired,
  InputTooLarge,
  InternalServerError,
  ERROR_STATUS,
} from './errors.js';
export { PurgeCacheStore, type PurgeRequest } from './purge-cache/store.js';
export { createTaskRequest } from './schemas/queue.js';
