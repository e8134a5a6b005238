export type * from './payload-types.js';
export type * from './config-types.js';
export { payloadSchema, TASK_ID_PATTERN } from './payload-schema.js';
export { configSchema } from './config-schema.js';
export { validatePayload, validateConfig, validateFeatureSection, validateFeatureOptions, formatProblems, unknownPayloadKeys } from './validate.js';
export type { SchemaProblem, UnknownPayloadKey, Validation } from './validate.js';
