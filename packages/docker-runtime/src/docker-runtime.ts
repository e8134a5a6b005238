import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  ImageError,
  InternalError,
  MalformedPayloadError,
  TaskFailedError,
  type Container,
  type ContainerSpec,
  type CreatedNetwork,
  type ImageContext,
  type ImageSpec,
  type ListedContainer,
  type ListedNetwork,
  type ResolvedImage,
  type Runtime,
  type ScopeRequirement,
  type TaskDefinition,
} from '@docker-worker/worker-contract';
import type Dockerode from 'dockerode';
import { DockerodeClass } from './load-dockerode.js';
import { closeImageNames } from './close-images.js';
import { DockerContainer } from './docker-container.js';
import { engineFailure, engineMessage, statusCodeOf } from './engine-errors.js';
import { parseImageReference, type ImageReference } from './image-reference.js';
import { ImagePuller } from './pull.js';
import { credentialsFor, type RegistryMap } from './registry-credentials.js';
import { ImageTracker } from './image-tracker.js';
import { artifactImageName, loadArtifactImage } from './artifact-image.js';
import { describeFormat, type ImageFormat } from './image-format.js';
import { SharedWork } from './shared-work.js';

export interface DockerRuntimeOptions {
  /** A ready client (tests pass one to spy on it); otherwise one is made from `socketPath`. */
  docker?: Dockerode;
  /** The engine's Unix socket; by default DOCKER_HOST, else /var/run/docker.sock (dockerode's rules). */
  socketPath?: string;
  /** A pull, retries included, must finish within this; 30 minutes by default. */
  pullTimeoutMs?: number;
  /** Tries for pulls failing on network or registry errors; 3 by default. */
  pullAttempts?: number;
  /** First delay between pull tries, doubled each time; 2 s by default. */
  pullRetryDelayMs?: number;
  /** The `registries` config: credentials for pulls from matching registries. */
  registries?: RegistryMap;
  /** Registry of names without a host (`user/image`), for matching `registries` keys. */
  defaultRegistry?: string;
  /** File that remembers which images this worker pulled (for garbage collection across restarts). */
  imageStateFile?: string;
}

/** What one garbage-collection sweep removed. */
export interface GcReport {
  removedImages: string[];
  /** The sizes the engine gave the removed images (a layer another image shares is counted too). */
  removedBytes: number;
}

/** An image artifact in the engine, and how many bytes its download took. */
interface LoadedArtifactImage {
  image: ResolvedImage;
  bytes: number;
  format: ImageFormat;
}

const DEFAULT_PULL_TIMEOUT_MS = 30 * 60 * 1000;

function megabytes(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1);
}

/** The Runtime contract on the Docker Engine API. */
export class DockerRuntime implements Runtime {
  #docker: Dockerode;
  #puller: ImagePuller;
  /** Containers made here and not known to be gone, so removeContainers can tell them (see DockerContainer.removed). */
  #open = new Map<string, DockerContainer>();
  #registries: RegistryMap;
  #defaultRegistry: string;
  #images: ImageTracker;
  /** Artifact images being downloaded, by local name, so concurrent tasks share one download. */
  #artifactLoads = new SharedWork<LoadedArtifactImage>();

