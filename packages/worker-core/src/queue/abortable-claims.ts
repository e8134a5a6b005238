import type http from 'node:http';
import type https from 'node:https';
import pRetry from 'p-retry';
import type { Credentials } from '@docker-worker/worker-contract';
import tc from 'taskcluster-client';
import { statusCodeOf } from './status-code.js';
import type { TaskClaim } from './types.js';

/**
 * claimWork long polls that can be abandoned. taskcluster-client takes no AbortSignal, so these
 * go through a Queue client of their own, with agents of their own (the client builds them from
 * its `agent` options and keeps them as `_httpAgent`, a stable field of the pinned 87.x client):
 * aborting destroys those agents' sockets, which ends the request under way and only it. The
 * queue checks that the caller is still connected before it claims, so an abandoned poll
 * claims nothing.
 *
 * The client's own retries are off, since a retry after the abort would claim again for a
 * worker that is going away; p-retry retries network errors and 5xx instead, and stops on the
 * signal.
 */
export class AbortableClaims {
  #queue: InstanceType<typeof tc.Queue>;
  #agents: { http: http.Agent; https: https.Agent };

  constructor(rootUrl: string, credentials: Credentials | undefined) {
    this.#queue = new tc.Queue({ rootUrl, credentials, retries: 0, agent: { keepAlive: true, timeout: 60_000 } });
    this.#agents = (this.#queue as unknown as { _httpAgent: { http: http.Agent; https: https.Agent } })._httpAgent;
  }

  async claimWork(taskQueueId: string, request: { workerGroup: string; workerId: string; tasks: number }, signal: AbortSignal): Promise<TaskClaim[]> {
    signal.throwIfAborted();
    const drop = () => {
      this.#agents.http.destroy();
      this.#agents.https.destroy();
    };
    signal.addEventListener('abort', drop, { once: true });
    try {
      const reply = (await pRetry(() => this.#queue.claimWork(taskQueueId, request), {
        retries: 5,
        minTimeout: 100,
        maxTimeout: 30_000,
        randomize: true,
        signal,
        shouldRetry: ({ error }) => (statusCodeOf(error) ?? 500) >= 500,
      })) as { tasks: TaskClaim[] };
      return reply.tasks;
    } finally {
      signal.removeEventListener('abort', drop);
    }
  }
}
