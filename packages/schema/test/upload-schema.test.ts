/**
 * `dw-schema upload-schema` against s3rver (an S3-compatible server from npm) started here on
 * 127.0.0.1 with a temporary directory and a bucket configured at start.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { runCli, type CliIo } from '../src/cli.js';
import { payloadSchema } from '../src/payload-schema.js';
import { schemaBody, schemaObjectKey, uploadSettings, UploadSettingsError } from '../src/upload-schema.js';

const BUCKET = 'dw-schemas';
// s3rver's fixed credentials.
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

let dir: string;
let server: S3rver;
let endpoint: string;
let s3: S3Client;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dw-schema-s3-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
});

afterAll(async () => {
  s3?.destroy();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => (stdout += `${text}\n`),
    stderr: (text) => (stderr += `${text}\n`),
    readFile: (path) => readFile(path, 'utf8'),
    readStdin: async () => '',
    // Only what the test gives: nothing from the machine's own AWS settings.
    env: { ...CREDENTIALS, ...env },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

async function fetchObject(key: string) {
  const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { contentType: head.ContentType, text: await object.Body!.transformToString() };
}

describe('dw-schema upload-schema', () => {
  it('puts the payload schema as docker-worker/v1/payload.json, JSON content type, pretty-printed', async () => {
    const out = await run(['upload-schema', '--bucket', BUCKET, '--endpoint', endpoint]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`uploading: s3://${BUCKET}/docker-worker/v1/payload.json to ${endpoint} (region us-east-1)`);
    expect(out.stdout).toMatch(/uploaded s3:\/\/dw-schemas\/docker-worker\/v1\/payload\.json \(\d+ bytes, application\/json, ETag "/);
    const object = await fetchObject('docker-worker/v1/payload.json');
    expect(object.contentType).toBe('application/json');
    expect(JSON.parse(object.text)).toEqual(payloadSchema);
    expect(object.text).toBe(schemaBody());
    expect(object.text).toContain('\n  "$schema"');
  });

  it('takes bucket, prefix, region and endpoint from the environment', async () => {
    const out = await run(['upload-schema'], {
      DW_SCHEMA_BUCKET: BUCKET,
      DW_SCHEMA_PREFIX: '/schemas/',
      DW_SCHEMA_REGION: 'eu-west-1',
      DW_SCHEMA_ENDPOINT: endpoint,
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`s3://${BUCKET}/schemas/docker-worker/v1/payload.json to ${endpoint} (region eu-west-1)`);
    const object = await fetchObject('schemas/docker-worker/v1/payload.json');
    expect(object.contentType).toBe('application/json');
    expect(JSON.parse(object.text)).toEqual(payloadSchema);
  });

  it('flags win over the environment', async () => {
    const out = await run(['upload-schema', '--bucket', BUCKET, '--prefix', 'flag', '--endpoint', endpoint, '--path-style'], {
      DW_SCHEMA_BUCKET: 'other-bucket',
      DW_SCHEMA_PREFIX: 'env',
    });
    expect(out.code).toBe(0);
    expect((await fetchObject('flag/docker-worker/v1/payload.json')).contentType).toBe('application/json');
  });

  it('fails with exit status 1 and the server\'s answer when the bucket does not exist', async () => {
    const out = await run(['upload-schema', '--bucket', 'no-such-bucket', '--endpoint', endpoint]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^dw-schema: upload failed \(HTTP 404\): NoSuchBucket/);
  });

  it('names what is missing: bucket, credentials, a usable endpoint', async () => {
    const none = await run(['upload-schema'], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no bucket: pass --bucket NAME or set DW_SCHEMA_BUCKET');
    expect(none.stderr).toContain('no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    const badEndpoint = await run(['upload-schema', '--bucket', BUCKET, '--endpoint', 'ftp://x']);
    expect(badEndpoint.code).toBe(2);
    expect(badEndpoint.stderr).toContain('--endpoint ftp://x is not an http(s) URL');
    expect((await run(['upload-schema', 'extra', '--bucket', BUCKET])).code).toBe(2);
    const misplaced = await run(['validate', 'payload', 'x.json', '--bucket', BUCKET]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--bucket applies to upload-schema only');
  });
});

describe('upload settings', () => {
  it('build the key from the prefix with one slash', () => {
    expect(schemaObjectKey('')).toBe('docker-worker/v1/payload.json');
    expect(schemaObjectKey('a/b/')).toBe('a/b/docker-worker/v1/payload.json');
    expect(schemaObjectKey('/a')).toBe('a/docker-worker/v1/payload.json');
  });

  it('default to us-east-1 and AWS addressing, with the session token when given', () => {
    const settings = uploadSettings({ bucket: 'b' }, { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' });
    expect(settings).toEqual({
      bucket: 'b',
      prefix: '',
      region: 'us-east-1',
      endpoint: undefined,
      forcePathStyle: false,
      credentials: { accessKeyId: 'k', secretAccessKey: 's', sessionToken: 't' },
    });
    expect(uploadSettings({ bucket: 'b' }, { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'ap-south-1' }).region).toBe('ap-south-1');
    expect(() => uploadSettings({}, {})).toThrow(UploadSettingsError);
  });
});
