export * from './outcome.js';
export type * from './task.js';
export type * from './log.js';
export type * from './runtime.js';
export type * from './artifacts.js';
export type * from './feature.js';
export { LABELS } from './labels.js';
export { FileTaskLog } from './file-task-log.js';
export { scopeSatisfied, missingScopes } from './scopes.js';
