// Artifact records and the createArtifact request forms (`s3`, `object`, `reference`, `link`,
// `error`), as the queue's createArtifact takes them.

export type StorageType = 's3' | 'object' | 'reference' | 'link' | 'error';

export type ArtifactRequest =
  | { storageType: 's3'; expires: string; contentType: string }
  | { storageType: 'object'; expires: string; contentType: string }
  | { storageType: 'reference'; expires: string; url: string; contentType: string }
  | { storageType: 'link'; expires: string; artifact: string; contentType?: string }
  | { storageType: 'error'; expires: string; reason: string; message: string };

export interface ArtifactRecord {
  taskId: string;
  runId: number;
  name: string;
  storageType: StorageType;
  contentType: string;
  expires: string;
  /** false only for object artifacts until finishArtifact */
  present: boolean;
  /** s3: the uploaded file and its Content-Encoding, once PUT */
  file?: { path: string; size: number; contentEncoding: string | undefined };
  /** object */
  objectName?: string;
  projectId?: string;
  uploadId?: string;
  /** reference */
  url?: string;
  /** link */
  artifact?: string;
  /** error */
  reason?: string;
  message?: string;
}

/** The `{storageType, name, expires, contentType}` form used by list and info calls. */
export function artifactSummary(record: ArtifactRecord): { storageType: StorageType; name: string; expires: string; contentType: string } {
  return { storageType: record.storageType, name: record.name, expires: record.expires, contentType: record.contentType };
}
