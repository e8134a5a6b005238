import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import {
  Semaphore,
  type ArtifactErrorReason,
  type ArtifactPublisher,
  type Container,
  type DockerWorkerPayload,
  type TaskContext,
  type UploadedArtifact,
  type UploadRequest,
  type UploadResult,
  type WorkerIdentity,
} from '@docker-worker/worker-contract';
import { FakeContainer, MemoryTaskLog, fakeShell, testTaskDefinition } from '@docker-worker/worker-contract/testing';
import tar from 'tar-stream';

export interface StoredUpload {
  name: string;
  contentType: string;
  contentEncoding?: string;
  contentLength: number;
  expires?: string;
  data: Buffer;
}

export interface StoredError {
  name: string;
  reason: ArtifactErrorReason;
  message: string;
  expires?: string;
}

/**
 * An ArtifactPublisher in memory that behaves like the worker's where it matters to features:
 * it reads each source fully, checks the declared length, hashes, runs at most
 * `maxConcurrentUploads` at once and lists what it uploaded.
 */
export class MemoryPublisher implements ArtifactPublisher {
  readonly maxConcurrentUploads: number;
  readonly stored = new Map<string, StoredUpload>();
  readonly errors = new Map<string, StoredError>();
  readonly links: Array<{ name: string; target: string }> = [];
  /** Most uploads seen in flight at once. */
  peakInFlight = 0;
  /** Uploads whose name matches fail (after "retries") with this error. */
  failing: { match: RegExp; error: Error } | undefined;
  /** Each upload takes at least this long (to make concurrency observable). */
  delayMs = 0;
  #limiter: Semaphore;
  #uploads: UploadedArtifact[] = [];

  constructor(options: { concurrency?: number } = {}) {
    this.#limiter = new Semaphore(options.concurrency ?? 4);
    this.maxConcurrentUploads = this.#limiter.limit;
  }

  uploads(): readonly UploadedArtifact[] {
    return [...this.#uploads];
  }

  upload(request: UploadRequest): Promise<UploadResult> {
    return this.#limiter.run(async () => {
      this.peakInFlight = Math.max(this.peakInFlight, this.#limiter.held);
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      if (this.failing?.match.test(request.name)) throw this.failing.error;
      const data = await buffer(request.source());
      if (data.length !== request.contentLength) throw new Error(`${request.name}: declared ${request.contentLength} bytes, got ${data.length}`);
      this.stored.set(request.name, {
        name: request.name,
        contentType: request.contentType,
        contentEncoding: request.contentEncoding,
        contentLength: request.contentLength,
        expires: request.expires,
        data,
      });
      const result = { sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
      this.#uploads.push({ name: request.name, contentType: request.contentType, ...result });
      return result;
    });
  }

  async reference(): Promise<void> {
    throw new Error('no reference artifact expected');
  }

  async link(name: string, target: string): Promise<void> {
    this.links.push({ name, target });
  }

  async error(name: string, reason: ArtifactErrorReason, message: string, expires?: string): Promise<void> {
    this.errors.set(name, { name, reason, message, expires });
  }

  text(name: string): string {
    const stored = this.stored.get(name);
    if (!stored) throw new Error(`no artifact ${name} (have: ${[...this.stored.keys()].join(', ')})`);
    return stored.data.toString('utf8');
  }
}

export const WORKER: WorkerIdentity = {
  rootUrl: 'http://127.0.0.1:1',
  provisionerId: 'test-prov',
  workerType: 'test-type',
  workerGroup: 'test-group',
  workerId: 'test-worker',
  workerNodeType: 'm5.large',
  host: 'localhost',
  publicIp: '203.0.113.9',
  privateIp: '10.1.2.3',
  instanceId: 'i-123',
  region: 'us-test-1',
};

/** A feature context around a MemoryTaskLog and a MemoryPublisher, with a fresh work directory. */
export async function testContext(
  payload: Partial<DockerWorkerPayload>,
  options: { publisher?: MemoryPublisher; config?: Record<string, unknown>; signal?: AbortSignal } = {},
): Promise<TaskContext & { log: MemoryTaskLog; artifacts: MemoryPublisher }> {
  const task = testTaskDefinition({ payload: payload as Record<string, unknown> });
  return {
    taskId: 'dGVzdC10YXNrLWlkLTAwMA',
    runId: 0,
    task,
    payload: { image: 'dw-test/busybox', maxRunTime: 60, ...payload } as DockerWorkerPayload,
    worker: WORKER,
    log: new MemoryTaskLog(),
    artifacts: options.publisher ?? new MemoryPublisher(),
    config: options.config ?? {},
    signal: options.signal ?? new AbortController().signal,
    workDir: await mkdtemp(join(tmpdir(), 'fa-test-')),
  };
}

/** A stopped fake container holding `files` (absolute path → content). */
export function containerWith(files: Record<string, string | Buffer>): FakeContainer {
  const container = new FakeContainer({ image: 'fake', env: {}, labels: {} }, fakeShell);
  for (const [path, data] of Object.entries(files)) container.files[path] = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return container;
}

export interface RawTarEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  data?: string;
  linkname?: string;
}

/** A tar archive with any entry types (FakeContainer's archives only hold files and directories). */
export async function rawTar(entries: RawTarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const done = buffer(pack as unknown as Readable);
  for (const entry of entries) {
    const data = entry.data ?? '';
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        { name: entry.name, type: entry.type, linkname: entry.linkname, size: entry.type === 'file' ? Buffer.byteLength(data) : 0 },
        entry.type === 'file' ? data : '',
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  pack.finalize();
  return done;
}

/** A container whose archive() of any path returns `archive`. */
export function containerWithArchive(archive: Buffer): Container {
  return {
    id: 'raw-archive',
    output: Readable.from([]),
    start: async () => {},
    wait: async () => 0,
    kill: async () => {},
    archive: async () => Readable.from([archive]),
    remove: async () => {},
  };
}
