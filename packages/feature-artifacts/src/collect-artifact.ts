import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InternalError, type ArtifactPublisher, type Semaphore, type TaskFiles, type TaskLog } from '@docker-worker/worker-contract';
import tar from 'tar-stream';
import { contentTypeFor } from './content-type.js';
import { SpoolError, SpoolFile } from './spool-file.js';
import { containerPath, entryArtifactName, isRegularFile, resourceKind } from './tar-entries.js';

/**
 * Entries up to this size are read into memory and uploaded from there instead of being
 * spooled: for a directory of many small files the spool's open, write, close, open, read,
 * close and unlink per file cost more than the upload itself (100,000 files of 1 KiB). The
 * window bounds how many are held at once, so memory stays within window × this.
 */
export const IN_MEMORY_MAX = 256 * 1024;

/** One `payload.artifacts` entry. */
export interface DeclaredArtifact {
  /** `volume` artifacts are read from the host (volume-artifact.ts), never through here. */
  type: 'file' | 'directory' | 'volume';
  path: string;
  expires?: string;
}

export interface CollectOptions {
  /** The finished task's files. */
  files: TaskFiles;
  artifacts: ArtifactPublisher;
  log: TaskLog;
  /** Where entries are spooled, one file each, deleted once uploaded. */
  spoolDir: string;
  /** Bounds the spooled files waiting on disk across the run: reading the tar stream pauses while it is full. */
  window: Semaphore;
  signal: AbortSignal;
  /** The artifact's expiry (the declared one, or the task's). */
  expires: string;
  /** Unique spool file names across the run's artifacts. */
  nextSpoolName: () => string;
}

/** An upload that failed after the publisher's retries. */
export interface UploadFailure {
  name: string;
  error: unknown;
}

