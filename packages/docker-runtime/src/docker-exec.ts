import { Transform, type Duplex, type Readable, type Writable } from 'node:stream';
import type { ContainerExec, ExecOptions } from '@docker-worker/worker-contract';
import type Dockerode from 'dockerode';
import { DockerStreamDemuxer } from './demux.js';
import { engineFailure } from './engine-errors.js';

/** How long after its output ended an exec may still report itself running. */
const EXIT_CODE_WAIT_MS = 10_000;

/**
 * `docker exec` in a running container, over a hijacked connection: stdin goes straight to the
 * socket (ending it half-closes the connection, which the engine passes on as end of file), the
 * output is demultiplexed into tagged chunks (raw bytes with a tty), piped so that a slow reader
 * holds the socket, and so the process, back.
 */
export async function startExec(container: Dockerode.Container, options: ExecOptions): Promise<ContainerExec> {
  let exec: Dockerode.Exec;
  let socket: Duplex;
  try {
    exec = await container.exec({ Cmd: options.command, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: options.tty });
    socket = (await exec.start({ hijack: true, stdin: true, Tty: options.tty })) as unknown as Duplex;
  } catch (err) {
    throw engineFailure(`exec ${JSON.stringify(options.command)} in container ${container.id}`, err);
  }
  const output: Transform = options.tty
    ? new Transform({ readableObjectMode: true, transform: (data: Buffer, _enc, done) => done(null, { stream: 'stdout', data }) })
    : new DockerStreamDemuxer({ tagged: true });
  socket.pipe(output);
  socket.on('error', (err) => output.destroy(err));
  output.on('close', () => socket.destroy());
  return new DockerExec(exec, socket, output);
}

class DockerExec implements ContainerExec {
  readonly stdin: Writable;
  readonly output: Readable;
  #exec: Dockerode.Exec;
  #socket: Duplex;

  constructor(exec: Dockerode.Exec, socket: Duplex, output: Readable) {
    this.#exec = exec;
    this.#socket = socket;
    this.stdin = socket;
    this.output = output;
  }

  async resize({ rows, columns }: { rows: number; columns: number }): Promise<void> {
    try {
      await this.#exec.resize({ h: rows, w: columns });
    } catch (err) {
      throw engineFailure('resize an exec terminal', err);
    }
  }

  async exitCode(): Promise<number> {
    const deadline = Date.now() + EXIT_CODE_WAIT_MS;
    for (;;) {
      let state: { Running?: boolean; ExitCode?: number | null };
      try {
        state = (await this.#exec.inspect()) as { Running?: boolean; ExitCode?: number | null };
      } catch (err) {
        throw engineFailure('inspect an exec', err);
      }
      if (!state.Running && typeof state.ExitCode === 'number') return state.ExitCode;
      // The output can end a moment before the engine has recorded the exit.
      if (Date.now() > deadline) throw engineFailure('inspect an exec', new Error(`the process is still running ${EXIT_CODE_WAIT_MS} ms after its output ended`));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  destroy(): void {
    this.#socket.destroy();
    this.output.destroy();
  }
}
