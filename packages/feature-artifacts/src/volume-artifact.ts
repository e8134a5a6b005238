import { closeSync, constants, fstatSync, openSync, readSync, type Dirent } from 'node:fs';
import { chmod, lstat, mkdtemp, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ArtifactPublisher, Semaphore, TaskLog } from '@docker-worker/worker-contract';
import { IN_MEMORY_MAX, type CollectReport, type DeclaredArtifact } from './collect-artifact.js';
import { contentTypeFor } from './content-type.js';

/** As the spool reads: big enough to keep system calls few, small enough to cost little memory. */
const READ_CHUNK = 256 * 1024;

export interface VolumeOptions {
  artifacts: ArtifactPublisher;
  log: TaskLog;
  /** Bounds the uploads waiting or running for the run's volumes at once. */
  window: Semaphore;
  /** Abandons the uploads; none on a worker shutdown, whose uploads are the point. */
  signal?: AbortSignal;
  /** The artifact's expiry (the declared one, or the task's). */
  expires: string;
  /**
   * Artifact names already created in this run: skipped, and each one created is added. A
   * shutdown that interrupted the uploads after the container exited publishes only the rest.
   */
  done: Set<string>;
}

/**
 * A fresh, empty directory for one `volume` artifact, bind-mounted read-write at its path.
 * Mode 0777: the image decides which user the task runs as, unknown until it runs and often
 * not root, and it must be able to write there. Nothing else on the host can reach it (it sits
 * in the run's private directory), and it is removed with the run.
 */
export async function createVolume(parent: string): Promise<string> {
  const dir = await mkdtemp(join(parent, 'volume-'));
  // mkdtemp creates 0700, and a mode given to mkdir would be narrowed by the umask.
  await chmod(dir, 0o777);
  return dir;
}

/** A file of a volume (by its directory entry), or a directory in it the worker could not read. */
type Found = { relative: string; path: string } | { relative: string; error: NodeJS.ErrnoException };

/**
 * Every file below `dir` by its directory entry, depth first in name order; whether it is
 * still a regular file is settled when it is opened (inspectNoFollow). Never follows a symlink
 * (readdir's entry types are lstat's, and opens use O_NOFOLLOW), as the directory artifacts'
 * tar keeps a link a link: a link the task leaves cannot make the worker read outside the
 * volume. Directories, links, fifos, sockets and devices themselves become nothing.
 */
async function* regularFiles(dir: string, prefix = ''): AsyncGenerator<Found> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (prefix === '') throw err;
    yield { relative: prefix.slice(0, -1), error: err as NodeJS.ErrnoException };
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const relative = prefix + entry.name;
    if (entry.isDirectory()) yield* regularFiles(path, `${relative}/`);
    else if (entry.isFile()) yield { relative, path };
  }
}

/**
 * Opens a file the walk found without following a link (ELOOP if a link stands there now) and
 * without blocking (should a fifo stand there now), and tells its size; a file of at most
 * IN_MEMORY_MAX bytes is read whole, as it is now. Undefined when it is no longer a regular
 * file. Synchronous on purpose: five trips through the thread pool per file (lstat, open, two
 * reads, close) cost the worker about a third of a millisecond of CPU per small file (1037 ->
 * 690 us a file with this, on 3,000 files); these calls take a few microseconds each from the
 * page cache, where a file the task has just written is, and read at most 256 KiB a file.
 */
function inspectNoFollow(path: string): { size: number; data?: Buffer } | undefined {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return undefined;
    if (stats.size > IN_MEMORY_MAX) return { size: stats.size };
    // Up to one byte more than fstat saw: a file still growing is read as it is now.
    const buffer = Buffer.allocUnsafe(stats.size + 1);
    let read = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, read, buffer.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
      if (read === buffer.length) break;
    }
    return { size: Math.min(read, stats.size), data: buffer.subarray(0, Math.min(read, stats.size)) };
  } finally {
    closeSync(fd);
  }
}

