/**
 * The docker-worker v1 task payload (`docker-worker/v1/payload.json`), as the schema accepts it.
 * Unknown top-level keys are allowed (the worker warns about each).
 */
export type ImageReference =
  | string
  | { type: 'docker-image'; name: string }
  | { type: 'indexed-image'; namespace: string; path: string }
  | { type: 'task-image'; taskId: string; path: string };

export interface ArtifactDeclaration {
  type: 'file' | 'directory' | 'volume';
  path: string;
  /** ISO date-time; defaults to the task's `expires`. */
  expires?: string;
}

export interface DockerWorkerPayload {
  image: ImageReference;
  /** Seconds before the container is killed, at least 1. */
  maxRunTime: number;
  command?: string[];
  /** Values other than strings are passed as their text. */
  env?: Record<string, string | number | boolean>;
  /** Cache name -> mount path in the container. */
  cache?: Record<string, string>;
  capabilities?: {
    privileged?: boolean;
    /** Run without the engine's seccomp profile (`seccomp=unconfined`). */
    disableSeccomp?: boolean;
    devices?: {
      loopbackVideo?: boolean;
      loopbackAudio?: boolean;
      hostSharedMemory?: boolean;
      kvm?: boolean;
    };
  };
  artifacts?: Record<string, ArtifactDeclaration>;
  features?: {
    localLiveLog?: boolean;
    bulkLog?: boolean;
    taskclusterProxy?: boolean;
    artifacts?: boolean;
    interactive?: boolean;
    allowPtrace?: boolean;
    chainOfTrust?: boolean;
  };
  /** Custom name for the live log artifact; the backing log name is derived from it. */
  log?: string;
  onExitStatus?: {
    retry?: number[];
    purgeCaches?: number[];
  };
  supersederUrl?: string;
  [extra: string]: unknown;
}
