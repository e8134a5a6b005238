import type { DockerWorkerPayload } from '@docker-worker/schema';
import { execProblems } from './exec-limits.js';
import { fieldProblems } from './payload-fields.js';
import { pathProblems } from './payload-paths.js';
import { textProblems } from './payload-text.js';

/**
 * What the schema cannot say about a payload that passed it: values the kernel, the engine or
 * the queue would refuse only after the task was claimed and its container made (then as an
 * internal error), each named by its field.
 */
export function payloadValueProblems(payload: DockerWorkerPayload): string[] {
  return [...textProblems(payload), ...fieldProblems(payload), ...execProblems(payload), ...pathProblems(payload)];
}
