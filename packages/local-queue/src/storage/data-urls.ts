// The URLs under `<rootUrl>/_data/` where artifact and object bytes are uploaded and
// downloaded. They stand in for pre-signed S3 URLs: signed, expiring, and usable without
// Taskcluster credentials.

import { encodePathName, type UrlSigner } from './signed-urls.js';

/** How long a download URL handed out by getArtifact or startDownload stays valid. */
export const DOWNLOAD_URL_LIFETIME_MS = 60 * 60 * 1000;
/** How long an s3 putUrl stays valid (about what the real queue signs). */
export const S3_PUT_URL_LIFETIME_MS = 45 * 60 * 1000;

export const PURPOSE = {
  s3Put: 's3-put',
  s3Get: 's3-get',
  objectPut: 'object-put',
  objectGet: 'object-get',
} as const;

export function s3Resource(taskId: string, runId: number, name: string): string {
  return `${taskId}/${runId}/${name}`;
}

export function objectPutResource(name: string, uploadId: string): string {
  return `${name}\n${uploadId}`;
}

export class DataUrls {
  constructor(
    readonly signer: UrlSigner,
    private readonly rootUrl: () => string,
  ) {}

  s3Put(taskId: string, runId: number, name: string, expires: number): string {
    const query = this.signer.query(PURPOSE.s3Put, s3Resource(taskId, runId, name), expires);
    return `${this.rootUrl()}/_data/s3/${taskId}/${runId}/${encodePathName(name)}?${query}`;
  }

  s3Get(taskId: string, runId: number, name: string, now: number = Date.now()): string {
    const query = this.signer.query(PURPOSE.s3Get, s3Resource(taskId, runId, name), now + DOWNLOAD_URL_LIFETIME_MS);
    return `${this.rootUrl()}/_data/s3/${taskId}/${runId}/${encodePathName(name)}?${query}`;
  }

  objectPut(name: string, uploadId: string, expires: number): string {
    const query = this.signer.query(PURPOSE.objectPut, objectPutResource(name, uploadId), expires);
    return `${this.rootUrl()}/_data/object/${encodePathName(name)}?uploadId=${encodeURIComponent(uploadId)}&${query}`;
  }

  /** The object service's "simple" download URL (the queue's 303 target for object artifacts). */
  objectGet(name: string, expires: number): string {
    const query = this.signer.query(PURPOSE.objectGet, name, expires);
    return `${this.rootUrl()}/_data/object/${encodePathName(name)}?${query}`;
  }
}
