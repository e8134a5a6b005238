import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { text as streamText } from 'node:stream/consumers';
import type { TaskDefinition } from '@docker-worker/worker-contract';
import { slugid } from 'taskcluster-client';
import { knownKeyProblems } from './known-keys.js';
import { redated } from './redate.js';
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
  /** How the file names it: its `taskId` key in a file of tasks, else its metadata name. */
  label: string;
  definition: Omit<TaskDefinition, 'taskQueueId'>;
}

/** Every task of a file, and what is wrong with them (nothing is thrown for a problem). */
export interface TaskFileContents {
  /** What messages call the file: its absolute path, or `stdin`. */
  where: string;
  /** True for a file holding `tasks:` (a list of task definitions). */
  many: boolean;
  tasks: LocalTask[];
  /** Each one names the task and field; any of them means the file cannot be run. */
  problems: string[];
  /** Said on stderr; the run goes ahead. */
  warnings: string[];
}

export interface TaskTarget {
  provisionerId: string;
  workerType: string;
}

/** `path` is resolved by the caller (against the directory the command was run from); `-` is stdin. */
export async function readTaskText(path: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<{ text: string; where: string }> {
  if (path === '-') return { text: await streamText(stdin), where: 'stdin' };
  try {
    return { text: await readFile(path, 'utf8'), where: path };
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    const why = error.code === 'ENOENT' ? 'no such file' : error.code === 'EISDIR' ? 'it is a directory' : error.message;
    throw new TaskFileError(`cannot read task file ${path}: ${why}`);
  }
}

/**
 * Reads a YAML or JSON task file: a whole task definition (it has `payload`), a bare
 * payload, or `tasks:` (a list of task definitions). Each becomes a task for the local queue:
 * a fresh taskId, dates moved to now (see redated), and this worker's queue, so the same file
 * can be run again and again. Every problem is collected.
 */
export function parseTaskFile(text: string, where: string, target: TaskTarget, now = new Date()): TaskFileContents {
  const contents: TaskFileContents = { where, many: false, tasks: [], problems: [], warnings: [] };
  let parsed: unknown;
  try {
    parsed = parseYamlOrJson(text);
  } catch (err) {
    contents.problems.push(`task file ${where} is not valid YAML or JSON: ${(err as Error).message}`);
    return contents;
  }
  if (!isMapping(parsed)) {
    contents.problems.push(`task file ${where} must hold a task definition, a docker-worker payload or \`tasks:\` (a mapping)`);
    return contents;
  }
  if ('tasks' in parsed && !('payload' in parsed)) {
    contents.many = true;
    readManyTasks(parsed, contents, target, now);
    return contents;
  }
  const task = localTask(parsed, { where, target, now, groupId: undefined, fallbackName: where === 'stdin' ? 'stdin' : basename(where) }, contents);
  if (task) {
    if (task.definition.dependencies.length > 0) contents.warnings.push(`${where}: dependencies ignored: a single task runs on its own (a file of \`tasks:\` runs them together)`);
    task.definition.dependencies = [];
    contents.tasks.push(task);
  }
  return contents;
}

/** One task of a file, for commands that take exactly one (`worker submit`): throws every problem at once. */
export async function readTaskFile(path: string, target: TaskTarget, now = new Date()): Promise<LocalTask> {
  const { text, where } = await readTaskText(path);
  const contents = parseTaskFile(text, where, target, now);
  if (contents.problems.length === 0 && contents.many) contents.problems.push(`task file ${where} holds \`tasks:\`: this command takes one task`);
  if (contents.problems.length > 0) throw new TaskFileError(problemList(contents.problems));
  return contents.tasks[0]!;
}

/** One problem on its line, several as a list. */
export function problemList(problems: readonly string[]): string {
  return problems.length === 1 ? problems[0]! : `the task file has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
}

function readManyTasks(doc: Record<string, unknown>, contents: TaskFileContents, target: TaskTarget, now: Date): void {
  const { where } = contents;
  for (const key of Object.keys(doc)) {
    if (key !== 'tasks' && key !== 'version' && key !== 'metadata') contents.warnings.push(`${where}: ${key} is ignored (only tasks: is read)`);
  }
  const list = doc.tasks;
  if (!Array.isArray(list) || list.length === 0) {
    contents.problems.push(`${where}: tasks must be a non-empty list of task definitions`);
    return;
  }
  const groupId = slugid();
  const byLabel = new Map<string, LocalTask>();
  list.forEach((entry: unknown, index) => {
    const at = `${where}: tasks[${index}]`;
    if (!isMapping(entry) || !('payload' in entry)) {
      contents.problems.push(`${at} must be a task definition (a mapping with a payload)`);
      return;
    }
    const task = localTask(entry, { where: at, target, now, groupId, fallbackName: `task-${index}` }, contents);
    if (!task) return;
    if (byLabel.has(task.label)) contents.problems.push(`${at}: another task is named ${JSON.stringify(task.label)} too; give each a taskId`);
    byLabel.set(task.label, task);
    contents.tasks.push(task);
  });
  // Dependencies name tasks of the file (by taskId or name): they get the fresh ids.
  for (const task of contents.tasks) {
    task.definition.dependencies = task.definition.dependencies.flatMap((dep) => {
      const found = byLabel.get(dep);
      if (!found) {
        contents.problems.push(`${where}: task ${JSON.stringify(task.label)} depends on ${JSON.stringify(dep)}, which is not a task of the file (known: ${[...byLabel.keys()].join(', ')})`);
        return [];
      }
      if (found === task) {
        contents.problems.push(`${where}: task ${JSON.stringify(task.label)} depends on itself`);
        return [];
      }
      return [found.taskId];
    });
  }
}

interface TaskPlace {
  /** The file, or the file and the entry in its list, for messages. */
  where: string;
  target: TaskTarget;
  now: Date;
  /** The task group of a file of tasks; a single task is its own group. */
  groupId: string | undefined;
  fallbackName: string;
}

function localTask(doc: Record<string, unknown>, place: TaskPlace, contents: TaskFileContents): LocalTask | undefined {
  const { where, target, now } = place;
  const whole = 'payload' in doc;
  const given = (whole ? doc : { payload: doc }) as Record<string, unknown>;
  const problems: string[] = [];
  if (whole) problems.push(...knownKeyProblems(given).map((p) => `${where}: ${p}`));
  if (!isMapping(given.payload)) {
    problems.push(`${where}: payload must be a mapping`);
    contents.problems.push(...problems);
    return undefined;
  }
  const scopes = scopesOf(given.scopes, where, problems);
  const dependencies = stringList(given.dependencies, 'dependencies', where, problems);
  const routes = stringList(given.routes, 'routes', where, problems);
  const metadata = (isMapping(given.metadata) ? given.metadata : {}) as Partial<TaskDefinition['metadata']>;
  const taskId = slugid();
  const label = typeof given.taskId === 'string' ? given.taskId : (metadata.name ?? place.fallbackName);
  const dates = redated(given, now);
  const source = where === 'stdin' ? 'stdin' : `file://${where.replace(/: tasks\[\d+\]$/, '')}`;
  const definition: LocalTask['definition'] = {
    provisionerId: target.provisionerId,
    workerType: target.workerType,
    schedulerId: typeof given.schedulerId === 'string' ? given.schedulerId : '-',
    taskGroupId: place.groupId ?? taskId,
    dependencies,
    requires: typeof given.requires === 'string' ? given.requires : 'all-completed',
    routes,
    priority: typeof given.priority === 'string' ? given.priority : 'lowest',
    retries: typeof given.retries === 'number' ? given.retries : 0,
    created: dates.created,
    deadline: dates.deadline,
    expires: dates.expires,
    scopes,
    payload: dates.payload,
    metadata: {
      name: metadata.name ?? place.fallbackName,
      description: metadata.description ?? `Run locally from ${where}`,
      owner: metadata.owner ?? 'local-user@localhost.localdomain',
      source: metadata.source ?? source,
    },
    tags: (given.tags as Record<string, string>) ?? {},
    extra: (given.extra as Record<string, unknown>) ?? {},
  };
  if (typeof given.projectId === 'string') definition.projectId = given.projectId;
  contents.problems.push(...problems);
  return problems.length > 0 ? undefined : { taskId, label, definition };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a queue accepts as a scope: printable ASCII, no control character (a NUL included). */
const SCOPE = /^[\x20-\x7e]*$/;

/** The file's `scopes`, checked as the queue would check them, so a bad one is named here and not in a stack trace. */
function scopesOf(value: unknown, where: string, problems: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`${where}: scopes must be a list of strings`);
    return [];
  }
  value.forEach((scope: unknown, index) => {
    if (typeof scope !== 'string') problems.push(`${where}: scopes[${index}] must be a string (got ${JSON.stringify(scope)})`);
    else if (!SCOPE.test(scope)) problems.push(`${where}: scopes[${index}] (${JSON.stringify(scope)}) may hold only printable ASCII characters, as every Taskcluster scope`);
  });
  return value as string[];
}

function stringList(value: unknown, field: string, where: string, problems: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    problems.push(`${where}: ${field} must be a list of strings`);
    return [];
  }
  return value as string[];
}
