import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { configSchema } from './config-schema.js';
import { payloadSchema } from './payload-schema.js';
import { UploadSettingsError, schemaObjectKey, uploadSchema, uploadSettings } from './upload-schema.js';
import { formatProblems, unknownPayloadKeys, validateConfig, validatePayload, type Validation } from './validate.js';

export const USAGE = `Usage:
  dw-schema validate payload FILE|-     check a docker-worker task payload (JSON; "-" reads stdin).
                                        A whole task definition is accepted: its "payload" is checked.
  dw-schema validate config FILE|- [--resolved]
                                        check a worker config (JSON); --resolved prints it with defaults
  dw-schema print payload|config        print the JSON Schema
  dw-schema upload-schema [--bucket NAME] [--prefix PATH] [--region REGION] [--endpoint URL] [--path-style]
                                        put the payload schema as <prefix>docker-worker/v1/payload.json
                                        (application/json) into an S3 bucket. Defaults from DW_SCHEMA_BUCKET,
                                        DW_SCHEMA_PREFIX, DW_SCHEMA_REGION (else AWS_REGION, else us-east-1),
                                        DW_SCHEMA_ENDPOINT (an S3-compatible server: path-style URLs).
                                        Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.

Exit status: 0 valid (or uploaded), 1 invalid (problems on stderr) or upload failed, 2 usage error.`;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  /** Environment for upload-schema's settings and credentials (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  readFile: (path) => readFile(path, 'utf8'),
  readStdin: () => readAll(process.stdin),
};

const KINDS = ['payload', 'config'] as const;
type Kind = (typeof KINDS)[number];

function isKind(value: string | undefined): value is Kind {
  return (KINDS as readonly string[]).includes(value ?? '');
}

function usageError(io: CliIo, message: string): number {
  io.stderr(`dw-schema: ${message}\n\n${USAGE}`);
  return 2;
}

/** A task definition rather than a payload: it has a `payload` object and no `image`. */
function payloadOf(document: unknown): { payload: unknown; fromTask: boolean } {
  if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
    const record = document as Record<string, unknown>;
    if (!('image' in record) && typeof record.payload === 'object' && record.payload !== null) {
      return { payload: record.payload, fromTask: true };
    }
  }
  return { payload: document, fromTask: false };
}

/** The `dw-schema` command; returns the exit status. */
export async function runCli(args: string[], io: CliIo = processIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [command, kind, file, ...rest] = positionals;
  if (command === undefined) return usageError(io, 'no command given');

  const uploadFlags = ['bucket', 'prefix', 'region', 'endpoint', 'path-style'] as const;
  if (command === 'upload-schema') {
    if (kind !== undefined) return usageError(io, `upload-schema takes no arguments (got "${kind}")`);
    return runUpload(io, values);
  }
  const misplaced = uploadFlags.find((flag) => values[flag] !== undefined);
  if (misplaced) return usageError(io, `--${misplaced} applies to upload-schema only`);

  if (command === 'print') {
    if (!isKind(kind) || file !== undefined) return usageError(io, 'print takes one argument: payload or config');
    io.stdout(JSON.stringify(kind === 'payload' ? payloadSchema : configSchema, null, 2));
    return 0;
  }
  if (command !== 'validate') return usageError(io, `unknown command "${command}"`);
  if (!isKind(kind)) return usageError(io, 'validate takes payload or config, then a file name or "-"');
  if (file === undefined) return usageError(io, `validate ${kind} needs a file name, or "-" for stdin`);
  if (rest.length > 0) return usageError(io, `unexpected argument "${rest[0]}"`);
  if (values.resolved && kind !== 'config') return usageError(io, '--resolved applies to validate config only');

  const source = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : await io.readFile(file);
  } catch (err) {
    return usageError(io, `cannot read ${source}: ${(err as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    io.stderr(`${source}: not valid JSON: ${(err as Error).message}`);
    return 1;
  }

  let result: Validation<unknown>;
  let what: string;
  if (kind === 'payload') {
    const { payload, fromTask } = payloadOf(document);
    result = validatePayload(payload);
    what = fromTask ? 'task payload (of a task definition)' : 'task payload';
    // The worker runs such a payload with these lines in its log; say them here first.
    for (const { message } of unknownPayloadKeys(payload)) io.stderr(`${source}: warning: ${message}`);
  } else {
    result = validateConfig(document);
    what = 'worker config';
  }
  if (!result.ok) {
    const count = result.problems.length;
    io.stderr(`${source}: invalid ${what}, ${count} problem${count === 1 ? '' : 's'}:\n${formatProblems(result.problems)}`);
    return 1;
  }
  if (values.resolved) io.stdout(JSON.stringify(result.value, null, 2));
  else io.stdout(`${source}: valid ${what}`);
  return 0;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      resolved: { type: 'boolean' },
      bucket: { type: 'string' },
      prefix: { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      'path-style': { type: 'boolean' },
    },
  });
}

async function runUpload(io: CliIo, values: ReturnType<typeof parse>['values']): Promise<number> {
  if (values.resolved) return usageError(io, '--resolved applies to validate config only');
  let settings: ReturnType<typeof uploadSettings>;
  try {
    settings = uploadSettings(
      { bucket: values.bucket, prefix: values.prefix, region: values.region, endpoint: values.endpoint, pathStyle: values['path-style'] },
      io.env ?? process.env,
    );
  } catch (err) {
    if (err instanceof UploadSettingsError) return usageError(io, err.message);
    throw err;
  }
  const where = settings.endpoint ? `${settings.endpoint} (region ${settings.region})` : `S3 region ${settings.region}`;
  io.stdout(`uploading: s3://${settings.bucket}/${schemaObjectKey(settings.prefix)} to ${where}`);
  try {
    const result = await uploadSchema(settings);
    io.stdout(`uploaded s3://${result.bucket}/${result.key} (${result.bytes} bytes, application/json${result.etag ? `, ETag ${result.etag}` : ''})`);
    return 0;
  } catch (err) {
    const error = err as Error & { $metadata?: { httpStatusCode?: number } };
    const status = error.$metadata?.httpStatusCode;
    io.stderr(`dw-schema: upload failed${status ? ` (HTTP ${status})` : ''}: ${error.name}: ${error.message}`);
    return 1;
  }
}
