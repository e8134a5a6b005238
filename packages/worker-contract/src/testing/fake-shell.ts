import { posix } from 'node:path';
import { TaskFailedError } from '../outcome.js';
import type { ContainerSpec } from '../runtime.js';

/** One step of a fake container's life: bytes it prints, or a pause. */
export type FakeOutputItem = string | Buffer | { sleepMs: number };

/** What a fake container does once started. */
export interface FakeRun {
  /**
   * What it prints, in order (stdout and stderr alike: a runtime's `output` merges them), with
   * optional pauses between chunks.
   */
  output?: string | Buffer | FakeOutputItem[];
  /** Exit code once everything is printed and `durationMs` has passed; 0 when omitted. */
  exitCode?: number;
  /** How long it keeps running after its output; 0 when omitted. */
  durationMs?: number;
  /** Files it leaves behind for `archive()`, by absolute path. */
  files?: Record<string, string | Buffer>;
}

/**
 * Decides what a fake container does, from the spec it was created with. Called by `start()`;
 * throwing makes `start()` reject with that error (the way a missing executable does for real).
 */
export type FakeScript = (spec: ContainerSpec) => FakeRun | Promise<FakeRun>;

/** The start failure a real engine reports for a missing executable, in the worker's wording. */
export function startFailure(message: string): TaskFailedError {
  return new TaskFailedError(`Failure to properly start execution environment. ${message}`);
}

type Token =
  | { kind: 'word'; text: string; quoted: boolean }
  | { kind: 'op'; text: ';' | '&&' | '||' }
  | { kind: 'redirect'; fd: 1 | 2; to: 'file' | 'append' | 'stdout' | 'stderr' };

/**
 * Splits a shell script into words and operators: single quotes are literal, double quotes
 * and bare words expand `$NAME` and `${NAME}` from `env`, backslash escapes the next character.
 * Expanded values are not split into words (so use `"$VAR"` in scripts meant for a real shell too).
 */
