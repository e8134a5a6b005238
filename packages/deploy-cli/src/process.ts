/** Finding and running external programs (packer, pnpm, tar, git), with their output passed on. */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { DeployError } from './errors.js';

/** The first executable `name` on `env.PATH`, or undefined: a real lookup, as the shell would do. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const PACKER_HINT =
  'packer is not installed: no "packer" executable on PATH.\n' +
  'Install it, then run this again:\n' +
  '  Debian/Ubuntu:  sudo apt-get install packer\n' +
  '  elsewhere:      a release from https://developer.hashicorp.com/packer/install (1.6.6 or later)';

export function requireExecutable(name: string, env: NodeJS.ProcessEnv, hint: string): string {
  const path = findExecutable(name, env);
  if (!path) throw new DeployError(hint);
  return path;
}

export function requirePacker(env: NodeJS.ProcessEnv): string {
  return requireExecutable('packer', env, PACKER_HINT);
}

/** One single-quoted POSIX shell word. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line as one could paste it into a POSIX shell. */
export function shellLine(command: readonly string[]): string {
  return command.map((word) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : shellQuote(word))).join(' ');
}

export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  output: Output;
  /** Keep stdout instead of passing it on. */
  capture?: boolean;
}

/** Runs a program to its end; resolves with its exit status (and stdout when captured). */
export function run(command: readonly string[], options: RunOptions): Promise<{ code: number; stdout: string }> {
  const [file, ...args] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(file!, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let captured = '';
    const forward = (stream: NodeJS.ReadableStream, write: (text: string) => void, keep: boolean) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        if (keep) {
          captured += chunk;
          return;
        }
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) write(line);
      });
      stream.on('end', () => {
        if (pending) write(pending);
      });
    };
    forward(child.stdout, options.output.stdout, options.capture === true);
    forward(child.stderr, options.output.stderr, false);
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(new DeployError(err.code === 'ENOENT' ? `${file} is not installed (not found on PATH)` : `cannot run ${file}: ${err.message}`));
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout: captured }));
  });
}

/** Runs a program and fails with a message naming it when it does not exit 0. */
export async function runChecked(command: readonly string[], options: RunOptions): Promise<string> {
  const { code, stdout } = await run(command, options);
  if (code !== 0) throw new DeployError(`${shellLine(command)} failed with exit status ${code}`);
  return stdout;
}
