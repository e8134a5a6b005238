import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ArtifactErrorReason, ArtifactPublisher, UploadedArtifact, UploadRequest, UploadResult } from '../artifacts.js';
import { Semaphore } from '../semaphore.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

export interface StoredUpload {
  name: string;
  contentType: string;
  contentEncoding?: string;
  contentLength: number;
  expires?: string;
  data: Buffer;
}

export interface StoredError {
  name: string;
  reason: ArtifactErrorReason;
  message: string;
  expires?: string;
}

/** Every publisher call, in the order they were made. */
export type PublisherCall =
  | { kind: 'upload'; request: UploadRequest; bytes: Buffer }
  | { kind: 'reference'; name: string; url: string; contentType: string; expires?: string }
  | { kind: 'link'; name: string; target: string; expires?: string }
  | { kind: 'error'; name: string; reason: ArtifactErrorReason; message: string; expires?: string };

/**
 * An ArtifactPublisher in memory that behaves like the worker's where it matters to features:
 * it reads each source fully, checks the declared length, hashes (so `uploads()` lists what a
 * seal feature would see), runs at most `maxConcurrentUploads` at once, and records every call.
 * A test of a feature, in this repository or in another worker's, checks what it published here.
 */
export class RecordingPublisher implements ArtifactPublisher {
  readonly maxConcurrentUploads: number;
  readonly servesContentEncoding: boolean;
  readonly calls: PublisherCall[] = [];
  /** Uploaded artifacts by name. */
  readonly stored = new Map<string, StoredUpload>();
  /** Error artifacts by name. */
  readonly errors = new Map<string, StoredError>();
  readonly links: Array<{ name: string; target: string; expires?: string }> = [];
  readonly references: Array<{ name: string; url: string; contentType: string; expires?: string }> = [];
  /** Most uploads seen in flight at once. */
  peakInFlight = 0;
  /** Uploads whose name matches fail with this error (as after the publisher's retries). */
  failing: { match: RegExp; error: Error } | undefined;
  /** Each upload takes at least this long (to make concurrency observable). */
  delayMs = 0;
  #limiter: Semaphore;
  #uploads: UploadedArtifact[] = [];

  constructor(options: { concurrency?: number; servesContentEncoding?: boolean } = {}) {
    this.#limiter = new Semaphore(options.concurrency ?? 4);
    this.maxConcurrentUploads = this.#limiter.limit;
    this.servesContentEncoding = options.servesContentEncoding ?? true;
  }

  uploads(): readonly UploadedArtifact[] {
    return [...this.#uploads];
  }

  upload(request: UploadRequest): Promise<UploadResult> {
    return this.#limiter.run(async () => {
      this.peakInFlight = Math.max(this.peakInFlight, this.#limiter.held);
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      if (this.failing?.match.test(request.name)) throw this.failing.error;
      if (request.contentEncoding === 'gzip' && !this.servesContentEncoding) {
        throw new Error(`${request.name}: this publisher's storage serves no content encoding; a gzip upload would reach readers as gzip bytes`);
      }
      const data = await readAll(request.source());
      if (data.length !== request.contentLength) throw new Error(`${request.name}: declared ${request.contentLength} bytes, got ${data.length}`);
      // A publisher may send `data` instead of reading `source`: both must be the same bytes.
      if (request.data && !request.data.equals(data)) throw new Error(`${request.name}: its data and its source differ`);
      this.calls.push({ kind: 'upload', request, bytes: data });
      this.stored.set(request.name, {
        name: request.name,
        contentType: request.contentType,
        contentEncoding: request.contentEncoding,
        contentLength: request.contentLength,
        expires: request.expires,
        data,
      });
      const result = { sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
      this.#uploads.push({ name: request.name, contentType: request.contentType, ...result });
      return result;
    });
  }

  async reference(name: string, url: string, contentType: string, expires?: string): Promise<void> {
    this.calls.push({ kind: 'reference', name, url, contentType, expires });
    this.references.push({ name, url, contentType, expires });
  }

  async link(name: string, target: string, expires?: string): Promise<void> {
    this.calls.push({ kind: 'link', name, target, expires });
    this.links.push({ name, target, expires });
  }

  async error(name: string, reason: ArtifactErrorReason, message: string, expires?: string): Promise<void> {
    this.calls.push({ kind: 'error', name, reason, message, expires });
    this.errors.set(name, { name, reason, message, expires });
  }

  /** The upload calls, in order. */
  uploadCalls(): Array<PublisherCall & { kind: 'upload' }> {
    return this.calls.filter((call): call is PublisherCall & { kind: 'upload' } => call.kind === 'upload');
  }

  /** An uploaded artifact's bytes as text; throws naming what there is when it is absent. */
  text(name: string): string {
    const stored = this.stored.get(name);
    if (!stored) throw new Error(`no artifact ${name} (have: ${[...this.stored.keys()].join(', ')})`);
    return stored.data.toString('utf8');
  }
}
