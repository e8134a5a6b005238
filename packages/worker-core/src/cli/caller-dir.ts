import { isAbsolute, resolve } from 'node:path';

/**
 * The directory the user ran the command from. `pnpm worker ...` runs the bin from the
 * repository root, with the caller's directory in INIT_CWD; the installed `docker-worker`
 * command runs where it was typed. Only the root package's `worker` script is trusted to have
 * set INIT_CWD, since any process started under pnpm inherits it.
 */
export function callerDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.npm_lifecycle_event === 'worker' && env.INIT_CWD && isAbsolute(env.INIT_CWD)) return env.INIT_CWD;
  return process.cwd();
}

/** A path as the user typed it, resolved against their directory; `-` (stdin) stays `-`. */
export function fromCaller(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return path === '-' ? path : resolve(callerDir(env), path);
}
