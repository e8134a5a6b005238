import { MalformedPayloadError } from '@docker-worker/worker-contract';

/** One artifact a task declares: a path relative to its task directory. */
export interface DeclaredArtifact {
  type: 'file' | 'directory';
  path: string;
  expires?: string;
}

/**
 * This worker's own payload. It shares nothing with docker-worker's: the features never see it,
 * they get the options this worker maps from it (see task-run.ts).
 */
export interface ProcessPayload {
  /** The program and its arguments, run without a shell. */
  command: string[];
  env?: Record<string, string>;
  artifacts?: Record<string, DeclaredArtifact>;
  /** Seconds the process may run before it is killed (the run then fails). */
  maxRunTime: number;
}

/** The longest a Node timer waits (2^31 - 1 ms): a longer maxRunTime would fire at once. */
const MAX_RUN_TIME = Math.floor((2 ** 31 - 1) / 1000);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The payload, checked; otherwise a MalformedPayloadError listing every problem, each naming its
 * field, so the task's author fixes them all at once. `reserved` are artifact names a feature
 * publishes itself (the logs).
 */
export function validatePayload(raw: unknown, reserved: readonly string[]): ProcessPayload {
  const problems: string[] = [];
  if (!isObject(raw)) throw new MalformedPayloadError(['payload: must be an object']);
  const { command, env, artifacts, maxRunTime } = raw;

  if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === 'string')) {
    problems.push('payload.command: must be a non-empty array of strings');
  } else if (command[0] === '') {
    problems.push('payload.command[0]: the program must not be empty');
  }

  if (env !== undefined) {
    if (!isObject(env)) problems.push('payload.env: must be an object of strings');
    else for (const [key, value] of Object.entries(env)) if (typeof value !== 'string') problems.push(`payload.env.${key}: must be a string`);
  }

  if (typeof maxRunTime !== 'number' || !Number.isInteger(maxRunTime) || maxRunTime < 1 || maxRunTime > MAX_RUN_TIME) {
    problems.push(`payload.maxRunTime: must be a whole number of seconds from 1 to ${MAX_RUN_TIME}`);
  }

  if (artifacts !== undefined) {
    if (!isObject(artifacts)) problems.push('payload.artifacts: must be an object of artifacts by name');
    else for (const [name, artifact] of Object.entries(artifacts)) problems.push(...artifactProblems(name, artifact, reserved));
  }

  const unknown = Object.keys(raw).filter((key) => !['command', 'env', 'artifacts', 'maxRunTime'].includes(key));
  for (const key of unknown) problems.push(`payload.${key}: not a field of this worker's payload`);

  if (problems.length > 0) throw new MalformedPayloadError(problems);
  return raw as unknown as ProcessPayload;
}

function artifactProblems(name: string, artifact: unknown, reserved: readonly string[]): string[] {
  const field = `payload.artifacts["${name}"]`;
  if (reserved.includes(name)) return [`${field}: the worker publishes "${name}" itself`];
  if (!isObject(artifact)) return [`${field}: must be an object with type and path`];
  const problems: string[] = [];
  // `volume` (a host directory mounted into a container) means nothing without a container.
  if (artifact.type !== 'file' && artifact.type !== 'directory') problems.push(`${field}.type: must be "file" or "directory"`);
  if (typeof artifact.path !== 'string' || artifact.path === '') problems.push(`${field}.path: must be a non-empty path relative to the task directory`);
  if (artifact.expires !== undefined && (typeof artifact.expires !== 'string' || Number.isNaN(Date.parse(artifact.expires)))) {
    problems.push(`${field}.expires: must be a date (ISO 8601)`);
  }
  const unknown = Object.keys(artifact).filter((key) => !['type', 'path', 'expires'].includes(key));
  for (const key of unknown) problems.push(`${field}.${key}: not a field of an artifact`);
  return problems;
}
