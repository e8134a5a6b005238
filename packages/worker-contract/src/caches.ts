/** One instance of a named cache: a host directory a single running task has to itself. */
export interface CacheInstance {
  name: string;
  id: string;
  /** Host directory to bind-mount at the task's mount path. */
  hostPath: string;
  /** True when the instance was used before (the task finds what an earlier task left). */
  hit: boolean;
}

/**
 * Named caches (`payload.cache`) that outlive tasks: each running task gets an instance of its
 * own, a finished task's instance goes to the next task asking for that name (most recently
 * used first), and purged instances are deleted once no task uses them.
 */
export interface CacheManager {
  acquire(name: string): Promise<CacheInstance>;
  /** The task is done with it; `purge` deletes it instead of keeping it for the next task. */
  release(instance: CacheInstance, options?: { purge?: boolean }): Promise<void>;
  /** Flag every instance of `name` created before `before` (all, when absent) for deletion. */
  purge(name: string, before?: Date): Promise<void>;
}
