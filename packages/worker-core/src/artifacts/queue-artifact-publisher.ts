import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Semaphore, type ArtifactErrorReason, type ArtifactPublisher, type Metrics, type UploadedArtifact, type UploadRequest, type UploadResult } from '@docker-worker/worker-contract';
import pRetry, { AbortError } from 'p-retry';
import tc from 'taskcluster-client';
import { asError } from '../queue/as-error.js';
import type { RunQueue } from '../queue/queue-client.js';
import { ContentHasher, ContentLengthMismatchError } from './content-hasher.js';
import { HttpStatusError, putBuffer, putStream } from './http-put.js';

export type StorageType = 's3' | 'object';

/** `artifacts.uploadConcurrency`'s default. */
export const DEFAULT_UPLOAD_CONCURRENCY = 4;

export interface PublisherOptions {
  queue: RunQueue;
  storageType: StorageType;
  /** The task's `expires`: the default and the upper bound for every artifact. */
  taskExpires: string;
  /** Retries of one upload after its first attempt (network errors and 5xx only). */
  retries?: number;
  /** Base delay between attempts, ms. */
  minRetryDelay?: number;
  /** Uploads of this publisher running at once; more wait for a free slot. */
  concurrency?: number;
  /**
   * Hash every upload (sha256, for the chain of trust); true by default. Off, uploads are only
   * length-checked, upload() returns nothing and uploads() stays empty: for a 200 MB log the
   * hash (of the inflated gzip) was half a second of CPU at the end of each run.
   */
  hashContent?: boolean;
  /** Where uploads are counted (see metrics/catalogue.ts). */
  metrics?: Metrics;
}

/**
 * Creates artifacts for one run through the queue with the claim's credentials. One publisher
 * serves every feature of the run, so the concurrency limit covers all of the run's uploads
 * and `uploads()` lists all of them (for the chain of trust).
 *
 * Upload data is streamed from the request's source, hashed in passing; each retry asks for a
 * fresh stream. Network errors and 5xx are retried with exponential backoff; 4xx are not.
 */
export class QueueArtifactPublisher implements ArtifactPublisher {
  readonly maxConcurrentUploads: number;
  readonly servesContentEncoding: boolean;
  #options: PublisherOptions;
  /** Bounds the run's concurrent uploads, so a directory of many files does not open hundreds of connections. */
  #limiter: Semaphore;
  /** By name, in upload order: a repeated name (an idempotent re-upload) keeps only its latest record, moved to the end. */
  #uploads = new Map<string, UploadedArtifact>();

  constructor(options: PublisherOptions) {
    this.#options = options;
    this.#limiter = new Semaphore(options.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY);
    this.maxConcurrentUploads = this.#limiter.limit;
    // The queue serves an s3 artifact with the Content-Encoding it was uploaded with.
    this.servesContentEncoding = options.storageType === 's3';
  }

  uploads(): readonly UploadedArtifact[] {
    return [...this.#uploads.values()];
  }

  async upload(request: UploadRequest): Promise<UploadResult | undefined> {
    const expires = request.expires ?? this.#options.taskExpires;
    const metrics = this.#options.metrics;
    const result = await this.#limiter.run(async () => {
      // Timed inside the limiter: the wait for a free slot is not the upload's.
      const begun = performance.now();
      try {
        const uploaded = await (this.#options.storageType === 'object' ? this.#uploadObject(request, expires) : this.#uploadS3(request, expires));
        metrics?.increment('dw_artifact_uploads_total', { result: 'uploaded' });
        metrics?.increment('dw_artifact_upload_bytes_total', {}, request.contentLength);
        metrics?.observe('dw_artifact_upload_seconds', (performance.now() - begun) / 1000);
        return uploaded;
      } catch (err) {
        metrics?.increment('dw_artifact_uploads_total', { result: 'failed' });
        throw err;
      }
    }, request.signal);
    if (!result) return undefined;
    this.#uploads.delete(request.name);
    this.#uploads.set(request.name, { name: request.name, contentType: request.contentType, ...result });
    return result;
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

  async #uploadS3(request: UploadRequest, expires: string): Promise<UploadResult | undefined> {
    const headers: Record<string, string | number> = {
      'content-type': request.contentType,
      'content-length': request.contentLength,
    };
    if (request.contentEncoding) headers['content-encoding'] = request.contentEncoding;
    return this.#retrying(request.signal, async () => {
      // A fresh putUrl per attempt: they are short-lived, and asking again is idempotent.
      const reply = await this.#options.queue.createArtifact(request.name, { storageType: 's3', contentType: request.contentType, expires });
      if (request.data && request.contentEncoding !== 'gzip') return this.#putData(String(reply.putUrl), headers, request);
      const hasher = new ContentHasher(request.name, request.contentLength, { decodeGzip: request.contentEncoding === 'gzip', hash: this.#options.hashContent });
      try {
        await putStream(String(reply.putUrl), headers, request.source(), { through: hasher, signal: request.signal });
      } catch (err) {
        // The request then fails too (cut short), but the source is what is wrong.
        throw hasher.mismatch ?? err;
      }
      return hasher.sha256 === undefined ? undefined : { sha256: hasher.sha256, size: hasher.size };
    });
  }

