import { RequestConflict } from '../errors.js';
import { checkArtifactReplacement, laterExpiry } from './rules.js';
import type { ArtifactRecord } from './types.js';

const base = { taskId: 't', runId: 0, name: 'public/x', expires: '2030-01-01T00:00:00.000Z', present: true };
const reference: ArtifactRecord = { ...base, storageType: 'reference', contentType: 'text/plain', url: 'http://a/' };
const s3: ArtifactRecord = { ...base, storageType: 's3', contentType: 'text/plain' };
const link: ArtifactRecord = { ...base, storageType: 'link', contentType: 'text/plain', artifact: 'public/y' };
const error: ArtifactRecord = { ...base, storageType: 'error', contentType: 'application/json', reason: 'file-missing-on-worker', message: 'm' };
const expires = '2031-01-01T00:00:00.000Z';

describe('checkArtifactReplacement', () => {
  it('lets a reference be repointed or replaced by a link', () => {
    expect(() => checkArtifactReplacement(reference, { storageType: 'reference', expires, url: 'http://b/', contentType: 'text/html' })).not.toThrow();
    expect(() => checkArtifactReplacement(reference, { storageType: 'link', expires, artifact: 'public/z' })).not.toThrow();
    expect(() => checkArtifactReplacement(reference, { storageType: 's3', expires, contentType: 'text/plain' })).toThrow(RequestConflict);
  });

  it('accepts identical repeats with another expiry', () => {
    expect(() => checkArtifactReplacement(s3, { storageType: 's3', expires, contentType: 'text/plain' })).not.toThrow();
    expect(() => checkArtifactReplacement(link, { storageType: 'link', expires, artifact: 'public/y' })).not.toThrow();
    expect(() => checkArtifactReplacement(error, { storageType: 'error', expires, reason: 'file-missing-on-worker', message: 'm' })).not.toThrow();
  });

  it('refuses changed storage types, content types, targets and error details', () => {
    expect(() => checkArtifactReplacement(s3, { storageType: 's3', expires, contentType: 'text/html' })).toThrow(/contentType/);
    expect(() => checkArtifactReplacement(s3, { storageType: 'object', expires, contentType: 'text/plain' })).toThrow(/storageType/);
    expect(() => checkArtifactReplacement(link, { storageType: 'link', expires, artifact: 'public/other' })).toThrow(/link target/);
    expect(() => checkArtifactReplacement(link, { storageType: 'reference', expires, url: 'http://x/', contentType: 'text/plain' })).toThrow(RequestConflict);
    expect(() => checkArtifactReplacement(error, { storageType: 'error', expires, reason: 'too-large-file-on-worker', message: 'm' })).toThrow(RequestConflict);
  });
});

describe('laterExpiry', () => {
  it('never shortens', () => {
    expect(laterExpiry('2030-01-01T00:00:00Z', '2029-01-01T00:00:00Z')).toBe('2030-01-01T00:00:00.000Z');
    expect(laterExpiry('2030-01-01T00:00:00Z', '2031-01-01T00:00:00Z')).toBe('2031-01-01T00:00:00.000Z');
  });
});
