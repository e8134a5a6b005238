import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { removeTree, type CacheInstance, type CacheManager } from '@docker-worker/worker-contract';

interface IndexEntry {
  name: string;
  id: string;
  createdAt: number;
  lastUsed: number;
  /** Flagged by a purge; deleted when no task uses it. */
  purge: boolean;
}

const INDEX_FILE = 'index.json';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The directory name of a cache: one path segment for any name, never `.`, `..` or empty, and
 * different names never share one. encodeURIComponent already escapes `/` and `%`, but leaves
 * `.` alone, so names made only of dots get theirs escaped too (encodeURIComponent turns a
 * literal `%2E` into `%252E`, so nothing collides), and the empty name becomes `%`, which no
 * encoded name can be. Other names keep the directory they had before.
 */
export function cacheDirName(name: string): string {
  if (name === '') return '%';
  const encoded = encodeURIComponent(name);
  return /^\.+$/.test(encoded) ? encoded.replaceAll('.', '%2E') : encoded;
}

/**
 * Cache instances as host directories `<root>/<name>/<id>`, with an index on disk so a
 * restarted worker reuses what an earlier process left (the original forgot every cache
 * when it restarted and orphaned the directories). Which instances are in use is not stored:
 * after a restart no task of this worker is running any more.
 *
 * One worker process owns a root; operations are serialised so index writes never interleave.
 */
export class HostCacheManager implements CacheManager {
  readonly root: string;
  #entries = new Map<string, IndexEntry>();
  #inUse = new Set<string>();
  #loaded: Promise<void> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(root: string) {
    // Absolute: the engine needs absolute host paths, and #dir's containment check compares them.
    this.root = resolve(root);
  }

  acquire(name: string): Promise<CacheInstance> {
    return this.#serial(async () => {
      const free = [...this.#entries.values()]
        .filter((e) => e.name === name && !e.purge && !this.#inUse.has(e.id))
        .sort((a, b) => b.lastUsed - a.lastUsed);
      let entry = free[0];
      const hit = entry !== undefined;
      if (!entry) {
        entry = { name, id: randomUUID(), createdAt: Date.now(), lastUsed: Date.now(), purge: false };
        await mkdir(this.#dir(entry), { recursive: true });
        this.#entries.set(entry.id, entry);
      }
      this.#inUse.add(entry.id);
      entry.lastUsed = Date.now();
      await this.#save();
      return { name, id: entry.id, hostPath: this.#dir(entry), hit };
    });
  }

  release(instance: CacheInstance, options: { purge?: boolean } = {}): Promise<void> {
    return this.#serial(async () => {
      const entry = this.#entries.get(instance.id);
      this.#inUse.delete(instance.id);
      if (!entry) return;
      entry.lastUsed = Date.now();
      if (options.purge) entry.purge = true;
      if (entry.purge) await this.#delete(entry);
      await this.#save();
    });
  }

  purge(name: string, before?: Date): Promise<void> {
    return this.#serial(async () => {
      for (const entry of [...this.#entries.values()]) {
        if (entry.name !== name || (before && entry.createdAt >= before.getTime())) continue;
        entry.purge = true;
        if (!this.#inUse.has(entry.id)) await this.#delete(entry);
      }
      await this.#save();
    });
  }

  /** Instances of a name, for tests and diagnostics. */
  async instances(name: string): Promise<Array<{ id: string; inUse: boolean; purge: boolean }>> {
    return this.#serial(async () =>
      [...this.#entries.values()].filter((e) => e.name === name).map((e) => ({ id: e.id, inUse: this.#inUse.has(e.id), purge: e.purge })),
    );
  }

  #dir(entry: { name: string; id: string }): string {
    const dir = join(this.root, cacheDirName(entry.name), entry.id);
    // The name is encoded so this cannot happen; a path that still left the root would mount
    // (and later delete) a directory that is not a cache, so it is refused rather than used.
    const inside = relative(this.root, dir).split(sep);
    if (inside.length !== 2 || inside.some((part) => part === '' || part === '.' || part === '..')) {
      throw new Error(`cache "${entry.name}" (instance ${entry.id}) would not be a directory two levels below ${this.root}`);
    }
    return dir;
  }

  async #delete(entry: IndexEntry): Promise<void> {
    await removeTree(this.#dir(entry));
    this.#entries.delete(entry.id);
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      this.#loaded ??= this.#load();
      await this.#loaded;
      return operation();
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Read the index; forget entries whose directory is gone, delete directories it does not know. */
  async #load(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    try {
      const stored = JSON.parse(await readFile(join(this.root, INDEX_FILE), 'utf8')) as IndexEntry[];
      // Only entries this class could have written: a hand-edited id must not steer #dir.
      for (const entry of stored) if (typeof entry.name === 'string' && UUID.test(String(entry.id))) this.#entries.set(entry.id, entry);
    } catch {
      // No index yet (or a damaged one): start empty; the sweep below removes what it cannot account for.
    }
    const known = new Set([...this.#entries.values()].map((e) => this.#dir(e)));
    const present = new Set<string>();
    for (const nameDir of await readdir(this.root, { withFileTypes: true })) {
      if (!nameDir.isDirectory()) continue;
      for (const instance of await readdir(join(this.root, nameDir.name))) {
        const path = join(this.root, nameDir.name, instance);
        if (known.has(path)) present.add(path);
        else await removeTree(path);
      }
    }
    for (const entry of [...this.#entries.values()]) {
      if (!present.has(this.#dir(entry))) this.#entries.delete(entry.id);
      // A purge that was waiting for a task the previous process ran can happen now.
      else if (entry.purge) await this.#delete(entry);
    }
    await this.#save();
  }

  async #save(): Promise<void> {
    const path = join(this.root, INDEX_FILE);
    const temporary = `${path}.tmp`;
    await writeFile(temporary, JSON.stringify([...this.#entries.values()], null, 1));
    await rename(temporary, path);
  }
}
