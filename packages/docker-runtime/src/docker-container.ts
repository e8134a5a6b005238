import type { Readable } from 'node:stream';
import { TaskFailedError, type Container } from '@docker-worker/worker-contract';
import type Dockerode from 'dockerode';
import { DockerStreamDemuxer } from './demux.js';
import { engineFailure, engineMessage, statusCodeOf } from './engine-errors.js';

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

  /** `onDone` runs when `output` closes or the container is removed, maybe more than once. */
  constructor(container: Dockerode.Container, attach: Readable, onDone: () => void = () => {}) {
    this.id = container.id;
    this.#onDone = onDone;
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
    try {
      await this.#container.kill({ signal: 'SIGKILL' });
    } catch (err) {
      // Already stopped (304/409) or gone (404): the container is not running, as asked.
      const status = statusCodeOf(err);
      if (status === 304 || status === 404 || status === 409) return;
      throw engineFailure(`kill container ${this.id}`, err);
    }
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
    return result.StatusCode;
  }
}
