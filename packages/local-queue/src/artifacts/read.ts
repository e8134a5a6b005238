// Reading an artifact, shared by the queue's getArtifact calls and the web view's downloads:
// links followed within the run, then the artifact at the end of the chain, present and
// unexpired, and where its bytes are.

import { InputError, ResourceExpired, ResourceNotFound } from '../errors.js';
import { DOWNLOAD_URL_LIFETIME_MS, type DataUrls } from '../storage/data-urls.js';
import type { ArtifactStore } from './store.js';
import type { ArtifactRecord } from './types.js';

/** Every name along the chain of links from `name` (itself first), and the artifact it ends at, if any. */
export function followLinks(artifacts: ArtifactStore, taskId: string, runId: number, name: string): { names: string[]; artifact: ArtifactRecord | undefined } {
  const names = [name];
  let artifact = artifacts.get(taskId, runId, name);
  while (artifact?.storageType === 'link') {
    const target = artifact.artifact!;
    if (names.includes(target)) throw new InputError(`Artifact link cycle: ${[...names, target].join(' -> ')}`);
    names.push(target);
    artifact = artifacts.get(taskId, runId, target);
  }
  return { names, artifact };
}

/** The artifact a chain ended at, if it can be read: present and not expired. */
export function readableArtifact(names: readonly string[], artifact: ArtifactRecord | undefined): ArtifactRecord {
  if (!artifact || !artifact.present) throw new ResourceNotFound(`Artifact ${names[names.length - 1]} not found`);
  if (Date.parse(artifact.expires) <= Date.now()) throw new ResourceExpired(`Artifact ${artifact.name} has expired`);
  return artifact;
}

/** Where an artifact's bytes are: this queue's data URLs for s3 and object artifacts, a reference's own URL. */
export function downloadUrl(urls: DataUrls, artifact: ArtifactRecord): string {
  switch (artifact.storageType) {
    case 's3':
      return urls.s3Get(artifact.taskId, artifact.runId, artifact.name);
    case 'object':
      return urls.objectGet(artifact.objectName!, Date.now() + DOWNLOAD_URL_LIFETIME_MS);
    default:
      return artifact.url!;
  }
}
