import type { Readable } from 'node:stream';
import { EngineUnavailableError, TaskFailedError, type Container, type ContainerExec, type ExecOptions } from '@docker-worker/worker-contract';
import type Dockerode from 'dockerode';
import { DockerStreamDemuxer } from './demux.js';
import { startExec } from './docker-exec.js';
import { engineFailure, engineMessage, isConnectionError, statusCodeOf } from './engine-errors.js';
import { containerEvents, stoppedFromOutside } from './engine-events.js';

/** `archive()` of a path the container does not have. `code` lets callers tell it apart. */
export class ContainerPathNotFoundError extends Error {
  readonly code = 'ENOENT';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ContainerPathNotFoundError';
  }
}

// How the engine reports a command it could not run: 400 since Docker 20.10 ("OCI runtime
// create failed: … executable file not found"), 500 with the same words on older engines.
const START_FAILURE = /OCI runtime|executable file not found|no such file or directory|permission denied|not a directory/i;

/**
 * A created container, attached: `output` carries what it prints from the moment it starts
 * (the attach is made before the container is handed out) and ends when it exits or is removed.
 */
export class DockerContainer implements Container {
  readonly id: string;
  readonly output: Readable;
  #container: Dockerode.Container;
  #attach: Readable;
  #demuxer: DockerStreamDemuxer;
  #starting: Promise<void> | undefined;
  #waiting: Promise<number> | undefined;
  #detached = false;
  #onDone: () => void;
  #docker: Dockerode;
  /** When start() was asked for: where the engine's events about this run begin. */
  #startedAt = 0;
  /** kill() was asked for: a kill in the engine's events is then ours, not the engine's. */
  #killRequested = false;

