export type * from './payload-types.js';
export type * from './config-types.js';
export { payloadSchema } from './payload-schema.js';
export { configSchema } from './config-schema.js';
export { validatePayload, validateConfig, validateFeatureSection, formatProblems } from './validate.js';
export type { SchemaProblem, Validation } from './validate.js';