export interface CollectReport {
  outcome: 'uploaded' | 'missing' | 'wrong-type';
  files: number;
  bytes: number;
  failures: UploadFailure[];
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads one declared artifact out of the stopped container and uploads it.
 *
 * The archive endpoint gives a tar stream, read once, in order. A small file (up to
 * IN_MEMORY_MAX) is read into memory and uploaded from there. Each larger regular file is
 * spooled to its own file in `spoolDir` (the one disk copy), and its upload starts at once,
 * reading that file as it fills, while the tar stream moves on to the next entry once the
 * file is complete. Why spool rather than stream each entry straight into its PUT:
 *   - a PUT needs its Content-Length first, which the tar header gives, but an entry can be
 *     read only once and only while the tar stream is held on it: a retry after a 5xx or a
 *     reset could not re-read it, and every other file of the archive would wait on one
 *     upload at a time;
 *   - from the file every retry gets a fresh stream, and several uploads run in parallel, up
 *     to the publisher's limit.
 * Following the file as it is written keeps what streaming straight through would have given:
 * the read from the container and the upload overlap, so a large file costs about the longer
 * of the two rather than their sum. The window bounds how many spooled files exist at once, so
 * disk use stays bounded too; each is deleted once its upload has settled.
 *
 * A missing path gives an `error` artifact (`file-missing-on-worker`); a path of the other kind
 * (a file declared as a directory, a directory or symlink declared as a file) gives
 * `invalid-resource-on-worker`. Neither changes the task's outcome. Inside a directory only
 * regular files become artifacts: symlinks, hard links, devices and empty directories are
 * skipped, so a link never leads an upload outside the directory.
 */
export async function collectArtifact(name: string, declared: DeclaredArtifact, options: CollectOptions): Promise<CollectReport> {
  const { files, artifacts, log, signal, expires } = options;
  const report: CollectReport = { outcome: 'uploaded', files: 0, bytes: 0, failures: [] };
  const path = containerPath(declared.path);

  let archive: Readable;
  try {
    archive = await files.archive(path);
  } catch (err) {
    signal.throwIfAborted();
    if ((err as { code?: unknown }).code !== 'ENOENT') {
      throw new InternalError(`Could not read "${declared.path}" from the task's files for artifact "${name}": ${messageOf(err)}`, { cause: err });
    }
    const message = `Artifact "${name}" not found at "${declared.path}"`;
    log.info(message);
    await artifacts.error(name, 'file-missing-on-worker', message, expires);
    return { ...report, outcome: 'missing' };
  }

  const extract = tar.extract();
  // A broken archive stream destroys the extractor, whose iteration below then throws; leaving
  // the loop early destroys both ends on purpose. Either way the feed's own error adds nothing.
  const feeding = pipeline(archive, extract, { signal }).catch(() => undefined);
  // Only the uploads still running: memory stays bounded by the window, not by the file count.
  const uploads = new Set<Promise<void>>();
  const track = (settling: Promise<void>) => {
    uploads.add(settling);
    void settling.then(() => uploads.delete(settling));
  };
  let first = true;
  try {
    for await (const entry of extract) {
      signal.throwIfAborted();
      const { header } = entry;
      if (first) {
        first = false;
        const actual = resourceKind(header.type);
        if (actual !== declared.type) {
          const message = `Error uploading "${name}". Expected artifact to be a "${declared.type}" but was "${actual}"`;
          log.error(message);
          await artifacts.error(name, 'invalid-resource-on-worker', message, expires);
          return { ...report, outcome: 'wrong-type' };
        }
      }
      if (!isRegularFile(header.type)) continue;
      const artifactName = declared.type === 'file' ? name : entryArtifactName(name, header.name);
      if (!artifactName) continue;

      await options.window.acquire(signal);
      const size = header.size ?? 0;
      if (size <= IN_MEMORY_MAX) {
        let data: Buffer;
        try {
          data = await readEntry(entry as unknown as Readable, size);
        } catch (err) {
          options.window.release();
          throw new InternalError(`Could not read artifact "${artifactName}" from the task's files: ${messageOf(err)}`, { cause: err });
        }
        track(
          artifacts
            .upload({ name: artifactName, contentType: contentTypeFor(artifactName), contentLength: size, expires, data, source: () => Readable.from([data]), signal })
            .then(
              () => undefined,
              (error: unknown) => void report.failures.push({ name: artifactName, error }),
            )
            .finally(() => options.window.release()),
        );
        report.files++;
        report.bytes += size;
        if (declared.type === 'file') break;
        continue;
      }
      let spool: SpoolFile;
      try {
        // tar-stream's entries are streamx streams: node's pipeline cannot tell that one was
        // destroyed already (the archive broke while we waited for the window) and would wait.
        if ((entry as unknown as Readable).destroyed) throw new SpoolError("the container's archive stream broke");
        spool = await SpoolFile.create(join(options.spoolDir, options.nextSpoolName()), header.size ?? 0);
      } catch (err) {
        options.window.release();
        throw new InternalError(`Could not read artifact "${artifactName}" from the task's files: ${messageOf(err)}`, { cause: err });
      }
      // The upload starts now and follows the spool as it fills (see above).
      const filling = spool.fill(entry as unknown as Readable);
      const spoolFailed = new AbortController();
      const uploading = artifacts
        .upload({
          name: artifactName,
          contentType: contentTypeFor(artifactName),
          contentLength: spool.size,
          expires,
          source: () => spool.reader(),
          signal: AbortSignal.any([signal, spoolFailed.signal]),
        })
        // Never rejects: a failure is recorded, so the other files still get their turn.
        .then(
          () => undefined,
          (error: unknown) => {
            if (!spoolFailed.signal.aborted) report.failures.push({ name: artifactName, error });
          },
        );
      track(
        Promise.allSettled([filling, uploading]).then(async () => {
          await spool.remove();
          options.window.release();
        }),
      );
      try {
        await filling;
      } catch (err) {
        spoolFailed.abort(err);
        throw new InternalError(`Could not read artifact "${artifactName}" from the task's files: ${messageOf(err)}`, { cause: err });
      }
      report.files++;
      report.bytes += spool.size;
      // A file artifact is the archive's one entry.
      if (declared.type === 'file') break;
    }
  } finally {
    // Leaving the loop early (break, return, throw) destroys the extractor; settle the feed.
    extract.destroy();
    await feeding;
    await Promise.all(uploads);
  }
  if (first) {
    // An archive without entries: nothing the engine would send for an existing path.
    throw new InternalError(`Could not read "${declared.path}" from the task's files for artifact "${name}": the archive was empty`);
  }
  return report;
}

/** The whole of one (small) tar entry; fails when it is not `size` bytes, as the spool does. */
async function readEntry(entry: Readable, size: number): Promise<Buffer> {
  // See the spool's note above: node cannot see that a streamx entry was destroyed already.
  if (entry.destroyed) throw new SpoolError("the container's archive stream broke");
  const data = Buffer.allocUnsafe(size);
  let read = 0;
  for await (const chunk of entry as AsyncIterable<Buffer>) {
    if (read + chunk.length > size) throw new SpoolError(`the container's archive gave more bytes than its tar header said (${size})`);
    chunk.copy(data, read);
    read += chunk.length;
  }
  if (read !== size) throw new SpoolError(`the container's archive gave ${read} bytes, its tar header said ${size}`);
  return data;
}
