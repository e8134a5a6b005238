/**
 * The docker-exec websocket protocol, as `docker-exec-websocket-client` (what the Taskcluster
 * UI's shell page uses) speaks it: every websocket message is binary, its first byte says what
 * it is, the rest is its payload.
 */
export const MESSAGE = {
  // Streams, with a payload.
  stdin: 0,
  stdout: 1,
  stderr: 2,
  /** Client to server: uint16 LE rows, uint16 LE columns. */
  resize: 50,
  // Flow control, no payload: either side tells the other to stop or go on sending.
  resume: 100,
  pause: 101,
  /** Client to server: stdin is at its end. */
  end: 102,
  // Server to client, ending the session.
  /** One byte: the process's exit code. */
  stopped: 200,
  shutdown: 201,
  /** UTF-8 text: what went wrong. */
  error: 202,
} as const;

/** A message from the client, decoded. */
export type ClientMessage =
  | { type: 'stdin'; data: Buffer }
  | { type: 'resize'; rows: number; columns: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'end' }
  | { type: 'invalid'; reason: string };

export function decodeClientMessage(message: Buffer): ClientMessage {
  if (message.length === 0) return { type: 'invalid', reason: 'an empty message' };
  const code = message[0];
  switch (code) {
    case MESSAGE.stdin:
      return { type: 'stdin', data: message.subarray(1) };
    case MESSAGE.resize:
      if (message.length < 5) return { type: 'invalid', reason: `a resize message of ${message.length} bytes (5 expected)` };
      return { type: 'resize', rows: message.readUInt16LE(1), columns: message.readUInt16LE(3) };
    case MESSAGE.pause:
      return { type: 'pause' };
    case MESSAGE.resume:
      return { type: 'resume' };
    case MESSAGE.end:
      return { type: 'end' };
    default:
      return { type: 'invalid', reason: `unknown message type ${code}` };
  }
}

/** A message to the client: its type byte, then `payload`. */
export function frame(code: number, payload?: Buffer | string): Buffer {
  const body = payload === undefined ? Buffer.alloc(0) : Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from([code]), body]);
}

/** `stopped` with the exit code as one byte (the client reads it back as a signed byte). */
export function stoppedFrame(exitCode: number): Buffer {
  return Buffer.from([MESSAGE.stopped, exitCode & 0xff]);
}

/** What a session runs, from the websocket URL's query. */
export interface SessionRequest {
  command: string[];
  tty: boolean;
}

/**
 * The client sends `command` once per argument (`command=sh&command=-c&command=...`) and `tty`
 * as `true` or `false`. Without a command it is `sh`, as the client's own default.
 */
export function parseSessionRequest(query: URLSearchParams): SessionRequest | { problem: string } {
  const command = query.getAll('command');
  const tty = query.get('tty');
  if (tty !== null && tty !== 'true' && tty !== 'false') return { problem: `tty must be true or false, not ${JSON.stringify(tty)}` };
  if (command.some((arg) => arg.includes('\0'))) return { problem: 'command must not contain NUL characters' };
  return { command: command.length > 0 ? command : ['sh'], tty: tty === 'true' };
}
