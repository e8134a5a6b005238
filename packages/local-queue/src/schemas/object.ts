// Hand-written versions of the object service's request schemas (services/object/schemas/v1).

import { dateTime, projectId, slugid } from './patterns.js';

const hashes = {
  type: 'object',
  properties: {
    sha256: { type: 'string', pattern: '^[a-z0-9]{64}$' },
    sha512: { type: 'string', pattern: '^[a-z0-9]{128}$' },
  },
  additionalProperties: false,
} as const;

/** 8 KiB of data, base64-encoded. */
export const DATA_INLINE_MAX_CHARS = 10926;

export const createUploadRequest = {
  type: 'object',
  properties: {
    projectId,
    uploadId: slugid,
    expires: dateTime,
    hashes,
    proposedUploadMethods: {
      type: 'object',
      properties: {
        dataInline: {
          type: 'object',
          properties: {
            contentType: { type: 'string' },
            objectData: { type: 'string', maxLength: DATA_INLINE_MAX_CHARS },
          },
          required: ['contentType', 'objectData'],
          additionalProperties: false,
        },
        putUrl: {
          type: 'object',
          properties: {
            contentType: { type: 'string' },
            contentLength: { type: 'integer', minimum: 0 },
          },
          required: ['contentType', 'contentLength'],
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
  },
  required: ['projectId', 'uploadId', 'expires', 'proposedUploadMethods'],
  additionalProperties: false,
} as const;

export const finishUploadRequest = {
  type: 'object',
  properties: { projectId, uploadId: slugid, hashes },
  required: ['projectId', 'uploadId'],
  additionalProperties: false,
} as const;

export const downloadObjectRequest = {
  type: 'object',
  properties: {
    // Unknown methods are tolerated so that newer clients can offer more of them.
    acceptDownloadMethods: {
      type: 'object',
      properties: { simple: { const: true }, getUrl: { const: true } },
    },
  },
  required: ['acceptDownloadMethods'],
  additionalProperties: false,
} as const;
