// Artifact and object data on disk. Uploads stream straight to a temporary file (hashing
// as they go, for objects) that is renamed into place once complete, so a large body is never held whole
// in memory and a failed upload never leaves a partial file where a download could find it.
// Small bodies are read whole and written in one call (see SMALL_BODY_BYTES).

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredFile {
  path: string;
  size: number;
  /** Only when written with `hash` (the object service checks them at finishUpload). */
  sha256?: string;
  sha512?: string;
}

/**
 * `hash`: compute sha256 and sha512 of the bytes. The object service needs them (finishUpload
 * checks the hashes a client gives); an s3 PUT does not, and hashing it cost `worker run`,
 * whose queue is in-process, about 2.5 s of CPU per GiB uploaded on a machine without SHA
 * instructions.
 */
export interface WriteOptions {
  hash: boolean;
}

export class SizeMismatchError extends Error {}

/**
 * Bodies up to this size are read into memory and written in one call: for thousands of small
 * artifacts the write stream's open, writes, close and rename, each a round trip through the
 * thread pool, cost more than the request itself. Bounded per request, as JSON bodies are.
 */
export const SMALL_BODY_BYTES = 256 * 1024;

/** All of `source`, which must be exactly `size` bytes (SizeMismatchError otherwise). */
async function readExactly(source: Readable, size: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(size);
  let read = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    if (read + chunk.length > size) throw new SizeMismatchError(`received more than the declared ${size} bytes`);
    chunk.copy(data, read);
    read += chunk.length;
  }
  if (read !== size) throw new SizeMismatchError(`received ${read} bytes, but ${size} were declared`);
  return data;
}

/** Counts (and hashes, when asked) bytes in passing; fails as soon as more than `limit` bytes arrive. */
class HashingCounter extends Transform {
  readonly sha256;
  readonly sha512;
  size = 0;

  constructor(
    private readonly limit: number | undefined,
    hash: boolean,
  ) {
    super();
    this.sha256 = hash ? createHash('sha256') : undefined;
    this.sha512 = hash ? createHash('sha512') : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.limit !== undefined && this.size > this.limit) {
      callback(new SizeMismatchError(`received more than the declared ${this.limit} bytes`));
      return;
    }
    this.sha256?.update(chunk);
    this.sha512?.update(chunk);
    callback(null, chunk);
  }
}

export class DiskStorage {
  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(join(this.root, 's3'), { recursive: true });
    await mkdir(join(this.root, 'object'), { recursive: true });
  }

  /** A file name derived from the key, so names with slashes or odd characters are safe. */
  pathFor(kind: 's3' | 'object', key: string): string {
    return join(this.root, kind, createHash('sha256').update(key).digest('hex'));
  }

  /**
   * Streams `source` into `path`. With `expectedSize`, fails (SizeMismatchError) when the
   * byte count differs; the previous file at `path`, if any, is kept in that case.
   */
  async writeStream(path: string, source: Readable, expectedSize: number | undefined, options: WriteOptions): Promise<StoredFile> {
    if (expectedSize !== undefined && expectedSize <= SMALL_BODY_BYTES) return this.writeBuffer(path, await readExactly(source, expectedSize), options);
    const partial = `${path}.${randomBytes(6).toString('hex')}.partial`;
    const counter = new HashingCounter(expectedSize, options.hash);
    try {
      await pipeline(source, counter, createWriteStream(partial));
      if (expectedSize !== undefined && counter.size !== expectedSize) {
        throw new SizeMismatchError(`received ${counter.size} bytes, but ${expectedSize} were declared`);
      }
      await rename(partial, path);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    return { path, size: counter.size, sha256: counter.sha256?.digest('hex'), sha512: counter.sha512?.digest('hex') };
  }

  /**
   * Small payloads, in memory (dataInline uploads, small PUT bodies). A new file is created
   * in place (exclusively: nothing else can be reading it, since nothing points at it until
   * this returns), which saves the rename of the usual case; replacing an existing file still
   * goes through a temporary file and a rename, so a download never sees it half written.
   */
  async writeBuffer(path: string, data: Buffer, options: WriteOptions): Promise<StoredFile> {
    try {
      await writeFile(path, data, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        await rm(path, { force: true });
        throw err;
      }
      const partial = `${path}.${randomBytes(6).toString('hex')}.partial`;
      try {
        await writeFile(partial, data);
        await rename(partial, path);
      } catch (err2) {
        await rm(partial, { force: true });
        throw err2;
      }
    }
    if (!options.hash) return { path, size: data.length };
    return {
      path,
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
      sha512: createHash('sha512').update(data).digest('hex'),
    };
  }

  async size(path: string): Promise<number | undefined> {
    try {
      return (await stat(path)).size;
    } catch {
      return undefined;
    }
  }

  read(path: string): ReadStream {
    return createReadStream(path);
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async removeAll(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
