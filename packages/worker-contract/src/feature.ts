import type { ArtifactPublisher } from './artifacts.js';
import type { TaskLog } from './log.js';
import type { RunOutcome } from './outcome.js';
import type { Container, ContainerAdditions, ResolvedImage } from './runtime.js';
import type { ScopeExpression } from './scopes.js';
import type { DockerWorkerPayload, TaskDefinition, WorkerIdentity } from './task.js';

/** What a feature knows about the run it serves. */
export interface TaskContext {
  taskId: string;
  runId: number;
  task: TaskDefinition;
  /** The validated payload. */
  payload: DockerWorkerPayload;
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
}

/** How the container ended, as the `stopped` hooks see it. */
export interface RunResult {
  exitCode: number;
  /** True when maxRunTime killed the container. */
  timedOut: boolean;
  durationMs: number;
}

/**
 * A plugin for one `payload.features.<name>` key (modelled on generic-worker's feature list).
 * Features import only this package, so other workers can use them.
 */
export interface Feature {
  /** The `payload.features` key, e.g. `localLiveLog`. */
  readonly name: string;
  /** Enabled when the payload does not mention it. */
  readonly defaultEnabled: boolean;
  /**
   * Scopes the task must have when the feature is on, each a scope or a scope expression
   * (`scopeInPool(scope, task)` for one that may also be held for the task's worker pool only).
   * The worker checks them before anything starts, against the task's scopes expanded
   * through the auth service; one missing makes the run `exception/malformed-payload`.
   */
  requiredScopes?(task: TaskDefinition): ScopeExpression[];
  /** Artifact names a payload may not declare itself. */
  readonly reservedArtifacts?: string[];
  /**
   * The feature reads the run's upload hashes (`ctx.artifacts.uploads()`). A run hashes its
   * uploads only when an enabled feature says so: otherwise it is CPU spent for nothing.
   */
  readonly readsUploadHashes?: boolean;
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
   * A feature whose config section does not turn it on should return undefined.
   */
  checkHost?(worker: WorkerIdentity, config: Record<string, unknown>): Promise<string | undefined>;
  /** Fresh per-run state. */
  forTask(ctx: TaskContext): TaskFeature;
}

/** A JSON Schema (draft-07) for an object of settings, as ajv reads it. */
export interface FeatureConfigSchema {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
  [keyword: string]: unknown;
}

/** Per-run hooks, all optional, called in pipeline order (link, created, started, stopped, killed). */
export interface TaskFeature {
  /** Before the container is created: what to add to it. */
  link?(): Promise<ContainerAdditions | void>;
  /** The container exists, attached, not yet started. */
  created?(container: Container): Promise<void>;
  /** The container is running. */
  started?(): Promise<void>;
  /** The container exited (also after maxRunTime): collect what it left. Skipped when canceled. */
  stopped?(result: RunResult): Promise<void>;
  /**
   * Always called, last, in reverse feature order, after the footer is written and the task
   * log is closed: upload logs, release resources. `outcome.state === 'canceled'` means
   * nothing may be uploaded.
   */
  killed?(outcome: RunOutcome): Promise<void>;
}
