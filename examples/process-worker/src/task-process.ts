import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { PassThrough, type Readable } from 'node:stream';
import { rm } from 'node:fs/promises';
import { TaskFailedError, type Container } from '@docker-worker/worker-contract';
import { DirectoryFiles } from './directory-files.js';

/** How long the pipes may stay open after the process exited (held by something that escaped its group). */
const PIPE_GRACE_MS = 5_000;

export interface TaskProcessOptions {
  /** Names it in logs and `Container.id`. */
  id: string;
  command: string[];
  env: Record<string, string>;
  /** The task directory: the process's working directory, and what `archive()` reads. */
  dir: string;
}

/**
 * The task's command as a host process, behind the contract's `Container` interface, so the
 * features' `created` hook gets what it is typed for: output, start, wait, kill and the files
 * it leaves. Like a container, it is a process group: when its main process exits or is
 * killed, everything it started goes too, so no stray child keeps the output open (the log
 * would never end) or writes into the task directory after the artifacts were read.
 */
export class TaskProcess extends DirectoryFiles implements Container {
  readonly id: string;
  /** stdout and stderr merged, in the order they came; ends once the process group is gone. */
  readonly output = new PassThrough();
  #options: TaskProcessOptions;
  #child: ChildProcess | undefined;
  #exit: Promise<number> | undefined;
  #reaped = false;

  constructor(options: TaskProcessOptions) {
    super(options.dir);
    this.id = options.id;
    this.#options = options;
  }

  /** Starts the process; a program that cannot be run fails the task (its payload named it). */
  async start(): Promise<void> {
    const [program, ...args] = this.#options.command;
    // No shell: the command is an argument vector, as a container's Cmd is.
    const child = spawn(program!, args, {
      cwd: this.#options.dir,
      env: this.#options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so kill() reaches whatever it started.
      detached: true,
    });
    this.#child = child;
    this.#exit = new Promise((resolve) => {
      let lingering: NodeJS.Timeout | undefined;
      child.once('exit', () => {
        // Its main process is gone: nothing it left behind may outlive it.
        this.#killGroup();
        // A process that left the group (setsid) may still hold the pipes: stop reading them
        // rather than wait for it for ever.
        lingering = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, PIPE_GRACE_MS);
      });
      // 'close' comes once the output is drained too: then nothing more can reach the log.
      child.once('close', (code, signal) => {
        clearTimeout(lingering);
        // Reaped: its pid (and so its group id) may now be another process's.
        this.#reaped = true;
        resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
      });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      this.output.end();
      throw new TaskFailedError(`Could not run ${JSON.stringify(program)}: ${(err as Error).message}`);
    }
    this.#merge([child.stdout!, child.stderr!]);
  }

  /** The exit code once the process has exited; 128 + the signal number when killed (as Docker says). */
  wait(): Promise<number> {
    if (!this.#exit) return Promise.reject(new Error(`task process ${this.id} was never started`));
    return this.#exit;
  }

  async kill(): Promise<void> {
    this.#killGroup();
  }

  /** The task directory goes with the run; nothing more to remove than the process itself. */
  async remove(): Promise<void> {
    this.#killGroup();
    await rm(this.#options.dir, { recursive: true, force: true });
  }

  #killGroup(): void {
    const pid = this.#child?.pid;
    if (pid === undefined || this.#reaped) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch (err) {
      // ESRCH: the whole group is gone already.
      if ((err as { code?: unknown }).code !== 'ESRCH') throw err;
    }
  }

  /** Both pipes into one output, each held back when the log cannot keep up. */
  #merge(sources: Readable[]): void {
    let open = sources.length;
    for (const source of sources) {
      source.pipe(this.output, { end: false });
      // 'close', not 'end': a pipe destroyed after the grace period never ends.
      source.once('close', () => {
        if (--open === 0) this.output.end();
      });
      source.once('error', (err) => this.output.destroy(err));
    }
  }
}
