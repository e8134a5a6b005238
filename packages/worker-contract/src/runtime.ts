import type { Readable, Writable } from 'node:stream';
import type { TaskLog } from './log.js';
import type { ScopeRequirement } from './scopes.js';
import type { Credentials, TaskDefinition } from './task.js';

/** `payload.image` in every form the docker-worker v1 schema allows. */
export type ImageSpec =
  | string
  | { type: 'docker-image'; name: string }
  | { type: 'indexed-image'; namespace: string; path: string }
  | { type: 'task-image'; taskId: string; path: string };

/** What a runtime may need to obtain an image on behalf of one task. */
export interface ImageContext {
  log: TaskLog;
  signal: AbortSignal;
  task: TaskDefinition;
  /** The claim's temporary credentials, for artifact images. */
  credentials?: Credentials;
  /**
   * The queue and index, seen with the claim's credentials: how `task-image` and
   * `indexed-image` images are found. Absent where there is no queue to ask.
   */
  artifacts?: ArtifactSource;
}

/** Where artifact images come from. */
export interface ArtifactSource {
  /** A URL that downloads the latest run's artifact `path` of `taskId` (signed, follows redirects). */
  artifactUrl(taskId: string, path: string): string;
  /** The taskId an index namespace points at; rejects when there is none. */
  findTask(namespace: string): Promise<string>;
}

export interface ResolvedImage {
  /** Local image id (`sha256:...`), what the container is created from. */
  id: string;
  /** The name the task asked for (or the derived local name of an artifact image). */
  name: string;
  /** sha256 (hex) of the artifact a task-image or indexed-image was loaded from, when it was. */
  artifactSha256?: string;
  /**
   * How the runtime got it, for the host's metrics: `present` (already there, a cache hit),
   * `pulled` from a registry, `loaded` from an artifact. Absent when the runtime does not say.
   */
  source?: 'present' | 'pulled' | 'loaded';
  /** Bytes pulled or downloaded to get it (0 or absent when present). */
  bytes?: number;
}

