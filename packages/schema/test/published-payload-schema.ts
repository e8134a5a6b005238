/**
 * The docker-worker payload schema Taskcluster publishes today (kept for d2g), written out
 * here from its definitions so the corpus test can hold ours against it payload by payload.
 * Titles and descriptions are left out: only what decides acceptance is here.
 */
const str = { type: 'string' } as const;
const bool = (value: boolean) => ({ type: 'boolean', default: value }) as const;
const exitCodes = { type: 'array', items: { type: 'integer' } } as const;

export const publishedPayloadSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['image', 'maxRunTime'],
  additionalProperties: false,
  properties: {
    log: { type: 'string', default: 'public/logs/live.log' },
    image: {
      oneOf: [
        str,
        { type: 'object', properties: { type: { type: 'string', enum: ['docker-image'] }, name: str }, additionalProperties: false, required: ['type', 'name'] },
        {
          type: 'object',
          properties: { type: { type: 'string', enum: ['indexed-image'] }, namespace: str, path: str },
          additionalProperties: false,
          required: ['type', 'namespace', 'path'],
        },
        {
          type: 'object',
          properties: { type: { type: 'string', enum: ['task-image'] }, taskId: str, path: str },
          additionalProperties: false,
          required: ['type', 'taskId', 'path'],
        },
      ],
    },
    cache: { type: 'object', additionalProperties: str },
    capabilities: {
      type: 'object',
      additionalProperties: false,
      properties: {
        privileged: bool(false),
        disableSeccomp: bool(false),
        devices: {
          type: 'object',
          additionalProperties: false,
          properties: { loopbackVideo: { type: 'boolean' }, loopbackAudio: { type: 'boolean' }, hostSharedMemory: { type: 'boolean' }, kvm: { type: 'boolean' } },
        },
      },
    },
    command: { type: 'array', items: str, default: [] },
    env: { type: 'object', additionalProperties: str },
    maxRunTime: { type: 'integer', multipleOf: 1, minimum: 1 },
    onExitStatus: { type: 'object', additionalProperties: false, properties: { retry: exitCodes, purgeCaches: exitCodes } },
    artifacts: {
      type: 'object',
      propertyNames: { pattern: '^[\\x20-\\x7e]+$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'path'],
        properties: { type: { type: 'string', enum: ['file', 'directory', 'volume'] }, path: str, expires: { type: 'string', format: 'date-time' } },
      },
    },
    supersederUrl: str,
    features: {
      type: 'object',
      additionalProperties: false,
      properties: {
        localLiveLog: bool(true),
        bulkLog: bool(true),
        taskclusterProxy: bool(false),
        artifacts: bool(true),
        interactive: bool(false),
        allowPtrace: bool(false),
        chainOfTrust: bool(false),
      },
    },
  },
} as const;
