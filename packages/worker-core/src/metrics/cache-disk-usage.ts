import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Metrics } from '@docker-worker/worker-contract';
import type { WorkerLog } from '../log/worker-log.js';
import { PeriodicSampler } from './periodic-sampler.js';

const run = promisify(execFile);

/**
 * How many bytes the named caches hold on disk (`cache.volumeCachePath`), every `intervalMs`.
 * Measured by `du` in a process of its own: a cache of a checkout holds hundreds of thousands
 * of files, and walking them in the worker's own event loop would stall its tasks' logs.
 * `-x` stays on the caches' filesystem (a task may have mounted something inside one).
 */
export class CacheDiskUsage extends PeriodicSampler {
  constructor(options: { metrics: Metrics; root: string; intervalMs: number; log: WorkerLog }) {
    super(
      async () => options.metrics.set('dw_cache_disk_bytes', await diskUsage(options.root)),
      options.intervalMs,
      (err) => options.log.warn('cache disk usage not measured', { error: err, root: options.root }),
    );
  }
}

/** Bytes under `root` as `du` counts them (blocks in use); 0 while it does not exist yet. */
export async function diskUsage(root: string): Promise<number> {
  try {
    const { stdout } = await run('du', ['-s', '-x', '--block-size=1', root]);
    const bytes = Number(stdout.split('\t', 1)[0]);
    if (!Number.isSafeInteger(bytes)) throw new Error(`du printed ${JSON.stringify(stdout.slice(0, 200))}`);
    return bytes;
  } catch (err) {
    if (/No such file or directory/.test((err as { stderr?: string }).stderr ?? '')) return 0;
    throw err;
  }
}
