import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';

/** The source gave a different number of bytes than the upload declared: a bug, not worth a retry. */
export class ContentLengthMismatchError extends Error {
  constructor(name: string, declared: number, actual: number) {
    super(`artifact ${name}: the upload declared ${declared} bytes but its source gave ${actual}`);
    this.name = 'ContentLengthMismatchError';
  }
}

/**
 * Passes an upload's bytes through unchanged while counting them and computing the sha256 of
 * the content as readers will receive it. With `decodeGzip` (a gzip-encoded s3 artifact, which
 * HTTP clients decode on download) the bytes are also inflated on the side and the hash is of
 * the inflated content; otherwise it is of the bytes sent. Nothing is buffered beyond zlib's
 * own window, so a file of any size streams through.
 */
export class ContentHasher extends Transform {
  #name: string;
  #declared: number;
  #raw: Hash | undefined;
  #decoded: Hash | undefined;
  #gunzip: Gunzip | undefined;
  #size = 0;
  #sha256: string | undefined;
  #mismatch: ContentLengthMismatchError | undefined;

  /** With `hash: false` only the length is checked (no sha256, no inflating): nobody needs the hash. */
  constructor(name: string, declaredLength: number, options: { decodeGzip?: boolean; hash?: boolean } = {}) {
    super();
    this.#name = name;
    this.#declared = declaredLength;
    if (options.hash === false) return;
    // Gzip content is hashed as inflated: the raw bytes then need no hash of their own.
    if (!options.decodeGzip) {
      this.#raw = createHash('sha256');
      return;
    }
    const decoded = createHash('sha256');
    this.#decoded = decoded;
    this.#gunzip = createGunzip();
    this.#gunzip.on('data', (chunk: Buffer) => decoded.update(chunk));
    this.#gunzip.on('error', (err) => this.destroy(err));
  }

  /** Bytes that went through. */
  get size(): number {
    return this.#size;
  }

  /** Set when the source gave more or fewer bytes than declared (the upload then fails too). */
  get mismatch(): ContentLengthMismatchError | undefined {
    return this.#mismatch;
  }

  /** Set once the stream has ended with exactly the declared length (when hashing). */
  get sha256(): string | undefined {
    return this.#sha256;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    if (this.#size > this.#declared) {
      callback((this.#mismatch = new ContentLengthMismatchError(this.#name, this.#declared, this.#size)));
      return;
    }
    this.#raw?.update(chunk);
    // Waiting for zlib to take the chunk keeps its buffer bounded (backpressure).
    if (this.#gunzip) this.#gunzip.write(chunk, () => callback(null, chunk));
    else callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#size !== this.#declared) {
      callback((this.#mismatch = new ContentLengthMismatchError(this.#name, this.#declared, this.#size)));
      return;
    }
    const gunzip = this.#gunzip;
    if (!gunzip) {
      this.#sha256 = this.#raw?.digest('hex');
      callback();
      return;
    }
    gunzip.once('end', () => {
      this.#sha256 = this.#decoded!.digest('hex');
      callback();
    });
    gunzip.end();
  }
}
