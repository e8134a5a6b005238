import { createTaskRequest } from '@docker-worker/local-queue';
import { closest, distance } from 'fastest-levenshtein';

/** The keys of a task definition the queue's createTask accepts, and `taskId` (how a file of tasks names one). */
const TASK_KEYS = [...Object.keys(createTaskRequest.properties), 'taskId'];
const METADATA_KEYS = Object.keys(createTaskRequest.properties.metadata.properties);

/**
 * The queue refuses a task definition with a key it does not know (`scope:`, `metdata:`), so
 * a copied task with one must not run here as if nothing were wrong: each is named, with the
 * key it probably meant.
 */
export function knownKeyProblems(task: Record<string, unknown>): string[] {
  const problems = unknownKeys(task, TASK_KEYS, '');
  const metadata = task.metadata;
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) {
    problems.push(...unknownKeys(metadata as Record<string, unknown>, METADATA_KEYS, 'metadata.'));
  }
  return problems;
}

function unknownKeys(object: Record<string, unknown>, known: readonly string[], prefix: string): string[] {
  return Object.keys(object)
    .filter((key) => !known.includes(key))
    .map((key) => `${prefix}${key} is not a task field the queue accepts${didYouMean(key, known, prefix)}`);
}

/** A close known key (a typo's distance: a third of its length, at most 3), else the list. */
function didYouMean(key: string, known: readonly string[], prefix: string): string {
  const best = closest(key, known as string[]);
  const limit = Math.max(1, Math.min(3, Math.floor(best.length / 3)));
  if (distance(key.toLowerCase(), best.toLowerCase()) <= limit) return ` (did you mean "${prefix}${best}"?)`;
  return ` (it takes: ${known.join(', ')})`;
}
