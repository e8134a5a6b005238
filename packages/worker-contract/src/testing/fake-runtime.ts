import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { ImageError, InternalError, MalformedPayloadError } from '../outcome.js';
import { PathNotFoundError } from '../path-not-found.js';
import type { Container, ContainerSpec, ImageContext, ImageSpec, ListedContainer, ResolvedImage, Runtime } from '../runtime.js';
import { fakeShell, type FakeOutputItem, type FakeRun, type FakeScript } from './fake-shell.js';
import { buildTar } from './tar.js';

/** The exit code of a SIGKILLed process, what the Docker engine reports after `kill()`. */
const KILLED = 137;

/** Thrown by `archive()` for a path the container does not have; `code` matches the real runtime's. */
export class FakePathNotFoundError extends PathNotFoundError {
  constructor(path: string) {
    super(path, `Could not find the file ${path} in the container`);
    this.name = 'FakePathNotFoundError';
  }
}

/** `name` → `name:latest` unless it has a tag or digest, the way Docker reads image names. */
function withDefaultTag(name: string): string {
  if (name.includes('@')) return name;
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? name : `${name}:latest`;
}

function matches(labels: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, value]) => labels[key] === value);
}

/**
 * A Runtime in memory, for unit tests of worker-core and features: no engine, no processes.
 *
 * Images are registered by name with a FakeScript that decides, per container, what it prints,
 * how long it runs, its exit code and the files it leaves; `fakeShell` (the default) interprets
 * the small command set the conformance suite uses. Everything created is kept in `containers`
 * so tests can look at the specs the code under test asked for.
 */
export class FakeRuntime implements Runtime {
  /** Every container created, in creation order (removed ones included). */
  readonly containers: FakeContainer[] = [];
  /** Every `ensureImage` argument, in order. */
  readonly imageRequests: ImageSpec[] = [];
  /** When set, `ping()` rejects with it (an engine that is down). */
  pingError: Error | undefined;
  #images = new Map<string, { id: string; script: FakeScript }>();

  constructor(options: { images?: Record<string, FakeScript | undefined> } = {}) {
    for (const [name, script] of Object.entries(options.images ?? {})) this.addImage(name, script);
  }

  /** Make `name` resolvable; its containers run `script` (the fake shell when omitted). */
  addImage(name: string, script: FakeScript = fakeShell, options: { id?: string } = {}): ResolvedImage {
    const normalized = withDefaultTag(name);
    const id = options.id ?? `sha256:${createHash('sha256').update(normalized).digest('hex')}`;
    this.#images.set(normalized, { id, script });
    return { id, name: normalized };
  }

  /** Containers created and not removed yet. */
  liveContainers(): FakeContainer[] {
    return this.containers.filter((container) => !container.removed);
  }

  async ping(): Promise<void> {
    if (this.pingError) throw this.pingError;
  }

  async ensureImage(image: ImageSpec, ctx: ImageContext): Promise<ResolvedImage> {
    ctx.signal.throwIfAborted();
    this.imageRequests.push(image);
    let name: string;
    if (typeof image === 'string') name = image;
    else if (image.type === 'docker-image') name = image.name;
    else throw new MalformedPayloadError([`payload.image: images of type "${image.type}" are not supported yet`]);
    const normalized = withDefaultTag(name);
    const found = this.#images.get(normalized);
    if (!found) throw new ImageError(`Image "${normalized}" could not be pulled: no such image in the FakeRuntime`);
    return { id: found.id, name: normalized };
  }

