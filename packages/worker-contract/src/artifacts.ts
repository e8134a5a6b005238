import type { Readable } from 'node:stream';

/** Reasons an `error` artifact may carry (taskcluster-protocol §1.7). */
export type ArtifactErrorReason =
  | 'file-missing-on-worker'
  | 'invalid-resource-on-worker'
  | 'too-large-file-on-worker'
  | 'file-not-readable-on-worker';

export interface UploadRequest {
  name: string;
  contentType: string;
  /** `gzip` when the bytes are gzip-compressed text meant to be read decompressed. */
  contentEncoding?: 'gzip' | 'identity';
  contentLength: number;
  /** ISO date; the task's `expires` when omitted. */
  expires?: string;
  /** Returns a fresh stream of the bytes; called again for each retry. */
  source: () => Readable;
}

/**
 * Creates artifacts for the current run with the claim's credentials. Uploads use the storage
 * type the worker is configured for, stream their data, and retry network errors and 5xx.
 */
export interface ArtifactPublisher {
  upload(request: UploadRequest): Promise<void>;
  reference(name: string, url: string, contentType: string, expires?: string): Promise<void>;
  link(name: string, target: string, expires?: string): Promise<void>;
  error(name: string, reason: ArtifactErrorReason, message: string, expires?: string): Promise<void>;
}