export interface Bind {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

export interface DeviceMapping {
  hostPath: string;
  containerPath: string;
  /** cgroup permissions, `rwm` when omitted. */
  permissions?: string;
}

/** What features add to the container in their `link` hook. Merged in feature order. */
export interface ContainerAdditions {
  env?: Record<string, string>;
  binds?: Bind[];
  devices?: DeviceMapping[];
  capAdd?: string[];
  extraHosts?: string[];
  privileged?: boolean;
  /**
   * The CPUs the container may run on, as Linux cpusets write them (`3`, `0-1`): a feature
   * pinning each task to its own core. One feature sets it; when several do, the last wins.
   */
  cpusetCpus?: string;
  /**
   * A program the container's command is run through: these arguments go before the command
   * (the image's entrypoint and default command included when the payload gives none). For a
   * feature's init, such as one keeping the container alive after its command exits. One
   * feature sets it; when several do, the last wins.
   */
  commandPrefix?: string[];
}

export interface ContainerSpec {
  /** Resolved image id. */
  image: string;
  /** Docker `Cmd`; the image's default when omitted or empty. */
  command?: string[];
  env: Record<string, string>;
  /** Every container the worker creates carries the worker's and task's ids as labels. */
  labels: Record<string, string>;
  binds?: Bind[];
  devices?: DeviceMapping[];
  privileged?: boolean;
  /** Run without the engine's seccomp system-call filter (Docker: `seccomp=unconfined`). */
  disableSeccomp?: boolean;
  capAdd?: string[];
  extraHosts?: string[];
  shmSize?: number;
  /** See ContainerAdditions.cpusetCpus; every CPU when absent. */
  cpusetCpus?: string;
  /** See ContainerAdditions.commandPrefix. */
  commandPrefix?: string[];
  name?: string;
  /** A network made by `Runtime.createNetwork` to attach the container to, instead of the default one. */
  network?: string;
}

/** A network as `Runtime.listNetworks` finds it. */
export interface ListedNetwork {
  id: string;
  labels: Record<string, string>;
}

/** A network `Runtime.createNetwork` made: its id, and the host's address and range on it. */
export interface CreatedNetwork {
  id: string;
  /** The host's IPv4 address on the network. */
  gateway: string;
  /** The network's IPv4 range, CIDR. */
  subnet: string;
}

/**
 * The files a finished task left, read as tar streams: what artifact features collect. Any
 * host provides it (a stopped container, a task's directory on disk), with these rules, which
 * do not depend on the engine:
 * - a missing path rejects with an error whose `code` is `ENOENT` (PathNotFoundError);
 * - a regular file is one entry, named the file's base name;
 * - a directory is an entry `<base name>/`, then every entry below it, named
 *   `<base name>/<path below it>`; a symlink is a symlink entry, never followed.
 * Entry names carry no leading `/` or `./`. Paths are absolute in the task's filesystem: `/` is
 * its root (a container's root, or the directory a host process ran in).
 */
export interface TaskFiles {
  archive(path: string): Promise<Readable>;
}

/** A created container, attached before it starts so no output is lost. */
export interface Container extends TaskFiles {
  readonly id: string;
  /** stdout and stderr, merged in the order the engine delivered them; ends when the container exits. */
  readonly output: Readable;
  start(): Promise<void>;
  /** Resolves with the exit code once the container has stopped. */
  wait(): Promise<number>;
  /** Kill the container now (SIGKILL). No error when it has already stopped. */
  kill(): Promise<void>;
  /** A tar stream of `path` in the (stopped) container, as TaskFiles says. */
  archive(path: string): Promise<Readable>;
  /** Remove the container and its anonymous volumes. No error when it is already gone. */
  remove(): Promise<void>;
  /**
   * Run another process in the running container (`docker exec`): what interactive sessions
   * use. Optional: a runtime without it cannot offer them. Rejects when the container is not
   * running.
   */
  exec?(options: ExecOptions): Promise<ContainerExec>;
}

/** A process to run in a running container. */
export interface ExecOptions {
  /** The argument vector, run as the container's user in its working directory. */
  command: string[];
  /** A pseudo-terminal: output comes as `stdout` only, and `resize` means something. */
  tty: boolean;
}

/** A chunk of what an exec'd process printed. */
export interface ExecOutputChunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/** A process started by `Container.exec`, its streams exact bytes both ways. */
export interface ContainerExec {
  /** The process's stdin; `end()` closes it (the process reads end of file). */
  readonly stdin: Writable;
  /**
   * Object mode, `ExecOutputChunk`s in the order printed; ends when the process's output ends.
   * Backpressure holds: a reader that stops reading holds the process back.
   */
  readonly output: Readable;
  /** The terminal's size (tty only; nothing otherwise). */
  resize(size: { rows: number; columns: number }): Promise<void>;
  /** The exit code, once the process has exited (after `output` ended). */
  exitCode(): Promise<number>;
  /** Drop the connection to the process: its stdin closes, its output is no longer read. */
  destroy(): void;
}

/** A container as `Runtime.listContainers` finds it. */
export interface ListedContainer {
  id: string;
  labels: Record<string, string>;
}

/** Everything about containers and images, so worker-core never knows which engine runs them. */
export interface Runtime {
  /** Throws with a message saying what to do when the engine cannot be reached. */
  ping(): Promise<void>;
  /**
   * The scopes using this image needs (say, to pull with the worker's registry credentials).
   * The worker checks them with every other scope before anything starts, so `ensureImage`
   * never has to refuse a task for a missing scope. An image the runtime cannot read at all
   * (a name it would refuse) may throw MalformedPayloadError instead.
   */
  requiredScopes?(image: ImageSpec, task: TaskDefinition): ScopeRequirement[];
  /** Make the image available locally (present, pulled or loaded) and return its id. */
  ensureImage(image: ImageSpec, ctx: ImageContext): Promise<ResolvedImage>;
  createContainer(spec: ContainerSpec): Promise<Container>;
  /**
   * Every container (running or not) whose labels include all of `labels`, with all its labels:
   * how a starting worker tells the containers of a dead process from a live one's.
   */
  listContainers(labels: Record<string, string>): Promise<ListedContainer[]>;
  /** Remove every container whose labels include all of `labels`; returns how many. */
  removeContainers(labels: Record<string, string>): Promise<number>;
  /**
   * A new private network with these labels, reachable from the host at its gateway address
   * (what a run's containers use to reach services the worker runs for them). Optional: a
   * runtime without networks cannot offer features that need one.
   */
  createNetwork?(labels: Record<string, string>): Promise<CreatedNetwork>;
  /** Remove a network `createNetwork` made. No error when it is already gone. */
  removeNetwork?(id: string): Promise<void>;
  /** Every network whose labels include all of `labels`: what a dead worker process left. */
  listNetworks?(labels: Record<string, string>): Promise<ListedNetwork[]>;
  /**
   * Remove images this runtime fetched that no task used for `imageExpirationMs` (all unused
   * ones under disk pressure), never one in use or being fetched. Optional: a runtime without
   * an image store of its own has nothing to collect.
   */
  gc?(options: { imageExpirationMs: number; diskPressure?: boolean }): Promise<{ removedImages: string[]; removedBytes?: number }>;
}
