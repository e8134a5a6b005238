import type { ContainerExec, ExecOutputChunk } from '@docker-worker/worker-contract';
import type { WebSocket } from 'ws';
import { RFB_VERSION, RFB_VERSION_LENGTH, rfbFailure } from './display.js';

/** Bytes sent to a client and not yet written to its socket before x11vnc is held back. */
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;
/** What is kept of x11vnc's stderr, to say why it ended. */
const MAX_STDERR_BYTES = 8 * 1024;
/** How long a refused client has to send its RFB version before the socket just closes. */
const REFUSAL_WAIT_MS = 10_000;

/**
 * Tells a VNC client why there is no display: in RFB, as a server that offers no security type
 * (version, the client's version, then the reason, which noVNC shows), then the websocket closes
 * with the reason too (for clients that read that instead).
 */
export function refuseDisplay(ws: WebSocket, reason: string): void {
  if (ws.readyState !== ws.OPEN) return;
  const message = `[taskcluster] ${reason}`;
  let received = 0;
  const finish = () => {
    clearTimeout(timer);
    ws.off('message', onMessage);
    if (ws.readyState !== ws.OPEN) return;
    ws.send(rfbFailure(message), { binary: true });
    ws.close(1000, closeReason(message));
  };
  const onMessage = (data: Buffer) => {
    received += data.length;
    if (received >= RFB_VERSION_LENGTH) finish();
  };
  const timer = setTimeout(finish, REFUSAL_WAIT_MS);
  ws.on('message', onMessage);
  ws.once('close', () => clearTimeout(timer));
  ws.send(RFB_VERSION, { binary: true });
}

/** A websocket close reason is at most 123 bytes of UTF-8. */
function closeReason(message: string): string {
  let reason = message;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -2) + '…';
  return reason;
}

/**
 * One display session: a websocket carrying raw RFB bytes, bridged to x11vnc exec'd in the
 * task's container with `-inetd` (RFB on its stdin/stdout). Backpressure holds both ways: the
 * client's socket is paused while x11vnc's stdin is full, and x11vnc's output stops being read
 * while the client has not taken what was sent. When x11vnc ends before saying anything (not
 * installed, no such display), the client is told why by `explain`.
 */
export class DisplaySession {
  #ws: WebSocket;
  #exec: ContainerExec;
  #explain: (exitCode: number | undefined, stderr: string) => string;
  #finished = false;
  #spoke = false;
  #unsent = 0;
  #stderr: Buffer[] = [];
  #stderrBytes = 0;
  readonly done: Promise<void>;
  #resolveDone!: () => void;

  constructor(ws: WebSocket, exec: ContainerExec, explain: (exitCode: number | undefined, stderr: string) => string) {
    this.#ws = ws;
    this.#exec = exec;
    this.#explain = explain;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    ws.on('message', this.#fromClient);
    ws.on('close', () => this.#finish());
    ws.on('error', () => this.#finish());
    exec.stdin.on('drain', () => {
      if (!this.#finished) ws.resume();
    });
    exec.stdin.on('error', () => {});
    exec.output.on('data', (chunk: ExecOutputChunk) => this.#toClient(chunk));
    exec.output.once('end', () => void this.#exited());
    exec.output.once('error', (err: Error) => this.close(`the display's connection to the container failed: ${err.message}`));
  }

  /** End the session: the websocket closes with `message` as its reason; x11vnc loses its client and exits. */
  close(message: string): void {
    if (this.#finished) return;
    if (this.#spoke) {
      this.#ws.close(1000, closeReason(`[taskcluster] ${message}`));
    } else {
      this.#ws.resume();
      this.#ws.off('message', this.#fromClient);
      refuseDisplay(this.#ws, message);
    }
    this.#finish();
  }

  #fromClient = (data: Buffer) => {
    if (this.#finished || this.#exec.stdin.writableEnded) return;
    if (!this.#exec.stdin.write(data)) this.#ws.pause();
  };

  #toClient({ stream, data }: ExecOutputChunk): void {
    if (stream === 'stderr') {
      this.#stderr.push(data);
      this.#stderrBytes += data.length;
      while (this.#stderrBytes > MAX_STDERR_BYTES && this.#stderr.length > 1) this.#stderrBytes -= this.#stderr.shift()!.length;
      return;
    }
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#spoke = true;
    this.#unsent += data.length;
    if (this.#unsent > MAX_UNSENT_BYTES) this.#exec.output.pause();
    this.#ws.send(data, { binary: true }, () => {
      this.#unsent -= data.length;
      if (this.#unsent <= MAX_UNSENT_BYTES && !this.#finished) this.#exec.output.resume();
    });
  }

  async #exited(): Promise<void> {
    if (this.#finished) return;
    let code: number | undefined;
    try {
      code = await this.#exec.exitCode();
    } catch {
      code = undefined;
    }
    if (this.#finished) return;
    if (this.#spoke) {
      this.#ws.close(1000, closeReason(`[taskcluster] x11vnc exited${code === undefined ? '' : ` with code ${code}`}`));
    } else {
      // The client's socket may be paused for a stdin that is gone: it has to read the version answer.
      this.#ws.resume();
      this.#ws.off('message', this.#fromClient);
      refuseDisplay(this.#ws, this.#explain(code, Buffer.concat(this.#stderr).toString('utf8')));
    }
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#exec.destroy();
    this.#resolveDone();
  }
}
