import { EventEmitter } from 'node:events';
import { Readable, Writable } from 'node:stream';
import type { TaskLog } from '../log.js';

/**
 * A TaskLog kept in memory, for tests that want to look at what a runtime or feature wrote
 * without a file. Notices are also kept apart (`infos`, `errors`, `warnings`) so a test can assert on them
 * directly. Memory grows with the log: fine for tests, which is why the worker uses FileTaskLog.
 */
export class MemoryTaskLog implements TaskLog {
  readonly output: Writable;
  /** Every `info()` text, in order. */
  readonly infos: string[] = [];
  /** Every `error()` text, in order. */
  readonly errors: string[] = [];
  /** Every `warn()` text, in order. */
  readonly warnings: string[] = [];
  #chunks: Buffer[] = [];
  #bytes = 0;
  #atLineStart = true;
  #closed = false;
  #events = new EventEmitter();

  constructor() {
    this.#events.setMaxListeners(0);
    this.output = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (this.#closed) return callback(new Error('task log is closed'));
        this.#append(chunk);
        callback();
      },
      // Like FileTaskLog: the container's output ending does not end the log.
      final: (callback) => callback(),
    });
  }

  get bytesWritten(): number {
    return this.#bytes;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Everything written so far, notices formatted as `[taskcluster] text`. */
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }

  info(text: string): void {
    if (this.#closed) return;
    this.infos.push(text);
    this.#notice(text, '[taskcluster] ');
  }

  error(text: string): void {
    if (this.#closed) return;
    this.errors.push(text);
    this.#notice(text, '[taskcluster:error] ');
  }

  warn(text: string): void {
    if (this.#closed) return;
    this.warnings.push(text);
    this.#notice(text, '[taskcluster:warning] ');
  }

  async flush(): Promise<void> {}

  createReader(options: { follow?: boolean; signal?: AbortSignal } = {}): Readable {
    return Readable.from(this.#read(options.follow ?? false, options.signal), { objectMode: false });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#events.emit('change');
  }

  #notice(text: string, prefix: string): void {
    const lines = text
      .split('\n')
      .map((line) => prefix + line)
      .join('\n');
    this.#append(Buffer.from(`${this.#atLineStart ? '' : '\n'}${lines}\n`));
  }

  #append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(Buffer.from(chunk));
    this.#bytes += chunk.length;
    this.#atLineStart = chunk[chunk.length - 1] === 0x0a;
    this.#events.emit('change');
  }

  async *#read(follow: boolean, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
    let index = 0;
    for (;;) {
      signal?.throwIfAborted();
      while (index < this.#chunks.length) yield this.#chunks[index++] as Buffer;
      if (!follow || this.#closed) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#events.off('change', done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.#events.on('change', done);
        signal?.addEventListener('abort', done);
      });
    }
  }
}
