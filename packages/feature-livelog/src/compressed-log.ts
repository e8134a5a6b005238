import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ArtifactPublisher, TaskLog, UploadRequest } from '@docker-worker/worker-contract';
import { pacedReader } from './paced-reader.js';

/**
 * The gzip copy of one task log, written to a file in the run's directory while the task runs,
 * and shared
 * by the features that upload it (backing log, bulk log): the log is compressed once, and at
 * the end of the task only the last bytes are left to compress.
 *
 * It follows the log file like any live log reader, so compressing never holds the task back,
 * and memory stays at zlib's window whatever the log's size.
 */
export class CompressedLog {
  static #byLog = new WeakMap<TaskLog, CompressedLog>();

  /**
   * The one copy of `log`, made on first use in `dir` (the system's temporary directory when
   * absent); the caller uses it until it calls release().
   */
  static of(log: TaskLog, dir: string | undefined): CompressedLog {
    let compressed = CompressedLog.#byLog.get(log);
    if (!compressed) {
      compressed = new CompressedLog(log, dir ?? tmpdir());
      CompressedLog.#byLog.set(log, compressed);
    }
    compressed.#users += 1;
    return compressed;
  }

  readonly path: string;
  #log: TaskLog;
  #users = 0;
  #abort = new AbortController();
  #done: Promise<number> | undefined;

  private constructor(log: TaskLog, dir: string) {
    this.#log = log;
    this.path = join(dir, `task-log-${randomBytes(6).toString('hex')}.gz`);
  }

  /** Start compressing, if not started yet: from then on the copy keeps up with the log. */
  start(): void {
    if (this.#done) return;
    this.#done = this.#compress();
    // Whoever needs the result sees the error through finished(); nobody else must be bothered.
    this.#done.catch(() => {});
  }

  /** The compressed size, once the whole log is compressed; waits for the log to be closed. */
  finished(): Promise<number> {
    this.start();
    return this.#done!;
  }

  /** Upload the whole compressed log as `request` says, once the log is closed. */
  async upload(artifacts: ArtifactPublisher, request: Omit<UploadRequest, 'contentLength' | 'source'>): Promise<void> {
    const size = await this.finished();
    await artifacts.upload({ ...request, contentLength: size, source: () => createReadStream(this.path) });
  }

  /** The last user gone: stop compressing and remove the file. */
  async release(): Promise<void> {
    this.#users -= 1;
    if (this.#users > 0) return;
    CompressedLog.#byLog.delete(this.#log);
    this.#abort.abort();
    await this.#done?.catch(() => {});
    await rm(this.path, { force: true });
  }

  async #compress(): Promise<number> {
    const signal = this.#abort.signal;
    await pipeline(pacedReader(this.#log, { signal }), createGzip(), createWriteStream(this.path), { signal });
    return (await stat(this.path)).size;
  }
}