  constructor(options: DockerRuntimeOptions = {}) {
    this.#registries = options.registries ?? {};
    this.#defaultRegistry = options.defaultRegistry ?? 'registry.hub.docker.com';
    this.#images = new ImageTracker(options.imageStateFile);
    this.#docker = options.docker ?? new DockerodeClass(options.socketPath ? { socketPath: options.socketPath } : undefined);
    this.#puller = new ImagePuller(this.#docker, {
      timeoutMs: options.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS,
      attempts: Math.max(1, options.pullAttempts ?? 3),
      retryDelayMs: options.pullRetryDelayMs ?? 2000,
    });
  }

  /**
   * Where the client talks to, for messages. Without DOCKER_HOST docker-modem holds a function
   * that picks the socket (the user's rootless one, else /var/run/docker.sock), not a path.
   */
  async endpoint(): Promise<string> {
    const modem = this.#docker.modem as { socketPath?: unknown; host?: unknown; port?: unknown; protocol?: unknown; getSocketPath?: () => unknown };
    if (modem.socketPath) {
      const path = typeof modem.socketPath === 'function' ? await modem.getSocketPath?.() : modem.socketPath;
      return `unix://${String(path)}`;
    }
    return `${String(modem.protocol ?? 'http')}://${String(modem.host)}${modem.port ? `:${String(modem.port)}` : ''}`;
  }

  async ping(): Promise<void> {
    try {
      await this.#docker.ping();
    } catch (err) {
      throw new Error(
        `The Docker engine is not reachable at ${await this.endpoint()} (${engineMessage(err)}). ` +
          'Start it (for example `sudo systemctl start docker`, or `sudo dockerd &`), make sure this user may use its socket ' +
          '(the `docker` group), or point DOCKER_HOST at a running engine.',
        { cause: err },
      );
    }
  }

  /**
   * What the image asks of the task's scopes, checked by the worker before anything starts:
   * pulling with the worker's registry credentials needs `docker-worker:image:<repository>:<tag>`
   * (even when the image is already here: a copy pulled for one task with the worker's
   * credentials must not serve a task that may not use them), and an artifact image that is
   * not public needs `queue:get-artifact:<path>`, which its download is then signed with.
   */
  requiredScopes(image: ImageSpec, _task: TaskDefinition): ScopeRequirement[] {
    if (typeof image === 'object' && (image.type === 'task-image' || image.type === 'indexed-image')) {
      if (image.path.startsWith('public/')) return [];
      return [{ for: 'payload.image', scopes: `queue:get-artifact:${image.path}`, because: `the image artifact "${image.path}" is not public` }];
    }
    const reference = parseImageReference(dockerImageName(image));
    const matched = credentialsFor(reference, this.#registries, this.#defaultRegistry);
    if (!matched) return [];
    return [
      {
        for: `payload.image "${reference.name}"`,
        scopes: matched.scope,
        because: `pulls from ${matched.registry} use the worker's registry credentials`,
      },
    ];
  }

  async ensureImage(image: ImageSpec, ctx: ImageContext): Promise<ResolvedImage> {
    if (typeof image === 'object' && (image.type === 'task-image' || image.type === 'indexed-image')) return this.#ensureArtifactImage(image, ctx);
    const reference = parseImageReference(dockerImageName(image));
    ctx.signal.throwIfAborted();
    const matched = credentialsFor(reference, this.#registries, this.#defaultRegistry);
    const present = await this.#localImage(reference);
    if (present) {
      if (await this.#images.has(present.Id)) await this.#images.touch(present.Id, reference.name);
      return { id: present.Id, name: reference.name, source: 'present', bytes: 0 };
    }

    ctx.log.info(`Pulling image ${reference.name}${matched ? ` from ${matched.registry} as ${matched.credentials.username}` : ''}`);
    const summary = await this.#puller.pull(reference, ctx.signal, matched).catch(async (err: unknown) => {
      throw await this.#withCloseNames(err, reference.name);
    });
    const pulled = await this.#localImage(reference);
    // The engine said the pull succeeded; an image gone already was removed behind our back.
    if (!pulled) throw new InternalError(`Image "${reference.name}" was pulled but the Docker engine cannot find it`);
    await this.#images.touch(pulled.Id, reference.name);
    // The engine reports no progress for layers it already had; the image itself knows them all.
    const layers = Math.max(summary.layers, pulled.RootFS?.Layers?.length ?? 0);
    // Docker's own per-layer progress would bury the task's output; one line says what matters.
    ctx.log.info(
      `Pulled image ${reference.name}: ${layers} layers, ${megabytes(summary.bytes)} MB in ${(summary.durationMs / 1000).toFixed(1)} s`,
    );
    return { id: pulled.Id, name: reference.name, source: 'pulled', bytes: summary.bytes };
  }

  /** An image that could not be pulled, with the local images whose names are close to it (a typo, another tag). */
  async #withCloseNames(err: unknown, name: string): Promise<unknown> {
    if (!(err instanceof ImageError)) return err;
    const tags = await this.#docker.listImages().then(
      (images) => images.flatMap((image) => image.RepoTags ?? []),
      () => [],
    );
    const close = closeImageNames(name, tags);
    if (close.length === 0) return err;
    return new ImageError(`${err.message}. Local images with a close name: ${close.join(', ')}`, { cause: err });
  }

  async createContainer(spec: ContainerSpec): Promise<Container> {
    const entrypoint = spec.commandPrefix?.length ? await this.#prefixedEntrypoint(spec) : {};
    let created: Dockerode.Container;
    try {
      created = this.#docker.getContainer(await createInBody(this.#docker, spec, entrypoint));
    } catch (err) {
      throw engineFailure('create the task container', err);
    }
    let attach: Readable;
    try {
      // Attached before anyone can start it, so not a byte of output is missed.
      attach = (await created.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
    } catch (err) {
      await created.remove({ force: true, v: true }).catch(() => {});
      throw engineFailure(`attach to container ${created.id}`, err);
    }
    const container = new DockerContainer(created, attach, { docker: this.#docker, onDone: () => this.#open.delete(created.id) });
    this.#open.set(created.id, container);
    return container;
  }

  /**
   * The entrypoint and command that run `spec.commandPrefix` before the task's command: a
   * given Entrypoint drops the image's default command, so both are read from the image.
   */
  async #prefixedEntrypoint(spec: ContainerSpec): Promise<{ Entrypoint: string[]; Cmd: string[] }> {
    let config: { Entrypoint?: string[] | null; Cmd?: string[] | null };
    try {
      config = ((await this.#docker.getImage(spec.image).inspect()) as { Config?: typeof config }).Config ?? {};
    } catch (err) {
      throw engineFailure(`inspect image ${spec.image}`, err);
    }
    const command = spec.command && spec.command.length > 0 ? spec.command : (config.Cmd ?? []);
    const entrypoint = config.Entrypoint ?? [];
    // The engine refuses such a container at create; with the prefix it would run the prefix alone.
    if (entrypoint.length === 0 && command.length === 0) throw new TaskFailedError('Failure to properly start execution environment. No command specified: the payload has none and the image no default');
    return { Entrypoint: [...spec.commandPrefix!, ...entrypoint], Cmd: command };
  }

  /**
   * An image from a task's artifact (`task-image`), or from the task an index namespace points
   * at (`indexed-image`): downloaded with the claim's credentials and loaded under a name of
   * its own. Tasks asking for the same artifact at once share one download.
   */
  async #ensureArtifactImage(
    image: { type: 'task-image'; taskId: string; path: string } | { type: 'indexed-image'; namespace: string; path: string },
    ctx: ImageContext,
  ): Promise<ResolvedImage> {
    const source = ctx.artifacts;
    if (!source) throw new InternalError(`payload.image of type ${image.type} needs a queue to download from, and this worker has none`);
    let taskId: string;
    if (image.type === 'indexed-image') {
      try {
        taskId = await source.findTask(image.namespace);
      } catch (err) {
        throw new ImageError(`Could not find a task associated with "${image.namespace}" namespace: ${(err as Error).message}`, { cause: err });
      }
      ctx.log.info(`Index namespace "${image.namespace}" points at task ${taskId}`);
    } else {
      taskId = image.taskId;
    }
    // Read with the claim's credentials, so with no more than the task's own scopes (a private
    // artifact's scope is among requiredScopes, checked before anything started).
    const { path } = image;
    const name = artifactImageName(taskId, path);
    const present = await this.#localImage(parseImageReference(name));
    if (present) {
      const known = await this.#images.get(present.Id);
      await this.#images.touch(present.Id, name, known?.artifactSha256);
      return { id: present.Id, name, source: 'present', bytes: 0, ...(known?.artifactSha256 && { artifactSha256: known.artifactSha256 }) };
    }
    const started = Date.now();
    if (this.#artifactLoads.has(name)) ctx.log.info(`Artifact "${path}" from task ID: ${taskId} is being downloaded for another task; waiting for it.`);
    else ctx.log.info(`Downloading artifact "${path}" from task ID: ${taskId}.`);
    const url = source.artifactUrl(taskId, path);
    const loaded = await this.#artifactLoads.run(
      name,
      ctx.signal,
      (signal) => this.#loadArtifactImage({ taskId, path, name, url, signal }),
      () => new Error(`every task waiting for image artifact "${path}" of task ${taskId} was aborted`),
    );
    ctx.log.info(
      `Image "${path}" from task "${taskId}" (${describeFormat(loaded.format)}) loaded: ${megabytes(loaded.bytes)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s. Using image ID ${loaded.image.id}.`,
    );
    return { ...loaded.image, source: 'loaded', bytes: loaded.bytes };
  }

  /** One download for every task waiting on it, so it reports to none of their logs itself. */
  async #loadArtifactImage(source: { taskId: string; path: string; name: string; url: string; signal: AbortSignal }): Promise<LoadedArtifactImage> {
    const { taskId, path, name } = source;
    const { sha256, bytes, format } = await loadArtifactImage({ docker: this.#docker, ...source });
    const loaded = await this.#localImage(parseImageReference(name));
    if (!loaded) throw new InternalError(`Image artifact "${path}" of task ${taskId} was loaded but the Docker engine cannot find it as ${name}`);
    await this.#images.touch(loaded.Id, name, sha256);
    return { image: { id: loaded.Id, name, artifactSha256: sha256 }, bytes, format };
  }

  /**
   * Remove images this worker pulled that no task used for `imageExpirationMs`, least recently
   * used first, or (under disk pressure) every one not in use. Never an image any container
   * uses (running or stopped, ours or not) nor one a task is pulling.
   */
  async gc(options: { imageExpirationMs: number; diskPressure?: boolean }): Promise<GcReport> {
    const removedImages: string[] = [];
    let removedBytes = 0;
    let containers: Dockerode.ContainerInfo[];
    try {
      containers = await this.#docker.listContainers({ all: true });
    } catch (err) {
      throw engineFailure('list containers for garbage collection', err);
    }
    const used = new Set(containers.map((c) => c.ImageID));
    const cutoff = Date.now() - options.imageExpirationMs;
    const candidates = (await this.#images.tracked())
      .filter((image) => !used.has(image.id) && !this.#puller.pulling(image.name))
      .filter((image) => options.diskPressure || image.lastUsed <= cutoff)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const image of candidates) {
      try {
        // Asked before: once removed there is nothing to ask. Its size is for metrics only.
        const size = await this.#docker
          .getImage(image.id)
          .inspect()
          .then((info) => info.Size ?? 0, () => 0);
        await this.#docker.getImage(image.id).remove({ force: false });
        removedImages.push(image.name);
        removedBytes += size;
        await this.#images.forget(image.id);
      } catch (err) {
        const status = statusCodeOf(err);
        // Gone already: stop tracking it. In use after all (409): leave it for a later sweep.
        if (status === 404) await this.#images.forget(image.id);
        else if (status !== 409) throw engineFailure(`remove image ${image.name}`, err);
      }
    }
    return { removedImages, removedBytes };
  }

  async listContainers(labels: Record<string, string>): Promise<ListedContainer[]> {
    const selectors = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
    if (selectors.length === 0) throw new Error('listContainers needs at least one label');
    try {
      const found = await this.#docker.listContainers({ all: true, filters: JSON.stringify({ label: selectors }) });
      return found.map((info) => ({ id: info.Id, labels: info.Labels ?? {} }));
    } catch (err) {
      throw engineFailure('list containers', err);
    }
  }

  async removeContainers(labels: Record<string, string>): Promise<number> {
    const selectors = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
    // An empty filter would match every container on the engine, other users' included.
    if (selectors.length === 0) throw new Error('removeContainers needs at least one label');
    let found: Dockerode.ContainerInfo[];
    try {
      found = await this.#docker.listContainers({ all: true, filters: JSON.stringify({ label: selectors }) });
    } catch (err) {
      throw engineFailure('list containers', err);
    }
    const removed = await Promise.all(
      found.map(async (info) => {
        try {
          await this.#docker.getContainer(info.Id).remove({ force: true, v: true });
          this.#open.get(info.Id)?.removed();
          return 1;
        } catch (err) {
          // Gone already, or being removed by someone else: not ours to count, not an error.
          const status = statusCodeOf(err);
          if (status === 404 || (status === 409 && /already in progress/i.test(engineMessage(err)))) {
            this.#open.get(info.Id)?.removed();
            return 0;
          }
          throw engineFailure(`remove container ${info.Id}`, err);
        }
      }),
    );
    return removed.reduce((sum: number, count) => sum + count, 0);
  }

  /**
   * A bridge network of its own (the engine picks a free range): the host holds its gateway
   * address, and other bridges' containers are kept apart from it by the engine's isolation rules.
   */
  async createNetwork(labels: Record<string, string>): Promise<CreatedNetwork> {
    let id: string;
    try {
      const network = await this.#docker.createNetwork({ Name: `dw-${randomUUID()}`, Driver: 'bridge', Labels: labels, CheckDuplicate: true });
      id = network.id;
    } catch (err) {
      throw engineFailure('create a network for the task', err);
    }
    try {
      const info = (await this.#docker.getNetwork(id).inspect()) as { IPAM?: { Config?: Array<{ Gateway?: string; Subnet?: string }> } };
      const ipv4 = (info.IPAM?.Config ?? []).find((c) => c.Gateway && c.Subnet && !c.Subnet.includes(':'));
      if (!ipv4?.Gateway || !ipv4.Subnet) throw new InternalError(`network ${id} has no IPv4 gateway`);
      return { id, gateway: ipv4.Gateway, subnet: ipv4.Subnet };
    } catch (err) {
      await this.removeNetwork(id).catch(() => {});
      throw err instanceof InternalError ? err : engineFailure(`inspect network ${id}`, err);
    }
  }

  async removeNetwork(id: string): Promise<void> {
    try {
      await this.#docker.getNetwork(id).remove();
    } catch (err) {
      if (statusCodeOf(err) === 404) return;
      throw engineFailure(`remove network ${id}`, err);
    }
  }

  async listNetworks(labels: Record<string, string>): Promise<ListedNetwork[]> {
    const selectors = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
    if (selectors.length === 0) throw new Error('listNetworks needs at least one label');
    try {
      const found = await this.#docker.listNetworks({ filters: JSON.stringify({ label: selectors }) });
      return found.map((info) => ({ id: info.Id, labels: info.Labels ?? {} }));
    } catch (err) {
      throw engineFailure('list networks', err);
    }
  }

  /** The engine's record of `reference`, or undefined when it does not have the image. */
  async #localImage(reference: ImageReference): Promise<Dockerode.ImageInspectInfo | undefined> {
    try {
      return await this.#docker.getImage(reference.ref).inspect();
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw engineFailure(`look up image "${reference.name}"`, err);
    }
  }
}

/** The plain image name of the image kinds this runtime handles so far. */
function dockerImageName(image: ImageSpec): string {
  if (typeof image === 'string') return image;
  if (image.type === 'docker-image') return image.name;
  throw new MalformedPayloadError([`payload.image: unknown image type "${(image as { type: string }).type}"`]);
}

/**
 * `POST /containers/create` with the options in the JSON body only. dockerode's
 * createContainer hands them to docker-modem as query parameters too, so a large `Env` or
 * `Cmd` made the URL too long for the engine (`431 Request Header Fields Too Large`) and a
 * lone surrogate made it throw `URI malformed`. Resolves with the new container's id.
 */
function createInBody(docker: Dockerode, spec: ContainerSpec, entrypoint: { Entrypoint?: string[]; Cmd?: string[] } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        // The `?` tells docker-modem to append `_query`; without a name there is no query at all.
        path: spec.name === undefined ? '/containers/create' : '/containers/create?',
        method: 'POST',
        options: { ...(spec.name !== undefined && { _query: { name: spec.name } }), _body: { ...createOptions(spec), ...entrypoint } },
        statusCodes: { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 409: 'conflict', 500: 'server error' },
      },
      (err, data) => (err ? reject(err) : resolve((data as { Id: string }).Id)),
    );
  });
}

