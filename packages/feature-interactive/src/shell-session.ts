import type { ContainerExec, ExecOutputChunk } from '@docker-worker/worker-contract';
import type { WebSocket } from 'ws';
import { MESSAGE, decodeClientMessage, frame, stoppedFrame } from './protocol.js';

/** Bytes sent to a client and not yet written to its socket before the process is held back. */
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

/**
 * One shell session: a websocket bridged to a process exec'd in the task's container, in the
 * docker-exec protocol. Backpressure holds both ways: a process printing faster than the
 * client takes is paused (its output stops being read), and a client sending faster than the
 * process reads is told `pause` until the process's stdin drains.
 */
export class ShellSession {
  #ws: WebSocket;
  #exec: ContainerExec;
  #finished = false;
  #clientPaused = false;
  #unsent = 0;
  /**
   * Resizes go to the engine as requests of their own; what the client sent after one waits
   * for it, so a program started by that input sees the new size.
   */
  #resizing: Promise<void> | undefined;
  readonly done: Promise<void>;
  #resolveDone!: () => void;

  constructor(ws: WebSocket, exec: ContainerExec) {
    this.#ws = ws;
    this.#exec = exec;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    ws.on('message', (data: Buffer, isBinary: boolean) => this.#fromClient(isBinary ? data : Buffer.from(data)));
    ws.on('close', () => this.#finish());
    ws.on('error', () => this.#finish());
    exec.stdin.on('drain', () => this.#send(frame(MESSAGE.resume)));
    // A process that ended, or a connection dropped: what is still written is not wanted.
    exec.stdin.on('error', () => {});
    exec.output.on('data', (chunk: ExecOutputChunk) => this.#toClient(chunk));
    exec.output.once('end', () => void this.#exited());
    exec.output.once('error', (err: Error) => this.close(`the shell's connection to the container failed: ${err.message}`));
    // The client starts paused: it sends nothing until told the process is ready.
    this.#send(frame(MESSAGE.resume));
  }

  /**
   * End the session with `message` (on the client's stderr, so a terminal shows it), then
   * `shutdown`; the exec'd process loses its connection.
   */
  close(message: string): void {
    if (this.#finished) return;
    this.#send(frame(MESSAGE.stderr, `\r\n[taskcluster] ${message}\r\n`));
    this.#send(frame(MESSAGE.shutdown));
    this.#ws.close(1000, message.slice(0, 120));
    this.#finish();
  }

  #fromClient(message: Buffer): void {
    if (this.#resizing) {
      const after = this.#resizing.then(() => this.#handle(message));
      this.#resizing = after;
      void after.then(() => {
        if (this.#resizing === after) this.#resizing = undefined;
      });
      return;
    }
    this.#handle(message);
  }

  #handle(message: Buffer): void {
    const decoded = decodeClientMessage(message);
    switch (decoded.type) {
      case 'stdin':
        if (!this.#exec.stdin.writableEnded && !this.#exec.stdin.write(decoded.data)) this.#send(frame(MESSAGE.pause));
        break;
      case 'end':
        if (!this.#exec.stdin.writableEnded) this.#exec.stdin.end();
        break;
      case 'resize': {
        const resized = this.#exec.resize({ rows: decoded.rows, columns: decoded.columns }).catch(() => {});
        const previous = this.#resizing;
        this.#resizing = previous ? previous.then(() => resized) : resized;
        const current = this.#resizing;
        void current.then(() => {
          if (this.#resizing === current) this.#resizing = undefined;
        });
        break;
      }
      case 'pause':
        this.#clientPaused = true;
        this.#exec.output.pause();
        break;
      case 'resume':
        this.#clientPaused = false;
        if (this.#unsent <= MAX_UNSENT_BYTES) this.#exec.output.resume();
        break;
      case 'invalid':
        this.#send(frame(MESSAGE.error, `not a docker-exec message: ${decoded.reason}`));
        break;
    }
  }

  #toClient({ stream, data }: ExecOutputChunk): void {
    const message = frame(stream === 'stderr' ? MESSAGE.stderr : MESSAGE.stdout, data);
    this.#unsent += message.length;
    if (this.#unsent > MAX_UNSENT_BYTES) this.#exec.output.pause();
    this.#send(message, () => {
      this.#unsent -= message.length;
      if (this.#unsent <= MAX_UNSENT_BYTES && !this.#clientPaused && !this.#finished) this.#exec.output.resume();
    });
  }

  async #exited(): Promise<void> {
    if (this.#finished) return;
    let code: number;
    try {
      code = await this.#exec.exitCode();
    } catch (err) {
      this.close(`the shell's exit code could not be read: ${(err as Error).message}`);
      return;
    }
    if (this.#finished) return;
    this.#send(stoppedFrame(code));
    this.#ws.close(1000);
    this.#finish();
  }

  #send(message: Buffer, sent?: () => void): void {
    if (this.#ws.readyState !== this.#ws.OPEN) {
      sent?.();
      return;
    }
    this.#ws.send(message, { binary: true }, () => sent?.());
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#exec.destroy();
    this.#resolveDone();
  }
}
