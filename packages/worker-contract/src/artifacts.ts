import type { Readable } from 'node:stream';

/** Reasons an `error` artifact may carry: the queue's createArtifact accepts these and no others. */
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
  /**
   * The same bytes when they are already in memory (a small file): a publisher may send them
   * in one write instead of streaming `source()`, which for a directory of thousands of small
   * files is most of each upload's cost. `source` must still give the same bytes.
   */
  data?: Buffer;
  /** Abandons the upload (and its retries) when aborted, e.g. when the run is canceled. */
  signal?: AbortSignal;
}

/** What an upload stored. */
export interface UploadResult {
  /**
   * Lower-case hex sha256 of the artifact's content as a client reading it through the queue
   * receives it: the decoded bytes of a `gzip`-encoded s3 artifact, the stored bytes otherwise.
   * What the chain of trust lists.
   */
  sha256: string;
  /** Bytes sent (the encoded size for `gzip`). */
  size: number;
}

/** An artifact with data that was uploaded in the current run. */
export interface UploadedArtifact extends UploadResult {
  name: string;
  contentType: string;
}

/**
 * Creates artifacts for the current run with the claim's credentials. Uploads use the storage
 * type the worker is configured for, stream their data, and retry network errors and 5xx.
 */
export interface ArtifactPublisher {
  /** Implementations that can hash what they send return it (the worker's publisher always does). */
  upload(request: UploadRequest): Promise<UploadResult | void>;
  reference(name: string, url: string, contentType: string, expires?: string): Promise<void>;
  link(name: string, target: string, expires?: string): Promise<void>;
  error(name: string, reason: ArtifactErrorReason, message: string, expires?: string): Promise<void>;
  /**
   * How many uploads run at once; further `upload` calls wait for a free slot. Producers that
   * spool data for uploads use it to bound how much they hold on disk.
   */
  readonly maxConcurrentUploads?: number;
  /**
   * False when an upload's `contentEncoding` would not reach readers: the object service keeps
   * a content type and a length, no encoding, and serves the bytes as uploaded. Text meant to
   * be read as text (logs) is then uploaded as it is, uncompressed; such a publisher refuses a
   * `gzip` upload rather than store bytes no reader expects. Absent means true.
   */
  readonly servesContentEncoding?: boolean;
  /**
   * Every artifact with data uploaded so far in this run, by any feature, in upload order
   * (the chain of trust lists them). Only publishers shared by the whole run offer it.
   */
  uploads?(): readonly UploadedArtifact[];
}
