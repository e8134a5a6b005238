// createArtifact's rules for a name that already exists in the run: repeating the
// same artifact is fine (expires may be extended), a reference may be replaced by another
// reference or by a link, and anything else is a conflict.

import { RequestConflict } from '../errors.js';
import type { ArtifactRecord, ArtifactRequest } from './types.js';

/** Content type recorded for a link created without one. */
export const DEFAULT_LINK_CONTENT_TYPE = 'application/octet-stream';

function requestContentType(request: ArtifactRequest): string | undefined {
  return request.storageType === 'error' ? undefined : request.contentType;
}

/** Throws RequestConflict when `request` may not replace `existing`. */
export function checkArtifactReplacement(existing: ArtifactRecord, request: ArtifactRequest): void {
  if (existing.storageType === 'reference' && (request.storageType === 'reference' || request.storageType === 'link')) return;
  const conflict = (what: string) =>
    new RequestConflict(`Artifact ${existing.name} already exists with a different ${what}; only expires may change`);
  if (existing.storageType !== request.storageType) throw conflict('storageType');
  const contentType = requestContentType(request);
  if (request.storageType === 'link') {
    if (contentType !== undefined && contentType !== existing.contentType) throw conflict('contentType');
    if (request.artifact !== existing.artifact) throw conflict('link target');
    return;
  }
  if (request.storageType === 'error') {
    if (request.reason !== existing.reason || request.message !== existing.message) throw conflict('reason or message');
    return;
  }
  if (contentType !== existing.contentType) throw conflict('contentType');
}

/** Later of the two expiry times: a repeat may extend an artifact's life, never cut it. */
export function laterExpiry(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? new Date(a).toJSON() : new Date(b).toJSON();
}
