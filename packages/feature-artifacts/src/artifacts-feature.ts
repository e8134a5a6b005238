import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InternalError,
  MalformedPayloadError,
  Semaphore,
  removeTree,
  type Bind,
  type ContainerAdditions,
  type Feature,
  type FeatureOptionsSchema,
  type RunOutcome,
  type RunResult,
  type TaskContext,
  type TaskFeature,
} from '@docker-worker/worker-contract';
import { collectArtifact, messageOf, type CollectReport, type DeclaredArtifact } from './collect-artifact.js';
import { containerPath } from './tar-entries.js';
import { collectVolume, createVolume } from './volume-artifact.js';

/** Used when the publisher does not say how many uploads it runs at once. */
const FALLBACK_CONCURRENCY = 4;

/** What a task asks of the artifacts feature; the host maps its payload onto it. */
export interface ArtifactsOptions {
  /** The artifacts to publish, by name (docker-worker's `payload.artifacts`). */
  artifacts: Record<string, DeclaredArtifact>;
  /**
   * Paths in the task's filesystem something else is mounted at, with what (say,
   * `payload.cache["x"]`): a `volume` artifact there is refused before anything starts.
   */
  mounts?: Record<string, string>;
}

export const artifactsOptionsSchema: FeatureOptionsSchema = {
  type: 'object',
  properties: {
    artifacts: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: {
          type: { enum: ['file', 'directory', 'volume'] },
          path: { type: 'string' },
          expires: { type: 'string' },
        },
        required: ['type', 'path'],
      },
    },
    mounts: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['artifacts'],
  additionalProperties: false,
};

/**
 * The artifacts a task declares: after the container exits (also after maxRunTime killed it; never for a
 * canceled run or a worker shutdown, whose `stopped` hooks do not run), every declared file or
 * directory is read out of the stopped container and uploaded, all declared artifacts at once.
 * Missing or wrong-kind paths become error artifacts and leave the outcome alone; an upload that
 * still fails after the publisher's retries makes the run `exception/internal-error`, since the
 * task did nothing wrong (the original docker-worker failed the task here, blaming it for an
 * infrastructure fault).
 *
 * A `volume` artifact is a host directory mounted at its path (made in `link`), read straight
 * from the host. Being on the host already, it is also published on a worker shutdown, in
 * `killed` (the only hook such a run gets): on a spot termination it is what can be saved fastest.
 */
/**
 * What the engine would refuse to mount, said before anything starts, naming the field: a
 * volume at `/`, two volumes at one path, a volume where a cache is mounted.
 */
function mountProblems(volumes: Array<[string, DeclaredArtifact]>, mounts: Record<string, string>): string[] {
  const problems: string[] = [];
  const taken = new Map<string, string>(Object.entries(mounts).map(([path, what]) => [containerPath(path), what]));
  for (const [name, artifact] of volumes) {
    const path = containerPath(artifact.path);
    const field = `payload.artifacts["${name}"].path`;
    if (path === '/') problems.push(`${field}: a volume cannot be mounted at "/"`);
    else if (taken.has(path)) problems.push(`${field}: "${path}" is already where ${taken.get(path)} is mounted`);
    else taken.set(path, field);
  }
  return problems;
}

class ArtifactsTask implements TaskFeature {
  #ctx: TaskContext;
  #options: ArtifactsOptions;
  /** The task started: its volumes may hold what it wrote. */
  #started = false;
  /** Each `volume` artifact's host directory, by artifact name. */
  #volumes = new Map<string, string>();
  /** Where the volume directories live when the context has no work directory. */
  #ownDir: string | undefined;
  /** Artifact names of the volumes created so far: a shutdown publishes only the others. */
  #volumesDone = new Set<string>();

