// What the route handlers share: the stores, the data-URL builder and the queue's own
// credentials (the issuer of every temporary credential it hands out).

import type { ArtifactStore } from './artifacts/store.js';
import type { Credentials } from './auth/clients.js';
import type { IndexStore } from './index-service/store.js';
import type { ObjectStore } from './object/store.js';
import type { PurgeCacheStore } from './purge-cache/store.js';
import type { PendingWaiters } from './queue/long-poll.js';
import type { QueueState } from './queue/state.js';
import type { DataUrls } from './storage/data-urls.js';
import type { DiskStorage } from './storage/disk.js';

export interface ServiceContext {
  state: QueueState;
  artifacts: ArtifactStore;
  objects: ObjectStore;
  index: IndexStore;
  purgeCache: PurgeCacheStore;
  disk: DiskStorage;
  urls: DataUrls;
  waiters: PendingWaiters;
  /** root credentials: the queue's own client */
  issuer: Credentials;
  longPollSeconds: number;
  startedAt: number;
  isStopping(): boolean;
}
