import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, posix } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { Bind } from '@docker-worker/worker-contract';
import { fromCaller } from './caller-dir.js';

/** A bad `--env`, `--secret`, `--mount` or file they name: exit 3, naming the option and the bad part. */
export class RunInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunInputError';
  }
}

export interface RunInputFlags {
  env?: string[];
  envFile?: string[];
  secret?: string[];
  secretFile?: string[];
  mount?: string[];
}

/** What the command line adds to every task it runs. */
export interface RunInputs {
  /** Added to payload.env (secrets included, after the rest: a secret wins over an env of the same name). */
  env: Record<string, string>;
  /** The values to mask in the task log. */
  secrets: string[];
  mounts: Bind[];
}

/** Docker and the schema take any name without `=`; a shell can only export these, so a typo is caught. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function readRunInputs(flags: RunInputFlags, env: NodeJS.ProcessEnv = process.env): Promise<RunInputs> {
  const plain: Record<string, string> = {};
  const secret: Record<string, string> = {};
  for (const file of flags.envFile ?? []) Object.assign(plain, await readDotenv('--env-file', file, env));
  for (const pair of flags.env ?? []) Object.assign(plain, assignment('--env', pair, env));
  for (const file of flags.secretFile ?? []) Object.assign(secret, await readDotenv('--secret-file', file, env));
  for (const pair of flags.secret ?? []) Object.assign(secret, assignment('--secret', pair, env));
  for (const [name, value] of Object.entries(secret)) {
    // Masking nothing would print [masked] between every byte.
    if (value === '') throw new RunInputError(`secret ${name} is empty: there is nothing to mask`);
  }
  const mounts = [];
  for (const spec of flags.mount ?? []) mounts.push(await parseMount(spec, env));
  return { env: { ...plain, ...secret }, secrets: Object.values(secret), mounts };
}

/** `NAME=VALUE`, or `NAME` alone for the caller's own `$NAME` (as `docker run -e NAME`). */
export function assignment(option: string, text: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const equals = text.indexOf('=');
  const name = equals === -1 ? text : text.slice(0, equals);
  if (!NAME.test(name)) {
    throw new RunInputError(`${option} ${JSON.stringify(text)}: ${name === '' ? 'the name before "=" is empty' : `${JSON.stringify(name)} is not a variable name (letters, digits and _, not starting with a digit)`}`);
  }
  if (equals !== -1) return { [name]: text.slice(equals + 1) };
  const inherited = env[name];
  if (inherited === undefined) throw new RunInputError(`${option} ${name}: give NAME=VALUE, or set ${name} in your environment`);
  return { [name]: inherited };
}

async function readDotenv(option: string, file: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const path = fromCaller(file, env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RunInputError(`${option} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message}`);
  }
  const values = parseDotenv(text);
  for (const name of Object.keys(values)) {
    if (!NAME.test(name)) throw new RunInputError(`${option} ${path}: ${JSON.stringify(name)} is not a variable name`);
  }
  return values;
}

/** `HOST:CONTAINER[:ro|:rw]`; HOST is a directory, resolved against the caller's directory. */
export async function parseMount(spec: string, env: NodeJS.ProcessEnv = process.env): Promise<Bind> {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) throw new RunInputError(`--mount ${JSON.stringify(spec)}: expected HOST:CONTAINER or HOST:CONTAINER:ro`);
  const [host, container, mode] = parts as [string, string, string | undefined];
  if (host === '') throw new RunInputError(`--mount ${JSON.stringify(spec)}: the host directory (before the first ":") is empty`);
  if (!isAbsolute(container) || container.startsWith('//')) {
    throw new RunInputError(`--mount ${JSON.stringify(spec)}: the container path ${JSON.stringify(container)} must be absolute (start with /)`);
  }
  if (posix.normalize(container) === '/') throw new RunInputError(`--mount ${JSON.stringify(spec)}: the container path cannot be / (the container's root)`);
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') throw new RunInputError(`--mount ${JSON.stringify(spec)}: the mode ${JSON.stringify(mode)} must be ro or rw`);
  const hostPath = fromCaller(host, env);
  const found = await stat(hostPath).catch(() => undefined);
  if (!found) throw new RunInputError(`--mount ${JSON.stringify(spec)}: the host directory ${hostPath} does not exist`);
  if (!found.isDirectory()) throw new RunInputError(`--mount ${JSON.stringify(spec)}: ${hostPath} is not a directory`);
  return { hostPath, containerPath: posix.normalize(container), readOnly: mode === 'ro' };
}
