import type { DockerWorkerPayload } from '@docker-worker/schema';
import { fieldPath } from './field-path.js';

/**
 * Linux starts no program given one argument or `NAME=value` longer than this
 * (MAX_ARG_STRLEN: 32 pages, its closing NUL included). The container's exec would fail with
 * E2BIG after the container was created, and the task would end as a bare exit status 1.
 */
export const MAX_EXEC_STRING_BYTES = 128 * 1024 - 1;

/**
 * What `payload.env` and `payload.command` may take together, counted as Linux counts them:
 * each string's bytes, its NUL, and its 8-byte pointer. Linux allows a quarter of the stack
 * limit, 2 MiB under Docker's default 8 MiB stack; the rest is left for the variables the
 * worker and the features add, and for the image's own ENV and ENTRYPOINT.
 */
export const MAX_EXEC_TOTAL_BYTES = 1024 * 1024;

const POINTER_BYTES = 8;

/** Environment names and sizes, and argument sizes, that would keep the container from starting. */
export function execProblems(payload: DockerWorkerPayload): string[] {
  const problems: string[] = [];
  let total = 0;
  // The path is built only for a string with a problem (an env of 50,000 keys would otherwise
  // cost a path and a "NAME=value" string per key).
  const count = (path: () => string, bytes: number, what: string): void => {
    total += bytes + 1 + POINTER_BYTES;
    if (bytes > MAX_EXEC_STRING_BYTES) {
      problems.push(`${path()}: ${what} is ${bytes} bytes; Linux passes at most ${MAX_EXEC_STRING_BYTES} bytes in one ${what === 'the argument' ? 'argument' : 'variable'}`);
    }
  };
  const env = payload.env ?? {};
  for (const name in env) {
    if (!Object.hasOwn(env, name)) continue;
    const path = () => fieldPath('payload.env', name);
    if (name === '') problems.push(`${path()}: an environment variable needs a name`);
    else if (name.includes('=')) problems.push(`${path()}: an environment variable name cannot contain "=" (the container would get a variable named "${name.slice(0, name.indexOf('='))}")`);
    // "NAME=value": both parts and the "=".
    count(path, Buffer.byteLength(name, 'utf8') + 1 + Buffer.byteLength(String(env[name]), 'utf8'), '"NAME=value"');
  }
  (payload.command ?? []).forEach((argument, index) => count(() => fieldPath('payload.command', index), Buffer.byteLength(argument, 'utf8'), 'the argument'));
  if (total > MAX_EXEC_TOTAL_BYTES) {
    problems.push(
      `payload.env and payload.command: together they take ${total} bytes (each string, its NUL and its pointer, as Linux counts them); ` +
        `a task may pass at most ${MAX_EXEC_TOTAL_BYTES} (1 MiB)`,
    );
  }
  return problems;
}
