import { lstat, opendir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Semaphore } from './semaphore.js';

/** Removals in flight at once: libuv's four threads busy, and as many queued behind them. */
const IN_FLIGHT = 8;

/** Passes over one directory before its removal is given up on: one more than the reads that raced the deletes. */
const PASSES = 3;

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * `rm -rf path` in memory bounded by the depth of the tree, not by its file count: at most
 * IN_FLIGHT removals are pending at once, and each directory is read as a stream. Node's own
 * `fs.rm({ recursive: true })` starts a removal for every entry of every directory at once; a
 * run directory holding a `volume` artifact of 100,000 files then held 100,000 requests (about
 * 2 KB each) waiting for libuv's four threads, 200 MB of the worker's memory after the task.
 * Like `rm -rf`: a path that is missing is no error, links are removed, never followed.
 */
export async function removeTree(path: string): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (err) {
    if (missing(err)) return;
    throw err;
  }
  if (!stats.isDirectory()) return ignoreMissing(unlink(path));
  await removeDirectory(path, new Semaphore(IN_FLIGHT));
}

async function ignoreMissing(removal: Promise<void>): Promise<void> {
  try {
    await removal;
  } catch (err) {
    if (!missing(err)) throw err;
  }
}

async function removeDirectory(dir: string, window: Semaphore): Promise<void> {
  for (let pass = 1; ; pass++) {
    await emptyDirectory(dir, window);
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      if (missing(err)) return;
      // Entries the stream skipped while the ones it had returned were being deleted: read again.
      if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' || pass === PASSES) throw err;
    }
  }
}

/** Removes what `dir` holds: files (and links) through the window, subdirectories depth first. */
async function emptyDirectory(dir: string, window: Semaphore): Promise<void> {
  const pending = new Set<Promise<void>>();
  let failure: unknown;
  try {
    let handle;
    try {
      handle = await opendir(dir, { bufferSize: 128 });
    } catch (err) {
      if (missing(err)) return;
      throw err;
    }
    for await (const entry of handle) {
      if (failure !== undefined) break;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await removeDirectory(path, window);
        continue;
      }
      await window.acquire();
      const removal = ignoreMissing(unlink(path))
        .catch((err: unknown) => void (failure ??= err))
        .finally(() => window.release());
      pending.add(removal);
      void removal.then(() => pending.delete(removal));
    }
  } finally {
    await Promise.all(pending);
  }
  if (failure !== undefined) throw failure;
}
