// The client the Taskcluster UI's shell uses; it ships no types of its own.
declare module 'docker-exec-websocket-client' {
  import type { EventEmitter } from 'node:events';
  import type { Readable, Writable } from 'node:stream';
  export class DockerExecClient extends EventEmitter {
    constructor(options: { url: string; command?: string | string[]; tty?: boolean; wsopts?: Record<string, unknown> });
    execute(): Promise<void>;
    stdin: Writable;
    stdout: Readable;
    stderr: Readable;
    resize(rows: number, columns: number): void;
    close(): void;
  }
}
