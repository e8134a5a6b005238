// A minimal index service: namespaces mapped to taskIds, for index.findTask.

import { ResourceNotFound } from '../errors.js';

export interface IndexedTask {
  namespace: string;
  taskId: string;
  rank: number;
  data: Record<string, unknown>;
  expires: string;
}

export class IndexStore {
  private readonly entries = new Map<string, IndexedTask>();

  /** Points `namespace` at `taskId` (replacing what was there). */
  insert(namespace: string, taskId: string, options: { rank?: number; data?: Record<string, unknown>; expires?: Date } = {}): IndexedTask {
    const entry: IndexedTask = {
      namespace,
      taskId,
      rank: options.rank ?? 0,
      data: options.data ?? {},
      expires: (options.expires ?? new Date(Date.now() + 365 * 24 * 60 * 60 * 1000)).toJSON(),
    };
    this.entries.set(namespace, entry);
    return entry;
  }

  find(namespace: string, now: number = Date.now()): IndexedTask {
    const entry = this.entries.get(namespace);
    if (!entry || Date.parse(entry.expires) <= now) throw new ResourceNotFound(`Indexed task not found: ${namespace}`);
    return { ...entry };
  }
}
