// The scopes a worker's own client needs, read off the API reference of the calls it makes
// with that client. Everything else a worker does goes with a claim's temporary credentials
// (reclaim, resolve, artifacts, expandScopes) or is granted by the anonymous role (task,
// status): a deployment gives its worker clients exactly these, so the embedded queue's
// worker client holds exactly these too and a call needing more fails here first.

import { referenceFunction, type ServiceName } from '../api-reference.js';
import { instantiateScopeExpression, type ConcreteScopeExpression } from './scopes.js';

export interface WorkerIdentity {
  provisionerId: string;
  workerType: string;
  workerGroup: string;
  workerId: string;
}

/**
 * The calls made with the worker's own credentials: the claim long poll, the purge-cache poll
 * (a worker pool id is `<provisionerId>/<workerType>`), and claimTask, which only superseding
 * uses (claiming the superseded tasks).
 */
export const WORKER_CLIENT_CALLS: ReadonlyArray<readonly [ServiceName, string]> = [
  ['queue', 'claimWork'],
  ['purge-cache', 'purgeRequests'],
  ['queue', 'claimTask'],
];

/** Every scope of a concrete expression made only of scopes and AllOf (what these calls use). */
function requiredScopes(expr: ConcreteScopeExpression, call: string): string[] {
  if (typeof expr === 'string') return [expr];
  if ('AllOf' in expr) return expr.AllOf.flatMap((e) => requiredScopes(e, call));
  throw new Error(`${call}: an AnyOf scope expression has no single set of required scopes`);
}

/** The exact scopes `worker`'s client needs, in the order of WORKER_CLIENT_CALLS. */
export function workerScopes(worker: WorkerIdentity): string[] {
  const taskQueueId = `${worker.provisionerId}/${worker.workerType}`;
  const params = { ...worker, taskQueueId, workerPoolId: taskQueueId };
  const scopes = WORKER_CLIENT_CALLS.flatMap(([service, name]) => {
    const { scopes: expr } = referenceFunction(service, name);
    if (expr === undefined) return [];
    return requiredScopes(instantiateScopeExpression(expr, params), `${service}.${name}`);
  });
  return [...new Set(scopes)];
}