  /** `onDone` runs when `output` closes or the container is removed, maybe more than once. */
  constructor(container: Dockerode.Container, attach: Readable, options: { docker: Dockerode; onDone?: () => void }) {
    const onDone = options.onDone ?? (() => {});
    this.id = container.id;
    this.#onDone = onDone;
    this.#docker = options.docker;
    this.#container = container;
    this.#attach = attach;
    const demuxer = new DockerStreamDemuxer();
    this.#demuxer = demuxer;
    // pipe() pauses the socket while the demuxer is full (backpressure) and ends the demuxer when
    // the engine ends the stream (the container stopped). Wired by hand rather than with
    // pipeline() so that detaching from a never-started container can end `output` cleanly.
    attach.pipe(demuxer);
    attach.on('error', (err) => demuxer.destroy(err));
    attach.on('close', () => {
      // Destroyed without an end or an error (not by us): the output is incomplete, say so.
      if (!attach.readableEnded && !this.#detached) demuxer.destroy(new Error(`the output stream of container ${this.id} closed early`));
    });
    // A consumer giving up on `output` (destroying it) releases the engine connection.
    demuxer.on('close', () => {
      attach.destroy();
      onDone();
    });
    // A reader that pipes or iterates `output` still gets its errors; this only keeps an attach
    // socket reset on a container nobody reads (one being removed) from crashing the worker.
    demuxer.on('error', () => {});
    this.output = demuxer;
  }

  start(): Promise<void> {
    if (!this.#starting) this.#startedAt = Date.now();
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /** The exit code. Waits for the container to stop; start() must have been called. */
  async wait(): Promise<number> {
    if (!this.#starting) throw new Error('wait() called before start()');
    await this.#starting;
    // One request however many callers; a failed request may be tried again.
    this.#waiting ??= this.#wait().catch((err: unknown) => {
      this.#waiting = undefined;
      throw err;
    });
    return this.#waiting;
  }

  async kill(): Promise<void> {
    this.#killRequested = true;
    try {
      await this.#container.kill({ signal: 'SIGKILL' });
    } catch (err) {
      // Already stopped (304/409) or gone (404): the container is not running, as asked.
      const status = statusCodeOf(err);
      if (status === 304 || status === 404 || status === 409) return;
      throw engineFailure(`kill container ${this.id}`, err);
    }
  }

  exec(options: ExecOptions): Promise<ContainerExec> {
    return startExec(this.#container, options);
  }

  async archive(path: string): Promise<Readable> {
    try {
      return (await this.#container.getArchive({ path })) as Readable;
    } catch (err) {
      const message = engineMessage(err);
      if (statusCodeOf(err) === 404 && !/no such container/i.test(message)) throw new ContainerPathNotFoundError(path, message);
      throw engineFailure(`read ${path} from container ${this.id}`, err);
    }
  }

  async remove(): Promise<void> {
    try {
      await this.#container.remove({ force: true, v: true });
    } catch (err) {
      const status = statusCodeOf(err);
      // Gone already, or another remove() (ours or a sweep) got there first.
      const gone = status === 404 || (status === 409 && /already in progress/i.test(engineMessage(err)));
      if (!gone) throw engineFailure(`remove container ${this.id}`, err);
    }
    this.removed();
  }

  /**
   * The container was removed (here or by label). The engine closes the attach stream of a
   * container that ran, but keeps the one of a never-started container open after removal, so
   * that one is closed here: otherwise the socket (and a goroutine in the engine) leaks and
   * `output` never ends.
   */
  removed(): void {
    this.#onDone();
    if (this.#starting || this.#detached || this.#attach.readableEnded || this.#attach.destroyed) return;
    this.#detached = true;
    this.#attach.unpipe(this.#demuxer);
    this.#attach.destroy();
    this.#demuxer.end();
  }

  async #start(): Promise<void> {
    try {
      await this.#container.start();
    } catch (err) {
      const status = statusCodeOf(err);
      const message = engineMessage(err);
      if (status === 400 || (status === 500 && START_FAILURE.test(message))) {
        // The original's wording: the task's command could not be run, which is the task's doing.
        throw new TaskFailedError(`Failure to properly start execution environment. ${message}`, { cause: err });
      }
      throw engineFailure(`start container ${this.id}`, err);
    }
  }

  async #wait(): Promise<number> {
    let result: { StatusCode?: unknown };
    try {
      result = (await this.#container.wait({ condition: 'not-running' })) as { StatusCode?: unknown };
    } catch (err) {
      throw engineFailure(`wait for container ${this.id}`, err);
    }
    if (typeof result.StatusCode !== 'number') throw engineFailure(`wait for container ${this.id}`, new Error(`no exit code in ${JSON.stringify(result)}`));
    await this.#checkStoppedByTask(result.StatusCode);
    return result.StatusCode;
  }

  /**
   * An exit code is the task's only when nothing outside it stopped the container. The engine
   * shutting down (a restart, an upgrade) signals every container and answers waits with 137
   * before it goes; the engine's own event log tells that apart from the task's doing. When
   * the worker killed the container itself (cancel, maxRunTime) it knows why already.
   */
  async #checkStoppedByTask(exitCode: number): Promise<void> {
    if (this.#killRequested) return;
    let stopped;
    try {
      stopped = stoppedFromOutside(await containerEvents(this.#docker, this.id, this.#startedAt));
    } catch (err) {
      // The engine stopped answering right after the container died: it is going away.
      if (isConnectionError(err)) throw new EngineUnavailableError(`The Docker engine went away as the task ended (exit code ${exitCode}): ${engineMessage(err)}`, { cause: err });
      throw engineFailure(`read the engine's events for container ${this.id}`, err);
    }
    if (stopped) {
      const signal = stopped.Actor?.Attributes?.signal;
      throw new EngineUnavailableError(
        `The container was stopped from outside the task (${stopped.Action}${signal ? ` with signal ${signal}` : ''} by the Docker engine: ` +
          `a daemon shutdown or restart, or docker stop/kill), so exit code ${exitCode} is not the task's.`,
      );
    }
  }
}