  constructor(ctx: TaskContext, options: ArtifactsOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  async link(): Promise<ContainerAdditions | void> {
    const volumes = this.#declared().filter(([, artifact]) => artifact.type === 'volume');
    if (volumes.length === 0) return;
    const problems = mountProblems(volumes, this.#options.mounts ?? {});
    if (problems.length > 0) throw new MalformedPayloadError(problems);
    const parent = this.#ctx.workDir ?? (this.#ownDir = await mkdtemp(join(tmpdir(), 'dw-volumes-')));
    const binds: Bind[] = [];
    for (const [name, artifact] of volumes) {
      const hostPath = await createVolume(parent);
      this.#volumes.set(name, hostPath);
      binds.push({ hostPath, containerPath: containerPath(artifact.path) });
    }
    return { binds };
  }

  async started(): Promise<void> {
    this.#started = true;
  }

  async stopped(result: RunResult): Promise<void> {
    const declared = this.#declared();
    if (declared.length === 0) return;
    const { files } = result;
    const { artifacts, signal } = this.#ctx;

    const spoolDir = join(this.#ctx.workDir ?? tmpdir(), `artifacts-${randomBytes(6).toString('hex')}`);
    await mkdir(spoolDir, { recursive: true });
    const window = this.#window();
    let spooled = 0;
    const nextSpoolName = () => `entry-${++spooled}`;

    let results: Array<PromiseSettledResult<CollectReport>>;
    try {
      results = await Promise.allSettled(
        declared.map(([name, artifact]) => {
          const expires = this.#expires(artifact);
          if (artifact.type === 'volume') return collectVolume(name, artifact, this.#volumes.get(name)!, { artifacts, log: this.#ctx.log, window, signal, expires, done: this.#volumesDone });
          return collectArtifact(name, artifact, { files, artifacts, log: this.#ctx.log, spoolDir, window, signal, expires, nextSpoolName });
        }),
      );
    } finally {
      await rm(spoolDir, { recursive: true, force: true });
    }
    signal.throwIfAborted();
    this.#report(declared, results);
  }

  async killed(outcome: RunOutcome): Promise<void> {
    try {
      // A shut-down run whose task started: its volumes hold what it wrote.
      if (outcome.state !== 'exception' || outcome.reason !== 'worker-shutdown' || !this.#started || this.#volumes.size === 0) return;
      const volumes = this.#declared().filter(([, artifact]) => artifact.type === 'volume');
      const window = this.#window();
      // No signal: the run's is aborted by the shutdown itself, and these uploads are its point.
      const results = await Promise.allSettled(
        volumes.map(([name, artifact]) =>
          collectVolume(name, artifact, this.#volumes.get(name)!, { artifacts: this.#ctx.artifacts, log: this.#ctx.log, window, expires: this.#expires(artifact), done: this.#volumesDone }),
        ),
      );
      this.#report(volumes, results);
    } finally {
      // Volumes in the run's directory go with it, which the run removes after its resolution:
      // removing a volume of 100,000 files here held the resolution up by seconds. Only a
      // directory of the feature's own (no run directory) is removed here.
      if (this.#ownDir) await removeTree(this.#ownDir);
    }
  }

  #declared(): Array<[string, DeclaredArtifact]> {
    return Object.entries(this.#options.artifacts);
  }

  #expires(artifact: DeclaredArtifact): string {
    return artifact.expires ?? this.#ctx.task.expires;
  }

  /** Twice the upload slots: while N files upload, the next N are ready and waiting. */
  #window(): Semaphore {
    return new Semaphore(2 * (this.#ctx.artifacts.maxConcurrentUploads ?? FALLBACK_CONCURRENCY));
  }

  /** Logs what was uploaded; throws when an upload failed. */
  #report(declared: Array<[string, DeclaredArtifact]>, results: Array<PromiseSettledResult<CollectReport>>): void {
    const { log } = this.#ctx;
    const problems: string[] = [];
    results.forEach((result, index) => {
      const name = declared[index]![0];
      if (result.status === 'rejected') {
        problems.push(`Error uploading "${name}" artifact. ${messageOf(result.reason)}`);
        return;
      }
      for (const failure of result.value.failures) problems.push(`Error uploading "${failure.name}" artifact. ${messageOf(failure.error)}`);
      if (result.value.outcome === 'uploaded' && result.value.failures.length === 0) {
        const { files, bytes } = result.value;
        log.info(`Uploaded artifact "${name}" (${files} file${files === 1 ? '' : 's'}, ${bytes} bytes)`);
      }
    });
    if (problems.length > 0) {
      for (const problem of problems) log.error(problem);
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more, listed in the log)` : '';
      throw new InternalError(`Encountered error when uploading artifact(s): ${problems[0]}${more}`);
    }
  }
}

export const artifactsFeature: Feature<ArtifactsOptions> = {
  name: 'artifacts',
  optionsSchema: artifactsOptionsSchema,
  forTask: (ctx, options) => new ArtifactsTask(ctx, options),
};
