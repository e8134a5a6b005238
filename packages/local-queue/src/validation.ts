// Request-body validation with ajv against the hand-written schemas. Failures become
// 400 InputValidationError whose message names the offending field.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { InputValidationError } from './errors.js';
import * as objectSchemas from './schemas/object.js';
import * as queueSchemas from './schemas/queue.js';

const SCHEMAS = {
  'create-task-request': queueSchemas.createTaskRequest,
  'claim-work-request': queueSchemas.claimWorkRequest,
  'task-claim-request': queueSchemas.taskClaimRequest,
  'task-exception-request': queueSchemas.taskExceptionRequest,
  'post-artifact-request': queueSchemas.postArtifactRequest,
  'finish-artifact-request': queueSchemas.finishArtifactRequest,
  'create-upload-request': objectSchemas.createUploadRequest,
  'finish-upload-request': objectSchemas.finishUploadRequest,
  'download-object-request': objectSchemas.downloadObjectRequest,
  scopeset: {
    type: 'object',
    additionalProperties: false,
    required: ['scopes'],
    properties: { scopes: { type: 'array', items: { type: 'string', pattern: '^[\\x20-\\x7e]*$' } } },
  },
  'purge-cache-request': {
    type: 'object',
    additionalProperties: false,
    required: ['cacheName'],
    properties: { cacheName: { type: 'string', minLength: 1, maxLength: 255 } },
  },
} as const;

export type SchemaName = keyof typeof SCHEMAS;

// useDefaults fills `tasks: 1` in claimWork the way the real schema's default does.
// optimize: false skips ajv's passes over the generated code: half the compile time (at every
// start of `worker run`), the same validation, no slower to run (measured, docs/benchmarks.md).
const ajv = new Ajv({ allErrors: true, useDefaults: true, discriminator: true, strict: false, code: { optimize: false } });
addFormats.default(ajv);

const compiled = new Map<SchemaName, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  let fn = compiled.get(name);
  if (!fn) {
    fn = ajv.compile(SCHEMAS[name]);
    compiled.set(name, fn);
  }
  return fn;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'body' : `body${error.instancePath.replace(/\//g, '.')}`;
  const params = error.params as Record<string, unknown>;
  if (typeof params.additionalProperty === 'string') return `${where} must NOT have additional property '${params.additionalProperty}'`;
  if (typeof params.missingProperty === 'string') return `${where} must have required property '${params.missingProperty}'`;
  if (Array.isArray(params.allowedValues)) return `${where} ${error.message ?? 'is invalid'}: ${params.allowedValues.join(', ')}`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** Validates (and fills defaults into) `body`; throws InputValidationError naming each bad field. */
export function validateBody<T>(name: SchemaName, body: unknown): T {
  const fn = validator(name);
  if (!fn(body)) {
    const problems = [...new Set((fn.errors ?? []).map(describe))];
    throw new InputValidationError(`Schema Validation Failed (${name}):\n${problems.map((p) => `  * ${p}`).join('\n')}`);
  }
  return body as T;
}