/**
 * The bytes of `path`, opened with O_NOFOLLOW: the walk saw a regular file there, and should a
 * link stand there now the read fails (ELOOP) rather than follow it.
 */
async function* readNoFollow(path: string): AsyncGenerator<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    for (;;) {
      const buffer = Buffer.allocUnsafe(READ_CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null);
      if (bytesRead === 0) return;
      yield bytesRead === READ_CHUNK ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Publishes one `volume` artifact straight from its host directory (no copy out of the
 * container): what a `directory` artifact of the same files would give, one artifact per
 * regular file named `<name>/<relative path>`, content type from the name, the same expiry. A
 * file or directory in it that cannot be read becomes an `error` artifact
 * (`file-not-readable-on-worker`) under its name; a volume directory that is gone or no longer
 * a directory one for the whole artifact, as for a directory artifact.
 */
export async function collectVolume(name: string, declared: DeclaredArtifact, hostDir: string, options: VolumeOptions): Promise<CollectReport> {
  const { artifacts, log, signal, expires, done } = options;
  const report: CollectReport = { outcome: 'uploaded', files: 0, bytes: 0, failures: [] };

  const failed = async (artifactName: string, reason: 'file-missing-on-worker' | 'invalid-resource-on-worker' | 'file-not-readable-on-worker', message: string) => {
    if (done.has(artifactName)) return;
    log.error(message);
    await artifacts.error(artifactName, reason, message, expires);
    done.add(artifactName);
  };
  try {
    const stats = await lstat(hostDir);
    if (!stats.isDirectory()) {
      await failed(name, 'invalid-resource-on-worker', `Error uploading "${name}". Expected artifact to be a "directory" but was "${stats.isSymbolicLink() ? 'symlink' : 'file'}"`);
      return { ...report, outcome: 'wrong-type' };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await failed(name, 'file-missing-on-worker', `Artifact "${name}" not found at "${declared.path}"`);
    return { ...report, outcome: 'missing' };
  }

  const base = name.replace(/\/+$/, '');
  // Only the uploads still running, so memory is bounded by the window, not by the file count.
  const uploads = new Set<Promise<void>>();
  const track = (settling: Promise<void>) => {
    uploads.add(settling);
    void settling.then(() => uploads.delete(settling));
  };
  try {
    for await (const found of regularFiles(hostDir)) {
      signal?.throwIfAborted();
      const artifactName = `${base}/${found.relative}`;
      if (done.has(artifactName)) continue;
      if ('error' in found) {
        await failed(artifactName, 'file-not-readable-on-worker', `Error uploading "${artifactName}": could not read "${declared.path}/${found.relative}" (${found.error.code ?? found.error.message})`);
        continue;
      }
      await options.window.acquire(signal);
      const { path } = found;
      let opened: ReturnType<typeof inspectNoFollow>;
      try {
        opened = inspectNoFollow(path);
      } catch (err) {
        options.window.release();
        const error = err as NodeJS.ErrnoException;
        await failed(artifactName, 'file-not-readable-on-worker', `Error uploading "${artifactName}": could not read "${declared.path}/${found.relative}" (${error.code ?? error.message})`);
        continue;
      }
      if (!opened) {
        options.window.release();
        continue;
      }
      // A small file was read whole (the window bounds how many are held), and goes in one write.
      const { size, data } = opened;
      report.files++;
      report.bytes += size;
      const inMemory = data;
      track(
        artifacts
          .upload({
            name: artifactName,
            contentType: contentTypeFor(artifactName),
            contentLength: size,
            expires,
            data: inMemory,
            source: () => (inMemory ? Readable.from([inMemory]) : Readable.from(readNoFollow(path), { objectMode: false, highWaterMark: READ_CHUNK })),
            signal,
          })
          // Never rejects: a failure is recorded, so the other files still get their turn.
          .then(
            () => void done.add(artifactName),
            (error: unknown) => void report.failures.push({ name: artifactName, error }),
          )
          .finally(() => options.window.release()),
      );
    }
  } finally {
    await Promise.all(uploads);
  }
  return report;
}
