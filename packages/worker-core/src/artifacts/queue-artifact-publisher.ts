import type { ArtifactErrorReason, ArtifactPublisher, UploadRequest } from '@docker-worker/worker-contract';
import pRetry, { AbortError } from 'p-retry';
import tc from 'taskcluster-client';
import type { RunQueue } from '../queue/queue-client.js';
import { HttpStatusError, putStream } from './http-put.js';

export type StorageType = 's3' | 'object';

export interface PublisherOptions {
  queue: RunQueue;
  storageType: StorageType;
  /** The task's `expires`: the default and the upper bound for every artifact. */
  taskExpires: string;
  /** Attempts for one upload (network errors and 5xx only). */
  retries?: number;
  /** Base delay between attempts, ms. */
  minRetryDelay?: number;
}

/**
 * Creates artifacts for one run through the queue with the claim's credentials.
 * Upload data is streamed from the request's source; each retry asks for a fresh stream.
 */
export class QueueArtifactPublisher implements ArtifactPublisher {
  #options: PublisherOptions;

  constructor(options: PublisherOptions) {
    this.#options = options;
  }

  async upload(request: UploadRequest): Promise<void> {
    const expires = request.expires ?? this.#options.taskExpires;
    if (this.#options.storageType === 'object') return this.#uploadObject(request, expires);
    return this.#uploadS3(request, expires);
  }

  async reference(name: string, url: string, contentType: string, expires?: string): Promise<void> {
    await this.#options.queue.createArtifact(name, { storageType: 'reference', url, contentType, expires: expires ?? this.#options.taskExpires });
  }

  async link(name: string, target: string, expires?: string): Promise<void> {
    await this.#options.queue.createArtifact(name, { storageType: 'link', artifact: target, expires: expires ?? this.#options.taskExpires });
  }

  async error(name: string, reason: ArtifactErrorReason, message: string, expires?: string): Promise<void> {
    await this.#options.queue.createArtifact(name, {
      storageType: 'error',
      reason,
      message: message.slice(0, 4096),
      expires: expires ?? this.#options.taskExpires,
    });
  }

  async #uploadS3(request: UploadRequest, expires: string): Promise<void> {
    const headers: Record<string, string | number> = {
      'content-type': request.contentType,
      'content-length': request.contentLength,
    };
    if (request.contentEncoding) headers['content-encoding'] = request.contentEncoding;
    await this.#retrying(async () => {
      // A fresh putUrl per attempt: they are short-lived, and asking again is idempotent.
      const reply = await this.#options.queue.createArtifact(request.name, { storageType: 's3', contentType: request.contentType, expires });
      await putStream(String(reply.putUrl), headers, request.source());
    });
  }

  /**
   * The object service has no content encoding, so gzip data is stored as what it is
   * (application/gzip) rather than as text that no reader could decode.
   */
  async #uploadObject(request: UploadRequest, expires: string): Promise<void> {
    const contentType = request.contentEncoding === 'gzip' ? 'application/gzip' : request.contentType;
    const reply = await this.#options.queue.createArtifact(request.name, { storageType: 'object', contentType, expires });
    const credentials = reply.credentials as { clientId: string; accessToken: string; certificate?: string };
    await tc.upload({
      projectId: String(reply.projectId),
      name: String(reply.name),
      uploadId: String(reply.uploadId),
      expires: String(reply.expires),
      contentType,
      contentLength: request.contentLength,
      object: this.#options.queue.objectClient(credentials),
      streamFactory: () => request.source(),
      retries: this.#options.retries ?? 5,
    });
    await this.#options.queue.finishArtifact(request.name, String(reply.uploadId));
  }

  #retrying(attempt: () => Promise<void>): Promise<void> {
    return pRetry(
      async () => {
        try {
          await attempt();
        } catch (err) {
          // 4xx will not get better by asking again.
          if (err instanceof HttpStatusError && !err.retriable) throw new AbortError(err);
          const status = (err as { statusCode?: number }).statusCode;
          if (typeof status === 'number' && status < 500) throw new AbortError(err as Error);
          throw err;
        }
      },
      { retries: this.#options.retries ?? 5, minTimeout: this.#options.minRetryDelay ?? 250, factor: 2, randomize: true },
    );
  }
}
