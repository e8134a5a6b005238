import type { ArtifactPublisher } from './artifacts.js';
import type { TaskLog } from './log.js';
import type { RunOutcome } from './outcome.js';
import type { Container, ContainerAdditions, ResolvedImage } from './runtime.js';
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
  /** The worker config section named after the feature (`features.<name>`), or `{}`. */
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
 * A plugin for one `payload.features.<name>` key (generic-worker's feature list, DESIGN.md).
 * Features import only this package, so other workers can use them.
 */
export interface Feature {
  /** The `payload.features` key, e.g. `localLiveLog`. */
  readonly name: string;
  /** Enabled when the payload does not mention it. */
  readonly defaultEnabled: boolean;
  /** Scopes the task must have when the feature is on. */
  requiredScopes?(task: TaskDefinition): string[];
  /** Artifact names a payload may not declare itself. */
  readonly reservedArtifacts?: string[];
  /**
   * The feature reads the run's upload hashes (`ctx.artifacts.uploads()`). A run hashes its
   * uploads only when an enabled feature says so: otherwise it is CPU spent for nothing.
   */
  readonly readsUploadHashes?: boolean;
  /**
   * Why this host cannot offer the feature, or undefined when it can. `config` is the worker
   * config section named after the feature (`features.<name>`, `{}` when absent). The worker
   * calls it at start-up and refuses to start when it returns a reason, so a feature whose
   * config section does not turn it on should return undefined.
   */
  checkHost?(worker: WorkerIdentity, config?: Record<string, unknown>): Promise<string | undefined>;
  /** Fresh per-run state. */
  forTask(ctx: TaskContext): TaskFeature;
}

/** Per-run hooks, all optional, called in the pipeline order of DESIGN.md. */
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
