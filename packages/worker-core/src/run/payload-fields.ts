import { TASK_ID_PATTERN } from '@docker-worker/schema';
import type { DockerWorkerPayload } from '@docker-worker/schema';
import { fieldPath } from './field-path.js';

const TASK_ID = new RegExp(TASK_ID_PATTERN);

/**
 * Values the published payload schema lets through (it asks only for strings) that no run can
 * use: an image artifact of no task or of no name, a log or artifact without a name or path.
 * Refused before the run starts rather than failing halfway through it. Image names are the
 * runtime's to judge (it parses them).
 */
export function fieldProblems(payload: DockerWorkerPayload): string[] {
  const problems: string[] = [];
  const image = payload.image;
  if (typeof image === 'object') {
    if (image.type === 'task-image' && !TASK_ID.test(image.taskId)) {
      problems.push(`payload.image.taskId must be a Taskcluster taskId (a 22-character slugid) (got ${JSON.stringify(image.taskId)})`);
    }
    if (image.type === 'indexed-image' && image.namespace === '') problems.push('payload.image.namespace must not be empty');
    if ((image.type === 'task-image' || image.type === 'indexed-image') && image.path === '') problems.push('payload.image.path must not be empty');
  }
  if (payload.log === '') problems.push('payload.log must not be empty (leave it out for the default, public/logs/live.log)');
  for (const [name, artifact] of Object.entries(payload.artifacts ?? {})) {
    if (artifact.path === '') problems.push(`${fieldPath('payload.artifacts', name)}.path must not be empty`);
  }
  return problems;
}