  /**
   * A body already in memory, sent in one write: no stream, no pipeline, no hashing transform.
   * For a directory of many small files these were most of each upload's CPU.
   */
  async #putData(url: string, headers: Record<string, string | number>, request: UploadRequest): Promise<UploadResult | undefined> {
    const data = request.data!;
    if (data.length !== request.contentLength) throw new ContentLengthMismatchError(request.name, request.contentLength, data.length);
    await putBuffer(url, headers, data, { signal: request.signal });
    if (this.#options.hashContent === false) return undefined;
    return { sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
  }

  /**
   * The object service keeps no content encoding and serves the bytes as uploaded, so a gzip
   * upload would reach every reader as gzip under a text content type: it is refused, and
   * callers check `servesContentEncoding` first. taskcluster-client's `upload` retries the
   * data PUT itself (5xx and network errors) with a fresh stream each time.
   */
  async #uploadObject(request: UploadRequest, expires: string): Promise<UploadResult | undefined> {
    const signal = request.signal;
    signal?.throwIfAborted();
    if (request.contentEncoding !== undefined && request.contentEncoding !== 'identity') {
      throw new Error(`artifact ${request.name}: object artifacts have no content encoding, so '${request.contentEncoding}' cannot be uploaded (upload the bytes as readers should get them)`);
    }
    const contentType = request.contentType;
    const reply = await this.#options.queue.createArtifact(request.name, { storageType: 'object', contentType, expires });
    const credentials = reply.credentials as { clientId: string; accessToken: string; certificate?: string };
    let hasher: ContentHasher | undefined;
    const streamFactory = (): Readable => {
      signal?.throwIfAborted();
      hasher = new ContentHasher(request.name, request.contentLength, { hash: this.#options.hashContent });
      const source = request.source();
      // Errors of the source reach the upload through the hasher (pipe() alone drops them).
      source.once('error', (err) => hasher!.destroy(err));
      const current = hasher;
      signal?.addEventListener('abort', () => current.destroy(signal.reason as Error), { once: true });
      return source.pipe(hasher);
    };
    await tc.upload({
      projectId: String(reply.projectId),
      name: String(reply.name),
      uploadId: String(reply.uploadId),
      expires: String(reply.expires),
      contentType,
      contentLength: request.contentLength,
      object: this.#options.queue.objectClient(credentials),
      streamFactory,
      retries: this.#options.retries ?? 5,
    });
    signal?.throwIfAborted();
    await this.#options.queue.finishArtifact(request.name, String(reply.uploadId));
    const last = hasher;
    if (!last || last.size !== request.contentLength || (this.#options.hashContent !== false && !last.sha256)) {
      throw new Error(`artifact ${request.name}: the upload finished without reading its data`);
    }
    return last.sha256 === undefined ? undefined : { sha256: last.sha256, size: last.size };
  }

  #retrying<T>(signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    return pRetry(
      async () => {
        try {
          return await attempt();
        } catch (err) {
          if (signal?.aborted) throw new AbortError(asError(err));
          // 4xx will not get better by asking again; nor will a source of the wrong length.
          if (err instanceof ContentLengthMismatchError) throw new AbortError(err);
          if (err instanceof HttpStatusError && !err.retriable) throw new AbortError(err);
          const status = (err as { statusCode?: number }).statusCode;
          if (typeof status === 'number' && status < 500) throw new AbortError(asError(err));
          throw asError(err);
        }
      },
      {
        retries: this.#options.retries ?? 5,
        minTimeout: this.#options.minRetryDelay ?? 250,
        maxTimeout: 30_000,
        factor: 2,
        randomize: true,
        signal,
        onFailedAttempt: ({ retriesLeft }) => {
          if (retriesLeft > 0) this.#options.metrics?.increment('dw_artifact_upload_retries_total');
        },
      },
    );
  }
}
