import type { ArtifactPublisher } from './artifacts.js';
import type { TaskLog } from './log.js';
import type { RunOutcome } from './outcome.js';
import type { Container, ContainerAdditions, ResolvedImage, TaskFiles } from './runtime.js';
import type { MetricDefinition, Metrics } from './metrics.js';
import type { ScopeExpression } from './scopes.js';
import type { Credentials, TaskDefinition, WorkerIdentity } from './task.js';

/**
 * What a feature knows about the run it serves. No payload: what a feature needs of the task's
 * request comes as its options (see `Feature.optionsSchema`), mapped by the host from its own
 * payload format, so the same feature serves workers whose payloads differ.
 */
export interface TaskContext {
  taskId: string;
  runId: number;
  /** The task definition as the queue returned it (its payload is the host's business). */
  task: TaskDefinition;
  worker: WorkerIdentity;
  log: TaskLog;
  artifacts: ArtifactPublisher;
  /**
   * The feature's worker config section (`features.<name>`), validated against its
   * `configSchema`, defaults filled, without `enabled`; `{}` when absent.
   */
  config: Record<string, unknown>;
  /** Aborted when the run is canceled or the worker shuts down. */
  signal: AbortSignal;
  /**
   * A directory private to this run, removed when the run ends: where features spool files.
   * Absent in contexts that have none (a feature then uses the system's temporary directory).
   */
  workDir?: string;
  /** The image the container runs, set once it is resolved (before the `created` hooks). */
  image?: ResolvedImage;
  /**
   * The run's own container network, made on the first call (later calls share it): the
   * container is attached to it instead of the engine's default network, and it is removed when
   * the run ends, whatever happened. Call it from `link` at the latest. Absent on hosts without
   * one (a host process, a runtime without networks).
   */
  network?(): Promise<RunNetwork>;
  /**
   * The run's current temporary credentials (the claim's, with the task's scopes): each reclaim
   * replaces them. Absent where the host holds none.
   */
  credentials?(): Credentials;
  /**
   * Calls `listener` with the new credentials after every reclaim, until the run ends; returns
   * the function that stops it. Present when `credentials` is.
   */
  onCredentials?(listener: (credentials: Credentials) => void): () => void;
  /**
   * Where the feature records its measurements, by the names it declares in
   * `Feature.metrics`; absent on hosts that keep none.
   */
  metrics?: Metrics;
}

/** A run's private network, as `TaskContext.network` hands it out. */
export interface RunNetwork {
  /** The host's address on the network (IPv4): what a container reaches the host at. */
  gateway: string;
  /** The network's IPv4 range, CIDR (`172.18.0.0/16`): where the run's container connects from. */
  subnet: string;
}

/** How the task's process ended, as the `stopped` hooks see it. */
export interface RunResult {
  exitCode: number;
  /** True when maxRunTime killed it. */
  timedOut: boolean;
  durationMs: number;
  /** The finished task's files (a stopped container's filesystem, a task directory). */
  files: TaskFiles;
}

/**
 * When a feature's hooks run relative to the others'.
 * - `run` (the default): in the order the host lists the features (`killed` in reverse).
 * - `seal`: after every `run` feature, in each hook; its `killed` hook runs after every other
 *   feature's, so it sees every upload of the run. A run hashes its uploads (sha256, in
 *   `ctx.artifacts.uploads()`) only when a seal feature is on: it is what they are for (the
 *   chain of trust lists and signs them), and CPU spent for nothing otherwise.
 */
export type FeaturePhase = 'run' | 'seal';

/**
 * A plugin a worker turns on per task (modelled on generic-worker's feature list). Features
 * import only this package, so other workers can use them: the host decides when a feature is
 * on and hands it its options; the feature never reads the host's payload.
 */
