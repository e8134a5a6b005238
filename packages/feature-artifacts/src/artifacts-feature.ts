import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalError, Semaphore, type Container, type Feature, type RunResult, type TaskContext, type TaskFeature } from '@docker-worker/worker-contract';
import { collectArtifact, messageOf, type CollectReport, type DeclaredArtifact } from './collect-artifact.js';

/** Used when the publisher does not say how many uploads it runs at once. */
const FALLBACK_CONCURRENCY = 4;

/**
 * `payload.artifacts`: after the container exits (also after maxRunTime killed it; never for a
 * canceled run or a worker shutdown, whose `stopped` hooks do not run), every declared file or
 * directory is read out of the stopped container and uploaded, all declared artifacts at once.
 * Missing or wrong-kind paths become error artifacts and leave the outcome alone; an upload that
 * still fails after the publisher's retries makes the run `exception/internal-error`, since the
 * task did nothing wrong (the original failed the task here, §8.1 #7).
 */
class ArtifactsTask implements TaskFeature {
  #ctx: TaskContext;
  #container: Container | undefined;

  constructor(ctx: TaskContext) {
    this.#ctx = ctx;
  }

  async created(container: Container): Promise<void> {
    this.#container = container;
  }

  async stopped(_result: RunResult): Promise<void> {
    const declared: Array<[string, DeclaredArtifact]> = Object.entries(this.#ctx.payload.artifacts ?? {});
    if (declared.length === 0) return;
    const container = this.#container;
    if (!container) throw new InternalError('artifacts: the container was never handed to the feature');
    const { artifacts, log, signal, task } = this.#ctx;

    const spoolDir = join(this.#ctx.workDir ?? tmpdir(), `artifacts-${randomBytes(6).toString('hex')}`);
    await mkdir(spoolDir, { recursive: true });
    // Twice the upload slots: while N files upload, the next N are already read and waiting.
    const window = new Semaphore(2 * (artifacts.maxConcurrentUploads ?? FALLBACK_CONCURRENCY));
    let spooled = 0;
    const nextSpoolName = () => `entry-${++spooled}`;

    let results: Array<PromiseSettledResult<CollectReport>>;
    try {
      results = await Promise.allSettled(
        declared.map(([name, artifact]) =>
          collectArtifact(name, artifact, {
            container,
            artifacts,
            log,
            spoolDir,
            window,
            signal,
            expires: artifact.expires ?? task.expires,
            nextSpoolName,
          }),
        ),
      );
    } finally {
      await rm(spoolDir, { recursive: true, force: true });
    }
    signal.throwIfAborted();

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

export const artifactsFeature: Feature = {
  name: 'artifacts',
  defaultEnabled: true,
  forTask: (ctx) => new ArtifactsTask(ctx),
};
