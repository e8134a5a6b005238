/**
 * The hand-over from a base build to the next app build: packer's manifest post-processor
 * writes the new image ids, and dw-deploy records them in `deploy/base-image.json`, where
 * `build app` finds the image of its region. (The original asked the operator to copy the id
 * into app.json by hand.)
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { DeployError } from './errors.js';
import { AMI_ID } from './variables.js';

export interface BaseImageRecord {
  /** Image id by region, e.g. `{"us-west-2": "ami-0123456789abcdef0"}`. */
  images: Record<string, string>;
  revision: string;
  builtAt: string;
  packerRunUuid?: string;
}

interface ManifestBuild {
  artifact_id?: string;
  packer_run_uuid?: string;
  builder_type?: string;
}

/** `us-west-2:ami-1,us-east-1:ami-2` (amazon-ebs artifact id) → images by region. */
export function parseArtifactId(artifactId: string): Record<string, string> {
  const images: Record<string, string> = {};
  for (const part of artifactId.split(',')) {
    const [region, image] = part.split(':');
    if (region && image) images[region.trim()] = image.trim();
  }
  return images;
}

/** The images of the last run recorded in a packer manifest (manifests append every run). */
export async function imagesFromManifest(path: string): Promise<{ images: Record<string, string>; packerRunUuid?: string }> {
  let manifest: { builds?: ManifestBuild[]; last_run_uuid?: string };
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as typeof manifest;
  } catch (err) {
    throw new DeployError(`cannot read packer's manifest ${path}: ${(err as Error).message}`);
  }
  const builds = (manifest.builds ?? []).filter((b) => !manifest.last_run_uuid || b.packer_run_uuid === manifest.last_run_uuid);
  const last = builds[builds.length - 1];
  const images = last?.artifact_id ? parseArtifactId(last.artifact_id) : {};
  if (Object.keys(images).length === 0) throw new DeployError(`packer's manifest ${path} names no image for the last run`);
  return { images, packerRunUuid: manifest.last_run_uuid };
}

export async function writeBaseImageRecord(path: string, record: BaseImageRecord): Promise<void> {
  await writeFile(path, `${JSON.stringify(record, null, 2)}\n`);
}

export async function readBaseImageRecord(path: string): Promise<BaseImageRecord | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as BaseImageRecord;
  } catch (err) {
    throw new DeployError(`${path} is not valid JSON (${(err as Error).message}): remove it and run \`dw-deploy build base\` again`);
  }
}

/** The base image an app build starts from: `--source-image`, else the recorded one of the region. */
export async function baseImageFor(region: string, recordPath: string, override?: string): Promise<string> {
  if (override) {
    if (!new RegExp(AMI_ID).test(override)) throw new DeployError(`--source-image ${override} is not an AMI id (ami-0123456789abcdef0)`, 2);
    return override;
  }
  const record = await readBaseImageRecord(recordPath);
  const image = record?.images[region];
  if (!image) {
    throw new DeployError(
      `no base image recorded for ${region} in ${recordPath}: run \`dw-deploy build base\` first, or pass --source-image ami-...`,
    );
  }
  return image;
}
