import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/**
 * What this worker can do of the worker-runner protocol (`~{json}` lines on stdin/stdout); a
 * capability is used only when worker-runner lists it too.
 */
export const WORKER_CAPABILITIES = ['graceful-termination', 'new-credentials', 'shutdown', 'error-report'] as const;

export interface ProtocolMessage {
  type: string;
  [key: string]: unknown;
}

export interface WorkerRunnerEvents {
  'graceful-termination': [finishTasks: boolean];
  'new-credentials': [credentials: { clientId: string; accessToken: string; certificate?: string }];
  error: [error: Error];
}

/**
 * The worker side of worker-runner's line protocol on stdin/stdout: `~` and a JSON object per
 * line. worker-runner opens with `welcome`; we answer `hello` with our capabilities, and a
 * capability is in force only when both sides listed it. Lines without `~` are ignored (they
 * are not for us), and nothing but `hello` is sent before the welcome arrived.
 */
export class WorkerRunnerProtocol extends EventEmitter<WorkerRunnerEvents> {
  #output: Writable;
  #input: Readable;
  #lines: ReturnType<typeof createInterface>;
  #active = new Set<string>();
  #welcomed: Promise<void>;
  #onWelcome!: () => void;

  constructor(input: Readable, output: Writable) {
    super();
    this.#output = output;
    this.#input = input;
    this.#welcomed = new Promise((resolve) => (this.#onWelcome = resolve));
    this.#lines = createInterface({ input, crlfDelay: Infinity });
    this.#lines.on('line', (line) => this.#receive(line));
  }

  /** Stop reading: an open stdin would keep the process alive after the worker is done. */
  close(): void {
    this.#lines.close();
    this.#input.destroy();
  }

  /** Resolves once worker-runner's welcome arrived and our hello went out. */
  initialized(): Promise<void> {
    return this.#welcomed;
  }

  has(capability: string): boolean {
    return this.#active.has(capability);
  }

  /** Tell worker-runner the worker is done (it removes the worker or shuts the host down). */
  shutdown(): void {
    this.#sendIf('shutdown', { type: 'shutdown' });
  }

  errorReport(kind: string, title: string, description: string, extra: Record<string, unknown> = {}): void {
    this.#sendIf('error-report', { type: 'error-report', kind, title, description, extra });
  }

  #sendIf(capability: string, message: ProtocolMessage): void {
    if (this.#active.has(capability)) this.#send(message);
  }

  #send(message: ProtocolMessage): void {
    this.#output.write(`~${JSON.stringify(message)}\n`);
  }

  #receive(line: string): void {
    if (!line.startsWith('~')) return;
    let message: ProtocolMessage;
    try {
      message = JSON.parse(line.slice(1)) as ProtocolMessage;
    } catch {
      this.emit('error', new Error(`worker-runner sent a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    switch (message.type) {
      case 'welcome': {
        const offered = Array.isArray(message.capabilities) ? (message.capabilities as string[]) : [];
        this.#active = new Set(WORKER_CAPABILITIES.filter((c) => offered.includes(c)));
        this.#send({ type: 'hello', capabilities: [...WORKER_CAPABILITIES] });
        this.#onWelcome();
        return;
      }
      case 'graceful-termination':
        if (this.has('graceful-termination')) this.emit('graceful-termination', message['finish-tasks'] === true);
        return;
      case 'new-credentials':
        if (this.has('new-credentials')) {
          const certificate = message.certificate as string | undefined;
          this.emit('new-credentials', {
            clientId: String(message['client-id']),
            accessToken: String(message['access-token']),
            ...(certificate ? { certificate } : {}),
          });
        }
        return;
      default:
        // Messages of capabilities we did not negotiate are not for us.
        return;
    }
  }
}
