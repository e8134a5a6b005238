import { EventEmitter } from 'node:events';
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import type { TaskLog } from './log.js';
import { SecretMasker } from './secret-masker.js';

const READ_CHUNK = 64 * 1024;

/** `[taskcluster 2026-01-02T03:04:05.678Z] ` (the 2020 docker-worker format). */
function noticePrefix(now: Date): string {
  return `[taskcluster ${now.toISOString()}] `;
}

/**
 * The TaskLog every worker using these packages needs: an append-only file plus readers that
 * follow it. It lives beside the contract (rather than in worker-core) so features and other
 * workers can use it without depending on worker-core.
 *
 * Memory stays flat whatever the log's size: writers are held back by the file stream's
 * backpressure, and readers read the file rather than a buffer.
 *
 * A write that fails (a full disk, above all) fails the log for good: `failure` says why, the
 * writer of `output` gets the error (so whoever pipes a container into it sees it), `flush()`
 * and `close()` reject with it, and followers end with what made it to the file. Nothing is
 * emitted as an `'error'` event, which nobody would be listening to.
 */
export class FileTaskLog implements TaskLog {
  readonly path: string;
  readonly output: Writable;
  #file: WriteStream;
  #accepted = 0;
  /** Bytes known to be in the file; readers never read past this. */
  #flushed = 0;
  #atLineStart = true;
  #closed = false;
  #closing: Promise<void> | undefined;
  #events = new EventEmitter();
  #clock: () => Date;
  #failure: Error | undefined;
  /**
   * Every byte goes through it on its way into the file, so no reader (the live log, the
   * backing log, a terminal, the chain of trust's hashes) ever sees a secret.
   */
  #masker: SecretMasker;
  /** Writers waiting for the file to drain; told about a failure too, so none waits forever. */
  #waiting: Array<(err?: Error | null) => void> = [];

  /**
   * `mask`: values to write as `[masked]` wherever they appear, across writes (see
   * SecretMasker); what the task is given is untouched, only its log is masked.
   */
  constructor(path: string, options: { clock?: () => Date; mask?: Iterable<string> } = {}) {
    this.path = path;
    this.#clock = options.clock ?? (() => new Date());
    this.#masker = new SecretMasker(options.mask ?? []);
    // Opened synchronously so a reader created right away finds the file.
    this.#file = createWriteStream(path, { fd: openSync(path, 'w') });
    this.#file.on('error', (err) => this.#fail(err));
    this.#file.on('drain', () => this.#release());
    // Every reader may wait on these; there is no useful limit.
    this.#events.setMaxListeners(0);
    this.output = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (this.#failure) return callback(this.#failure);
        if (this.#closed) return callback(new Error(`task log ${path} is closed`));
        this.#append(this.#masker.push(chunk), callback);
      },
      // Ending the output (the container stream ended) must not end the log: the footer follows.
      final: (callback) => callback(),
    });
  }

  get bytesWritten(): number {
    return this.#accepted;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Why the log could not be written (a full disk, say), once that happened. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  info(text: string): void {
    this.#notice(text, (line) => `${noticePrefix(this.#clock())}${line}`);
  }

  error(text: string): void {
    this.#notice(text, (line) => `[taskcluster:error] ${line}`);
  }

  warn(text: string): void {
    this.#notice(text, (line) => `[taskcluster:warning] ${line}`);
  }

  async flush(): Promise<void> {
    while (this.#flushed < this.#accepted) {
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => this.#events.once('flushed', resolve));
    }
    if (this.#failure) throw this.#failure;
  }

  createReader(options: { follow?: boolean; signal?: AbortSignal } = {}): Readable {
    return Readable.from(this.#read(options.follow ?? false, options.signal), { objectMode: false, signal: options.signal });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      try {
        if (this.#failure) throw this.#failure;
        this.#append(this.#masker.flush(), () => {});
        await new Promise<void>((resolve, reject) => {
          // A stream that fails while ending reports it as 'error' only, not to end()'s callback.
          const failed = () => reject(this.#failure ?? new Error(`task log ${this.path} could not be closed`));
          this.#events.once('failed', failed);
          this.#file.end((err?: Error | null) => {
            this.#events.off('failed', failed);
            if (err) reject(err);
            else resolve();
          });
        });
        if (this.#failure) throw this.#failure;
      } finally {
        this.#events.emit('closed');
      }
    })();
    return this.#closing;
  }

  /** Notices always start on a fresh line, so log parsers find the marker at column 0. */
  #notice(text: string, format: (line: string) => string): void {
    if (this.#closed || this.#failure) return;
    // Output held back as a possible secret's start is not continued by a notice.
    this.#append(this.#masker.flush(), () => {});
    const lines = text.split('\n').map(format).join('\n');
    const prefix = this.#atLineStart ? '' : '\n';
    const masked = this.#masker.push(Buffer.from(`${prefix}${lines}\n`));
    this.#append(Buffer.concat([masked, this.#masker.flush()]), () => {});
  }

  #append(chunk: Buffer, callback: (err?: Error | null) => void): void {
    if (chunk.length === 0) return callback();
    this.#accepted += chunk.length;
    this.#atLineStart = chunk[chunk.length - 1] === 0x0a;
    const length = chunk.length;
    const accepted = this.#file.write(chunk, (err) => {
      if (!err) {
        this.#flushed += length;
        this.#events.emit('flushed');
      }
    });
    if (accepted) callback();
    else if (this.#failure) callback(this.#failure);
    else this.#waiting.push(callback);
  }

  #release(err?: Error): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const callback of waiting) callback(err);
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#release(err);
    // Wake flush() and followers: nothing more will reach the file.
    this.#events.emit('failed');
    this.#events.emit('flushed');
  }

  async *#read(follow: boolean, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
    const handle = await open(this.path, 'r');
    try {
      let offset = 0;
      for (;;) {
        signal?.throwIfAborted();
        const available = this.#flushed;
        if (offset < available) {
          const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, available - offset));
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
          offset += bytesRead;
          yield buffer.subarray(0, bytesRead);
          continue;
        }
        if (!follow || this.#failure || (this.#closed && this.#flushed === this.#accepted)) return;
        await this.#nextChange(signal);
      }
    } finally {
      await handle.close();
    }
  }

  #nextChange(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#events.off('flushed', done);
        this.#events.off('closed', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.#events.on('flushed', done);
      this.#events.on('closed', done);
      signal?.addEventListener('abort', done);
    });
  }
}