  async createContainer(spec: ContainerSpec): Promise<Container> {
    // Like the engine, accept an image id or a name.
    const image = [...this.#images.entries()].find(([name, { id }]) => id === spec.image || name === withDefaultTag(spec.image));
    if (!image) throw new InternalError(`Could not create the task container: No such image: ${spec.image}`);
    const container = new FakeContainer(spec, image[1].script);
    this.containers.push(container);
    return container;
  }

  async listContainers(labels: Record<string, string>): Promise<ListedContainer[]> {
    if (Object.keys(labels).length === 0) throw new Error('listContainers needs at least one label');
    return this.liveContainers()
      .filter((container) => matches(container.spec.labels, labels))
      .map((container) => ({ id: container.id, labels: { ...container.spec.labels } }));
  }

  async removeContainers(labels: Record<string, string>): Promise<number> {
    // Same safety net as the real runtime: no labels would mean "every container".
    if (Object.keys(labels).length === 0) throw new Error('removeContainers needs at least one label');
    let count = 0;
    for (const container of this.liveContainers()) {
      if (!matches(container.spec.labels, labels)) continue;
      await container.remove();
      count++;
    }
    return count;
  }
}

/** A fake container: `state` moves created → running → exited; `removed` once removed. */
export class FakeContainer implements Container {
  readonly id = randomBytes(32).toString('hex');
  readonly output = new PassThrough();
  readonly spec: ContainerSpec;
  state: 'created' | 'running' | 'exited' = 'created';
  removed = false;
  /** Set once exited; 137 after `kill()`. */
  exitCode: number | undefined;
  /** True when `kill()` (or a forced `remove()`) ended it. */
  killed = false;
  files: Record<string, Buffer> = {};
  #script: FakeScript;
  #starting: Promise<void> | undefined;
  #exited: Promise<number>;
  #resolveExit!: (code: number) => void;
  #wake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(spec: ContainerSpec, script: FakeScript) {
    this.spec = spec;
    this.#script = script;
    this.#exited = new Promise((resolve) => (this.#resolveExit = resolve));
  }

  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async wait(): Promise<number> {
    if (!this.#starting) throw new Error('wait() called before start()');
    await this.#starting;
    return this.#exited;
  }

  async kill(): Promise<void> {
    if (this.state === 'running') {
      this.killed = true;
      this.#finish(KILLED);
    }
  }

  async archive(path: string): Promise<Readable> {
    if (this.removed) throw new InternalError(`No such container: ${this.id}`);
    const wanted = posix.resolve('/', path).replace(/\/+$/, '') || '/';
    const base = posix.basename(wanted);
    const file = this.files[wanted];
    if (file) return Readable.from([buildTar([{ name: base, data: file }])]);
    // A directory exists when some file lies under it; the tar holds it under its base name.
    const prefix = wanted === '/' ? '/' : `${wanted}/`;
    const inside = Object.keys(this.files).filter((name) => name.startsWith(prefix)).sort();
    if (inside.length === 0) throw new FakePathNotFoundError(path);
    const root = wanted === '/' ? '' : `${base}/`;
    const entries: Parameters<typeof buildTar>[0] = root ? [{ name: root, type: 'directory' }] : [];
    const directories = new Set<string>();
    for (const name of inside) {
      const relative = name.slice(prefix.length);
      const parts = relative.split('/');
      for (let depth = 1; depth < parts.length; depth++) {
        const directory = `${root}${parts.slice(0, depth).join('/')}/`;
        if (!directories.has(directory)) {
          directories.add(directory);
          entries.push({ name: directory, type: 'directory' });
        }
      }
      entries.push({ name: `${root}${relative}`, data: this.files[name] });
    }
    return Readable.from([buildTar(entries)]);
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    // Forced, like the real runtime: a running container is killed first.
    await this.kill();
    this.removed = true;
    // A removed container's attach stream closes, started or not.
    if (!this.output.writableEnded) this.output.end();
  }

  async #start(): Promise<void> {
    if (this.removed) throw new InternalError(`No such container: ${this.id}`);
    // A throwing script is a start failure: the container stays `created`, output ends.
    let run: FakeRun;
    try {
      run = await this.#script(this.spec);
    } catch (err) {
      this.output.end();
      throw err;
    }
    for (const [name, data] of Object.entries(run.files ?? {})) {
      this.files[posix.resolve('/', name)] = Buffer.isBuffer(data) ? data : Buffer.from(data);
    }
    this.state = 'running';
    void this.#play(run);
  }

  async #play(run: FakeRun): Promise<void> {
    const items: FakeOutputItem[] = Array.isArray(run.output) ? run.output : run.output === undefined ? [] : [run.output];
    for (const item of items) {
      if (this.state !== 'running') return;
      if (typeof item === 'object' && !Buffer.isBuffer(item)) {
        await this.#sleep(item.sleepMs);
      } else if (!this.output.write(item)) {
        // A slow reader holds the container back, as a full pipe would.
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.output.once('drain', resolve);
        });
      }
    }
    await this.#sleep(run.durationMs ?? 0);
    this.#finish(run.exitCode ?? 0);
  }

  /** Interruptible by kill(); unref'd so a forgotten sleeper does not keep a test process alive. */
  #sleep(ms: number): Promise<void> {
    if (this.state !== 'running') return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, ms);
      this.#timer.unref();
    });
  }

  #finish(code: number): void {
    if (this.state === 'exited') return;
    this.state = 'exited';
    this.exitCode = code;
    clearTimeout(this.#timer);
    this.#wake?.();
    this.output.end();
    this.#resolveExit(code);
  }
}
