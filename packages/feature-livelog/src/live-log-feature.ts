import { createReadStream } from 'node:fs';
import type { Feature, RunOutcome, TaskContext, TaskFeature } from '@docker-worker/worker-contract';
import { gzipFile } from './gzip-file.js';
import { DEFAULT_LIVE_LOG, backingLogName } from './log-names.js';

const LOG_CONTENT_TYPE = 'text/plain; charset=utf-8';

/**
 * Keeps every run's log: at the end the whole task log is uploaded gzip-compressed as the
 * backing log, and the live log name becomes a link to it, so readers of either name get it.
 */
class LiveLogTask implements TaskFeature {
  #ctx: TaskContext;
  #liveName: string;

  constructor(ctx: TaskContext) {
    this.#ctx = ctx;
    this.#liveName = ctx.payload.log ?? DEFAULT_LIVE_LOG;
  }

  async killed(outcome: RunOutcome): Promise<void> {
    // The queue already resolved a canceled run: nothing more may be uploaded.
    if (outcome.state === 'canceled') return;
    const { log, artifacts } = this.#ctx;
    const compressed = `${log.path}.gz`;
    const size = await gzipFile(log.path, compressed);
    const backing = backingLogName(this.#liveName);
    await artifacts.upload({
      name: backing,
      contentType: LOG_CONTENT_TYPE,
      contentEncoding: 'gzip',
      contentLength: size,
      source: () => createReadStream(compressed),
    });
    await artifacts.link(this.#liveName, backing);
  }
}

export const liveLogFeature: Feature = {
  name: 'localLiveLog',
  defaultEnabled: true,
  reservedArtifacts: [DEFAULT_LIVE_LOG, backingLogName(DEFAULT_LIVE_LOG)],
  forTask: (ctx) => new LiveLogTask(ctx),
};
