import type { Readable, Writable } from 'node:stream';

/**
 * One append-only log per task run. Worker notices, image progress and the task's output all go
 * in, in the order they happen; the live log server, the backing log upload and the chain of
 * trust read it back through createReader(). Where it is kept is the host's choice (the worker
 * keeps it in a file, FileTaskLog, so its size never costs memory).
 */
export interface TaskLog {
  /** A worker notice: `[taskcluster 2026-01-02T03:04:05.678Z] text` on its own line. */
  info(text: string): void;
  /** An error, on a fresh line so log parsers see it at column 0: `[taskcluster:error] text`. */
  error(text: string): void;
  /**
   * Something the task author should fix that does not stop the run (an ignored payload key),
   * on a fresh line like an error: `[taskcluster:warning] text`.
   */
  warn(text: string): void;
  /**
   * Raw bytes, usually container output. A Writable so a fast producer is held back by disk
   * speed instead of filling memory; ending it does not close the log.
   */
  readonly output: Writable;
  /** Bytes accepted so far (notices and output). */
  readonly bytesWritten: number;
  /**
   * Resolves when every byte accepted so far is in the file; rejects once the log could not be
   * written (a full disk), with that error. A failed log accepts nothing more.
   */
  flush(): Promise<void>;
  /**
   * The log from its first byte. With `follow`, the stream keeps delivering new bytes until
   * the log is closed, then ends; without it, it ends at the bytes written so far.
   */
  createReader(options?: { follow?: boolean; signal?: AbortSignal }): Readable;
  /** True once close() was called: later writes are refused. */
  readonly closed: boolean;
  /** Why writing failed, once it did; a log that failed rejects flush() and close(). */
  readonly failure?: Error;
  /** Flush and close the file. Idempotent. Rejects when the log could not be written. */
  close(): Promise<void>;
}