export interface Feature<Options = Record<string, never>> {
  /** Its name, e.g. `localLiveLog`: the key of its worker config section (`features.<name>`). */
  readonly name: string;
  /**
   * JSON Schema (draft-07) of the per-task options `forTask` receives. The host maps its
   * payload onto them; the worker checks what it mapped against this schema before the run
   * starts. Without a schema the feature takes no options (`{}`).
   */
  readonly optionsSchema?: FeatureOptionsSchema;
  /** See FeaturePhase; `run` when absent. */
  readonly phase?: FeaturePhase;
  /**
   * Scopes the task must have when the feature is on, each a scope or a scope expression
   * (`scopeInPool(scope, task)` for one that may also be held for the task's worker pool only).
   * The worker checks them before anything starts, against the task's scopes expanded
   * through the auth service; one missing makes the run `exception/malformed-payload`.
   */
  requiredScopes?(task: TaskDefinition, options: Options): ScopeExpression[];
  /** Artifact names a task may not declare itself. */
  readonly reservedArtifacts?: string[];
  /**
   * JSON Schema of the feature's worker config section (`features.<name>`): an object schema
   * whose `properties` are its settings. The worker validates the section against it at
   * start-up (an unknown key or a bad value stops it, exit status 3, naming the key), fills
   * its defaults, and removes `enabled` (the worker's own switch, `false` turns the feature
   * off) before the feature sees it. Without a schema the feature takes no settings.
   */
  readonly configSchema?: FeatureConfigSchema;
  /**
   * Why this host cannot offer the feature, or undefined when it can: every host check of the
   * feature lives here (files it needs, ports it listens on). `config` is the validated config
   * section (see `configSchema`). The worker calls it once at start-up, before the first claim,
   * for every feature its config does not switch off, and refuses to start when it returns a
   * reason; so a feature may also take here what it holds for all its tasks (a listening port).
   * A feature whose config section does not turn it on should return undefined. `log` is the
   * worker's own log, for what the operator should know without it stopping the start (a
   * device kind found absent and left off); absent when the host has none.
   */
  checkHost?(worker: WorkerIdentity, config: Record<string, unknown>, log?: HostLog): Promise<string | undefined>;
  /**
   * How many tasks this host can run at once because of this feature, or undefined for no
   * limit: the worker claims at most the least of these and its configured capacity, minus the
   * tasks running. Asked before every claim, after checkHost (so it may look at the host again:
   * a device that came or went); so a feature whose tasks each hold one of a few host resources
   * (a loopback device) never has a task claimed that would find none free.
   */
  capacity?(): Promise<CapacityLimit | undefined>;
  /**
   * The metrics the feature records (through `TaskContext.metrics`), defined once here; the
   * host registers them when it starts, so each is exported with its help and labels.
   */
  readonly metrics?: readonly MetricDefinition[];
  /** Fresh per-run state, with the options the host mapped for this task. */
  forTask(ctx: TaskContext, options: Options): TaskFeature;
}

/** The worker's own log (not a task's), as features see it at start-up. */
export interface HostLog {
  info(type: string, fields?: Record<string, unknown>): void;
  warn(type: string, fields?: Record<string, unknown>): void;
}

/** A feature's limit on the tasks run at once (see `Feature.capacity`). */
export interface CapacityLimit {
  limit: number;
  /** What sets it, for the worker log: `1 loopbackVideo device`. */
  reason: string;
}

/** A JSON Schema (draft-07) for a feature's per-task options, as ajv reads it. */
export interface FeatureOptionsSchema {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
  [keyword: string]: unknown;
}

/** A JSON Schema (draft-07) for an object of settings, as ajv reads it. */
export interface FeatureConfigSchema {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
  [keyword: string]: unknown;
}

/**
 * Per-run hooks, all optional, called in pipeline order (link, created, started, stopped,
 * killed), feature by feature in phase order (see FeaturePhase).
 */
export interface TaskFeature {
  /**
   * Before the container is created: what to add to it. A host applies what it can (a host
   * process has only `env`) and fails the run, rather than ignore, an addition it cannot honour.
   */
  link?(): Promise<ContainerAdditions | void>;
  /** The container exists, attached, not yet started. A host without containers need not call it. */
  created?(container: Container): Promise<void>;
  /** The container is running. */
  started?(): Promise<void>;
  /**
   * The task's process exited (also after maxRunTime): collect what it left, through
   * `result.files`. Skipped when canceled or shut down.
   */
  stopped?(result: RunResult): Promise<void>;
  /**
   * Always called, last, in reverse feature order, after the footer is written and the task
   * log is closed: upload logs, release resources. `outcome.state === 'canceled'` means
   * nothing may be uploaded.
   */
  killed?(outcome: RunOutcome): Promise<void>;
}
