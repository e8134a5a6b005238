// The purge-cache service's state: requests to delete a named cache on a worker pool's workers.

export interface PurgeRequest {
  workerPoolId: string;
  cacheName: string;
  /** Instances created before this moment are to be deleted. */
  before: string;
}

export class PurgeCacheStore {
  private readonly requests: PurgeRequest[] = [];

  /** Records a purge of `cacheName` on `workerPoolId` as of now (a repeat moves `before` on). */
  add(workerPoolId: string, cacheName: string, now = new Date()): PurgeRequest {
    const existing = this.requests.find((r) => r.workerPoolId === workerPoolId && r.cacheName === cacheName);
    if (existing) {
      existing.before = now.toJSON();
      return existing;
    }
    const request = { workerPoolId, cacheName, before: now.toJSON() };
    this.requests.push(request);
    return request;
  }

  /** The pool's requests made after `since` (all of them without it). */
  since(workerPoolId: string, since?: Date): PurgeRequest[] {
    return this.requests.filter((r) => r.workerPoolId === workerPoolId && (!since || Date.parse(r.before) > since.getTime()));
  }
}
