import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { TaskDefinition } from '@docker-worker/worker-contract';
import { slugid } from 'taskcluster-client';
import { parseYamlOrJson } from './yaml-or-json.js';

/** A task file that cannot be used; the CLI prints it and exits 3. */
export class TaskFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskFileError';
  }
}

export interface LocalTask {
  taskId: string;
  definition: Omit<TaskDefinition, 'taskQueueId'>;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Reads a YAML or JSON task file: a whole task definition (it has `payload`) or a bare
 * payload. Either way the result is a task for the local queue: a fresh taskId, times from
 * now (a copied task's dates are usually in the past), and this worker's queue, so the same
 * file can be run again and again.
 */
export async function readTaskFile(file: string, target: { provisionerId: string; workerType: string }, now = new Date()): Promise<LocalTask> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new TaskFileError(`cannot read task file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYamlOrJson(text);
  } catch (err) {
    throw new TaskFileError(`task file ${file} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TaskFileError(`task file ${file} must hold a task definition or a docker-worker payload (a mapping)`);
  }
  const doc = parsed as Record<string, unknown>;
  const given = ('payload' in doc ? doc : { payload: doc }) as Partial<TaskDefinition> & Record<string, unknown>;
  if (typeof given.payload !== 'object' || given.payload === null || Array.isArray(given.payload)) {
    throw new TaskFileError(`task file ${file}: payload must be a mapping`);
  }
  const scopes = scopesOf(given.scopes, file);
  const taskId = slugid();
  const metadata = (given.metadata ?? {}) as Partial<TaskDefinition['metadata']>;
  const definition: LocalTask['definition'] = {
    provisionerId: target.provisionerId,
    workerType: target.workerType,
    schedulerId: given.schedulerId ?? '-',
    taskGroupId: taskId,
    dependencies: [],
    requires: 'all-completed',
    routes: [],
    priority: given.priority ?? 'lowest',
    retries: given.retries ?? 0,
    created: now.toISOString(),
    deadline: new Date(now.getTime() + DAY_MS).toISOString(),
    expires: new Date(now.getTime() + 30 * DAY_MS).toISOString(),
    scopes,
    payload: given.payload as Record<string, unknown>,
    metadata: {
      name: metadata.name ?? basename(file),
      description: metadata.description ?? `Run locally from ${file}`,
      owner: metadata.owner ?? 'local-user@localhost.localdomain',
      source: metadata.source ?? `file://${resolve(file)}`,
    },
    tags: (given.tags as Record<string, string>) ?? {},
    extra: (given.extra as Record<string, unknown>) ?? {},
  };
  return { taskId, definition };
}

/** What a queue accepts as a scope: printable ASCII, no control character (a NUL included). */
const SCOPE = /^[\x20-\x7e]*$/;

/** The file's `scopes`, checked as the queue would check them, so a bad one is named here and not in a stack trace. */
function scopesOf(value: unknown, file: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TaskFileError(`task file ${file}: scopes must be a list of strings`);
  const problems = value.flatMap((scope: unknown, index) => {
    if (typeof scope !== 'string') return [`scopes[${index}] must be a string (got ${JSON.stringify(scope)})`];
    if (!SCOPE.test(scope)) return [`scopes[${index}] (${JSON.stringify(scope)}) may hold only printable ASCII characters, as every Taskcluster scope`];
    return [];
  });
  if (problems.length > 0) throw new TaskFileError(`task file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return value as string[];
}
