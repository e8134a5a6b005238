import { setTimeout as delay } from 'node:timers/promises';
import { Semaphore, type ArtifactErrorReason, type ArtifactPublisher, type UploadRequest } from '@docker-worker/worker-contract';
import type { Client } from 'taskcluster-client';
import { PutStatusError, putStream } from './http-put.js';

type Queue = Client;

export interface QueuePublisherOptions {
  /** The queue with the run's current credentials (a reclaim replaces them). */
  queue: () => Queue;
  taskId: string;
  runId: number;
  /** The task's `expires`: what an artifact without its own expiry gets. */
  taskExpires: string;
  /** Uploads at once, across every feature of the run. */
  concurrency?: number;
  /** Attempts after the first, for network errors and 5xx. */
  retries?: number;
}

/**
 * The run's artifacts, created through the queue: `s3` artifacts for data (createArtifact, then
 * a PUT of the stream to the URL it returns; the queue needs nothing more for s3), and
 * `reference`, `link` and `error` artifacts. s3 keeps the Content-Encoding a PUT sends, so
 * features may upload gzip for readers that decode it (`servesContentEncoding`).
 *
 * It does not hash what it sends: only seal features (the chain of trust) read hashes, and
 * this worker runs none, so `upload` returns nothing and there is no `uploads()`.
 */
export class QueueArtifactPublisher implements ArtifactPublisher {
  readonly servesContentEncoding = true;
  readonly maxConcurrentUploads: number;
  #options: QueuePublisherOptions;
  #slots: Semaphore;

  constructor(options: QueuePublisherOptions) {
    this.#options = options;
    this.#slots = new Semaphore(options.concurrency ?? 4);
    this.maxConcurrentUploads = this.#slots.limit;
  }

  async upload(request: UploadRequest): Promise<void> {
    const { name, contentType, contentLength, contentEncoding, signal } = request;
    const expires = request.expires ?? this.#options.taskExpires;
    const headers: Record<string, string> = { 'content-type': contentType, 'content-length': String(contentLength) };
    if (contentEncoding) headers['content-encoding'] = contentEncoding;
    await this.#slots.run(async () => {
      const retries = this.#options.retries ?? 4;
      for (let attempt = 0; ; attempt++) {
        try {
          // A fresh putUrl each attempt: they are short-lived, and asking again is harmless.
          const reply = (await this.#create(name, { storageType: 's3', contentType, expires })) as { putUrl: string };
          await putStream(reply.putUrl, headers, request.source(), signal);
          return;
        } catch (err) {
          if (signal?.aborted || attempt >= retries || !retriable(err)) throw err;
          await delay(250 * 2 ** attempt, undefined, { signal });
        }
      }
    }, signal);
  }

  async reference(name: string, url: string, contentType: string, expires?: string): Promise<void> {
    await this.#create(name, { storageType: 'reference', url, contentType, expires: expires ?? this.#options.taskExpires });
  }

  async link(name: string, target: string, expires?: string): Promise<void> {
    await this.#create(name, { storageType: 'link', artifact: target, expires: expires ?? this.#options.taskExpires });
  }

  async error(name: string, reason: ArtifactErrorReason, message: string, expires?: string): Promise<void> {
    // The queue's schema caps the message.
    await this.#create(name, { storageType: 'error', reason, message: message.slice(0, 4096), expires: expires ?? this.#options.taskExpires });
  }

  #create(name: string, request: Record<string, unknown>): Promise<unknown> {
    const { taskId, runId } = this.#options;
    return this.#options.queue().createArtifact(taskId, runId, name, request);
  }
}

/** Network errors and 5xx may pass; a 4xx (or a client error from the queue) will not. */
function retriable(err: unknown): boolean {
  if (err instanceof PutStatusError) return err.statusCode >= 500;
  const status = (err as { statusCode?: unknown }).statusCode;
  return typeof status !== 'number' || status >= 500;
}