function tokenize(script: string, env: Record<string, string>): Token[] {
  const tokens: Token[] = [];
  let word = '';
  let inWord = false;
  let quoted = false;
  const endWord = () => {
    if (inWord) tokens.push({ kind: 'word', text: word, quoted });
    word = '';
    inWord = false;
    quoted = false;
  };
  const expand = (at: number): [string, number] => {
    const braced = script[at + 1] === '{';
    const match = (braced ? /^\{([A-Za-z_][A-Za-z0-9_]*)\}/ : /^([A-Za-z_][A-Za-z0-9_]*)/).exec(script.slice(at + 1));
    if (!match) return ['$', at + 1];
    return [env[match[1] as string] ?? '', at + 1 + match[0].length];
  };
  let i = 0;
  while (i < script.length) {
    const c = script[i] as string;
    if (c === ' ' || c === '\t') {
      endWord();
      i++;
    } else if (c === ';' || c === '\n') {
      endWord();
      tokens.push({ kind: 'op', text: ';' });
      i++;
    } else if (script.startsWith('&&', i) || script.startsWith('||', i)) {
      endWord();
      tokens.push({ kind: 'op', text: script.slice(i, i + 2) as '&&' | '||' });
      i += 2;
    } else if (c === '>') {
      // `2>` / `1>`: a bare single digit right before `>` names the file descriptor.
      let fd: 1 | 2 = 1;
      if (inWord && !quoted && (word === '1' || word === '2')) {
        fd = word === '2' ? 2 : 1;
        word = '';
        inWord = false;
      }
      endWord();
      if (script.startsWith('>&', i)) {
        tokens.push({ kind: 'redirect', fd, to: script[i + 2] === '2' ? 'stderr' : 'stdout' });
        i += 3;
      } else if (script.startsWith('>>', i)) {
        tokens.push({ kind: 'redirect', fd, to: 'append' });
        i += 2;
      } else {
        tokens.push({ kind: 'redirect', fd, to: 'file' });
        i += 1;
      }
    } else if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end === -1) throw new Error('fake shell: unterminated single quote');
      word += script.slice(i + 1, end);
      inWord = true;
      quoted = true;
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      quoted = true;
      i++;
      while (i < script.length && script[i] !== '"') {
        if (script[i] === '$') {
          const [value, next] = expand(i);
          word += value;
          i = next;
        } else if (script[i] === '\\' && /["\\$]/.test(script[i + 1] ?? '')) {
          word += script[i + 1];
          i += 2;
        } else {
          word += script[i];
          i++;
        }
      }
      if (i >= script.length) throw new Error('fake shell: unterminated double quote');
      i++;
    } else if (c === '$') {
      const [value, next] = expand(i);
      word += value;
      inWord = true;
      i = next;
    } else if (c === '\\') {
      word += script[i + 1] ?? '';
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  endWord();
  return tokens;
}

/** Collects what a fake command prints and leaves behind. */
class Recorder {
  items: FakeOutputItem[] = [];
  files: Record<string, string | Buffer> = {};

  write(text: string, target: { file: string; append: boolean } | undefined): void {
    if (!target) {
      this.items.push(text);
      return;
    }
    const previous = target.append ? String(this.files[target.file] ?? '') : '';
    this.files[target.file] = previous + text;
  }
}

type Builtin = (args: string[], out: Recorder, target: { file: string; append: boolean } | undefined) => number;

const BUILTINS: Record<string, Builtin> = {
  echo(args, out, target) {
    const newline = args[0] !== '-n';
    out.write(`${(newline ? args : args.slice(1)).join(' ')}${newline ? '\n' : ''}`, target);
    return 0;
  },
  sleep(args, out) {
    const seconds = Number(args[0]);
    if (!Number.isFinite(seconds) || seconds < 0) {
      out.write(`sleep: invalid number '${args[0] ?? ''}'\n`, undefined);
      return 1;
    }
    out.items.push({ sleepMs: seconds * 1000 });
    return 0;
  },
  true: () => 0,
  false: () => 1,
  // A directory exists in the fake once a file lies under it: `mkdir` alone leaves nothing.
  mkdir: () => 0,
};

/** Runs one `sh -c` script: simple commands joined by `;`, `&&`, `||`, with `>`, `>>`, `>&2`. */
function runScript(script: string, env: Record<string, string>, out: Recorder): number {
  const tokens = tokenize(script, env);
  let status = 0;
  let skip = false;
  let index = 0;
  while (index < tokens.length) {
    const words: string[] = [];
    let target: { file: string; append: boolean } | undefined;
    for (; index < tokens.length; index++) {
      const token = tokens[index] as Token;
      if (token.kind === 'word') {
        words.push(token.text);
      } else if (token.kind === 'redirect') {
        let file: string | undefined;
        if (token.to === 'file' || token.to === 'append') {
          const next = tokens[++index];
          if (!next || next.kind !== 'word') throw new Error('fake shell: redirection without a file name');
          file = next.text;
        }
        // Builtins only print to stdout, so only stdout's redirections matter; stdout and
        // stderr end up in the same merged output, so `>&2` changes nothing visible.
        if (token.fd === 1 && file !== undefined) {
          // The busybox image's working directory is `/`.
          target = { file: posix.resolve('/', file), append: token.to === 'append' };
        } else if (token.fd === 1) {
          target = undefined;
        }
      } else {
        break;
      }
    }
    if (!skip && words.length > 0) {
      const [name, ...args] = words as [string, ...string[]];
      if (name === 'exit') return args[0] === undefined ? status : Number(args[0]) & 0xff;
      const builtin = BUILTINS[name];
      if (builtin) {
        status = builtin(args, out, target);
      } else {
        out.write(`sh: ${name}: not found\n`, undefined);
        status = 127;
      }
    }
    const op = tokens[index];
    index++;
    skip = op?.kind === 'op' && ((op.text === '&&' && status !== 0) || (op.text === '||' && status === 0));
  }
  return status;
}

/**
 * The default FakeScript: interprets the few commands the conformance suite runs, so the same
 * tests work against FakeRuntime and against a real busybox image:
 *
 * - `sh -c '<script>'` with `echo [-n]`, `exit N`, `sleep N`, `true`, `false`, `mkdir`, joined by `;`,
 *   `&&`, `||`, with `$VAR`/`"$VAR"` from the spec's env and `>&2`, `> /file`, `>> /file`;
 *   any other command prints `sh: <name>: not found` and sets status 127, like busybox sh;
 * - `echo …`, `sleep N`, `true`, `false` executed directly;
 * - any other executable fails `start()` the way the real runtime does.
 */
export const fakeShell: FakeScript = (spec) => {
  const argv = spec.command ?? [];
  const out = new Recorder();
  let exitCode: number;
  const [name, ...args] = argv;
  if (name === undefined) throw startFailure('No command specified');
  if (name === 'sh' && args[0] === '-c' && args[1] !== undefined) {
    exitCode = runScript(args[1], spec.env, out);
  } else {
    const builtin = BUILTINS[name];
    if (!builtin) throw startFailure(`exec: "${name}": executable file not found in $PATH`);
    exitCode = builtin(args, out, undefined);
  }
  return { output: out.items, exitCode, files: out.files };
};
