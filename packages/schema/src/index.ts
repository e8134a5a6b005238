export type * from './payload-types.js';
export type * from './config-types.js';
