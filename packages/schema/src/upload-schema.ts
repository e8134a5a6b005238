/**
 * `dw-schema upload-schema`: publishes the payload schema as `docker-worker/v1/payload.json`
 * (pretty-printed, `application/json`) in an S3 bucket, where a schema server or a static site
 * serves it: the successor of the original's `bin/upload-schema.js`.
 *
 * Settings come from flags, else the environment: `DW_SCHEMA_BUCKET`, `DW_SCHEMA_PREFIX`,
 * `DW_SCHEMA_REGION` (else `AWS_REGION`, else us-east-1), `DW_SCHEMA_ENDPOINT` (an S3-compatible
 * server; path-style addressing then). Credentials: `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and, for temporary ones, `AWS_SESSION_TOKEN`.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { payloadSchema } from './payload-schema.js';

/** Where the schema lives below the prefix: the path of its `$id`. */
export const SCHEMA_PATH = 'docker-worker/v1/payload.json';
export const SCHEMA_CONTENT_TYPE = 'application/json';
export const DEFAULT_REGION = 'us-east-1';

export interface UploadSchemaSettings {
  bucket: string;
  /** Prepended to `docker-worker/v1/payload.json`; '' (the bucket's root) by default. */
  prefix: string;
  region: string;
  /** An S3-compatible endpoint instead of AWS's (e.g. http://127.0.0.1:4568). */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`): the default with an endpoint. */
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface UploadSchemaFlags {
  bucket?: string;
  prefix?: string;
  region?: string;
  endpoint?: string;
  pathStyle?: boolean;
}

/** A setting that is missing or wrong: printed as it is, exit status 2. */
export class UploadSettingsError extends Error {
  override name = 'UploadSettingsError';
}

/** `prefix` + `docker-worker/v1/payload.json`, with exactly one `/` between them. */
export function schemaObjectKey(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/${SCHEMA_PATH}` : SCHEMA_PATH;
}

/** The object's body: the payload schema, pretty-printed. */
export function schemaBody(): string {
  return `${JSON.stringify(payloadSchema, null, 2)}\n`;
}

/** Flags over environment; throws UploadSettingsError naming what is missing or wrong. */
export function uploadSettings(flags: UploadSchemaFlags, env: NodeJS.ProcessEnv): UploadSchemaSettings {
  const problems: string[] = [];
  const bucket = flags.bucket ?? env.DW_SCHEMA_BUCKET ?? '';
  if (!bucket) problems.push('no bucket: pass --bucket NAME or set DW_SCHEMA_BUCKET');
  const endpoint = flags.endpoint ?? env.DW_SCHEMA_ENDPOINT;
  if (endpoint !== undefined) {
    try {
      const url = new URL(endpoint);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      problems.push(`--endpoint ${endpoint} is not an http(s) URL`);
    }
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID ?? '';
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? '';
  if (!accessKeyId || !secretAccessKey) {
    problems.push('no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)');
  }
  if (problems.length > 0) throw new UploadSettingsError(problems.join('\n'));
  return {
    bucket,
    prefix: flags.prefix ?? env.DW_SCHEMA_PREFIX ?? '',
    region: flags.region ?? env.DW_SCHEMA_REGION ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULT_REGION,
    endpoint,
    forcePathStyle: flags.pathStyle ?? endpoint !== undefined,
    credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) },
  };
}

export interface UploadResult {
  bucket: string;
  key: string;
  bytes: number;
  etag?: string;
}

/** Puts the schema; the SDK's own retries apply. */
export async function uploadSchema(settings: UploadSchemaSettings): Promise<UploadResult> {
  const client = new S3Client({
    region: settings.region,
    credentials: settings.credentials,
    forcePathStyle: settings.forcePathStyle,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    // Only the checksums S3 requires: S3-compatible servers may not know the newer ones.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    const key = schemaObjectKey(settings.prefix);
    const body = Buffer.from(schemaBody());
    const result = await client.send(
      new PutObjectCommand({ Bucket: settings.bucket, Key: key, Body: body, ContentType: SCHEMA_CONTENT_TYPE, ContentLength: body.length }),
    );
    return { bucket: settings.bucket, key, bytes: body.length, etag: result.ETag };
  } finally {
    client.destroy();
  }
}
