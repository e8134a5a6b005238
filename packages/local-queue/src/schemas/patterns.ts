// Identifier patterns shared by the request schemas and route-parameter checks, as the queue's API
// reference defines them.

export const SLUGID_PATTERN = '^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$';
export const IDENTIFIER_PATTERN = '^([a-zA-Z0-9-_]*)$';
export const WORKER_TYPE_PATTERN = '^[a-z]([-a-z0-9]{0,36}[a-z0-9])?$';
export const TASK_QUEUE_ID_PATTERN = '^[a-zA-Z0-9-_]{1,38}/[a-z]([-a-z0-9]{0,36}[a-z0-9])?$';
export const PROJECT_ID_PATTERN = '^([a-zA-Z0-9._/-]*)$';
export const PRINTABLE_ASCII_PATTERN = '^[\\x20-\\x7e]+$';

export const slugid = { type: 'string', pattern: SLUGID_PATTERN } as const;
export const identifier = { type: 'string', minLength: 1, maxLength: 38, pattern: IDENTIFIER_PATTERN } as const;
export const workerType = { type: 'string', minLength: 1, maxLength: 38, pattern: WORKER_TYPE_PATTERN } as const;
export const taskQueueId = { type: 'string', minLength: 1, maxLength: 77, pattern: TASK_QUEUE_ID_PATTERN } as const;
export const projectId = { type: 'string', minLength: 1, maxLength: 500, pattern: PROJECT_ID_PATTERN } as const;
export const dateTime = { type: 'string', format: 'date-time' } as const;
