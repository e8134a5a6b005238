// Hand-written versions of the queue's request schemas (services/queue/schemas/v1), with
// additionalProperties:false wherever the real ones have it, so unknown fields are refused.

import { dateTime, identifier, projectId, slugid, taskQueueId, workerType } from './patterns.js';

export const PRIORITY_LEVELS = ['highest', 'very-high', 'high', 'medium', 'low', 'very-low', 'lowest'] as const;

/** Reasons a worker may report to reportException (task-exception-request.yml). */
export const EXCEPTION_REASONS = [
  'worker-shutdown',
  'malformed-payload',
  'resource-unavailable',
  'internal-error',
  'superseded',
  'intermittent-task',
] as const;

export const ERROR_ARTIFACT_REASONS = [
  'file-missing-on-worker',
  'invalid-resource-on-worker',
  'too-large-file-on-worker',
  'file-not-readable-on-worker',
] as const;

export const createTaskRequest = {
  type: 'object',
  properties: {
    taskQueueId,
    provisionerId: identifier,
    workerType,
    schedulerId: identifier,
    projectId,
    taskGroupId: slugid,
    dependencies: { type: 'array', items: slugid, maxItems: 10000, uniqueItems: true },
    requires: { type: 'string', enum: ['all-completed', 'all-resolved'] },
    routes: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 249 }, maxItems: 64, uniqueItems: true },
    // 'normal' is the legacy name of 'lowest'; the queue still accepts it.
    priority: { type: 'string', enum: [...PRIORITY_LEVELS, 'normal'] },
    retries: { type: 'integer', minimum: 0, maximum: 49 },
    created: dateTime,
    deadline: dateTime,
    expires: dateTime,
    scopes: { type: 'array', items: { type: 'string', pattern: '^[\\x20-\\x7e]*$' } },
    payload: { type: 'object' },
    metadata: {
      type: 'object',
      properties: {
        name: { type: 'string', maxLength: 255 },
        description: { type: 'string', maxLength: 32768 },
        owner: { type: 'string', maxLength: 255 },
        source: { type: 'string', maxLength: 4096 },
      },
      required: ['name', 'description', 'owner', 'source'],
      additionalProperties: false,
    },
    tags: { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 } },
    extra: { type: 'object' },
  },
  required: ['created', 'deadline', 'payload', 'metadata'],
  additionalProperties: false,
  anyOf: [{ required: ['taskQueueId'] }, { required: ['provisionerId', 'workerType'] }],
} as const;

export const claimWorkRequest = {
  type: 'object',
  properties: {
    workerGroup: identifier,
    workerId: identifier,
    tasks: { type: 'integer', minimum: 1, maximum: 32, default: 1 },
  },
  required: ['workerGroup', 'workerId'],
  additionalProperties: false,
} as const;

export const taskClaimRequest = {
  type: 'object',
  properties: { workerGroup: identifier, workerId: identifier },
  required: ['workerGroup', 'workerId'],
  additionalProperties: false,
} as const;

export const taskExceptionRequest = {
  type: 'object',
  properties: { reason: { type: 'string', enum: [...EXCEPTION_REASONS] } },
  required: ['reason'],
  additionalProperties: false,
} as const;

const contentType = { type: 'string', maxLength: 255 } as const;

/** post-artifact-request: exactly one of the five storage types. */
export const postArtifactRequest = {
  type: 'object',
  required: ['storageType'],
  discriminator: { propertyName: 'storageType' },
  oneOf: [
    {
      properties: { storageType: { const: 's3' }, expires: dateTime, contentType },
      required: ['storageType', 'expires', 'contentType'],
      additionalProperties: false,
    },
    {
      properties: { storageType: { const: 'object' }, expires: dateTime, contentType },
      required: ['storageType', 'expires', 'contentType'],
      additionalProperties: false,
    },
    {
      properties: {
        storageType: { const: 'reference' },
        expires: dateTime,
        url: { type: 'string', format: 'uri' },
        contentType,
      },
      required: ['storageType', 'expires', 'url', 'contentType'],
      additionalProperties: false,
    },
    {
      properties: {
        storageType: { const: 'link' },
        expires: dateTime,
        artifact: { type: 'string', maxLength: 1024, pattern: '^[\\x20-\\x7e]+$' },
        contentType,
      },
      required: ['storageType', 'expires', 'artifact'],
      additionalProperties: false,
    },
    {
      properties: {
        storageType: { const: 'error' },
        expires: dateTime,
        reason: { type: 'string', enum: [...ERROR_ARTIFACT_REASONS] },
        message: { type: 'string', maxLength: 4096 },
      },
      required: ['storageType', 'expires', 'reason', 'message'],
      additionalProperties: false,
    },
  ],
} as const;

export const finishArtifactRequest = {
  type: 'object',
  properties: { uploadId: slugid },
  required: ['uploadId'],
  additionalProperties: false,
} as const;