function createOptions(spec: ContainerSpec): Dockerode.ContainerCreateOptions {
  return {
    Image: spec.image,
    // Omitted, not empty: an empty Cmd would override the image's default command.
    ...(spec.command && spec.command.length > 0 && { Cmd: spec.command }),
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    Labels: spec.labels,
    // No TTY: stdout and stderr stay byte-exact (no CR LF translation) and come framed apart.
    Tty: false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: false,
    HostConfig: {
      Binds: (spec.binds ?? []).map((bind) => `${bind.hostPath}:${bind.containerPath}${bind.readOnly ? ':ro' : ''}`),
      Devices: (spec.devices ?? []).map((device) => ({
        PathOnHost: device.hostPath,
        PathInContainer: device.containerPath,
        CgroupPermissions: device.permissions ?? 'rwm',
      })),
      Privileged: spec.privileged ?? false,
      ...(spec.disableSeccomp === true && { SecurityOpt: ['seccomp=unconfined'] }),
      CapAdd: spec.capAdd ?? [],
      ExtraHosts: spec.extraHosts ?? [],
      ...(spec.network !== undefined && { NetworkMode: spec.network }),
      ...(spec.shmSize !== undefined && { ShmSize: spec.shmSize }),
      ...(spec.cpusetCpus !== undefined && { CpusetCpus: spec.cpusetCpus }),
      // The worker removes its containers itself, after reading their exit code and files.
      AutoRemove: false,
      // The worker reads the output through attach and keeps it in the task log; the engine's
      // default json-file driver would write a second, JSON-wrapped copy of every byte to this
      // machine's disk (as generic-worker's d2g avoids with --log-driver=none). Measured on the
      // 200 MB log benchmark: docs/benchmarks.md.
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}
