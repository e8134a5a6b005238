// Per-task temporary credentials handed out with each claim and reclaim, made the way
// services/queue/src/task-creds.js makes them: named temporary credentials issued by the
// queue's own (root) client, expiring at takenUntil.

import tc from 'taskcluster-client';
import type { Credentials } from '../auth/clients.js';
import type { TemporaryCredentials } from './types.js';

/** The certificate may start a little in the past so that clock drift does not matter. */
const START_SKEW_MS = 15 * 60 * 1000;

export function taskCredentials(
  issuer: Credentials,
  claim: { taskId: string; runId: number; workerGroup: string; workerId: string; takenUntil: Date },
  taskScopes: readonly string[],
): TemporaryCredentials {
  const { taskId, runId, workerGroup, workerId, takenUntil } = claim;
  const clientId = ['task-client', taskId, String(runId), 'on', workerGroup, workerId, 'until', String(takenUntil.getTime() / 1000)].join('/');
  return tc.createTemporaryCredentials({
    clientId,
    start: new Date(Date.now() - START_SKEW_MS),
    expiry: takenUntil,
    scopes: [
      `queue:reclaim-task:${taskId}/${runId}`,
      `queue:resolve-task:${taskId}/${runId}`,
      `queue:create-artifact:${taskId}/${runId}`,
      ...taskScopes,
    ],
    credentials: issuer,
  });
}

/** Unnamed temporary credentials limited to `scopes` (object upload/download credentials). */
export function scopedCredentials(issuer: Credentials, scopes: string[], expiry: Date): TemporaryCredentials {
  return tc.createTemporaryCredentials({
    start: new Date(Date.now() - START_SKEW_MS),
    expiry,
    scopes,
    credentials: issuer,
  });
}
