import type { Feature, RunOutcome, TaskContext, TaskFeature } from '@docker-worker/worker-contract';
import { CompressedLog } from './compressed-log.js';

/** Where the bulk log goes, as in the original. */
export const BULK_LOG = 'public/logs/terminal_bulk.log.gz';

/**
 * Stored as the gzip file its name says it is (`application/gzip`, no content encoding), so a
 * download is a `.gz` that gunzip opens, whatever the storage type; the backing log is the
 * same bytes served as text.
 */
export const BULK_LOG_CONTENT_TYPE = 'application/gzip';

/** Uploads the gzip copy of the log the backing log also uses (made once, while the task runs). */
class BulkLogTask implements TaskFeature {
  #ctx: TaskContext;
  #compressed: CompressedLog;

  constructor(ctx: TaskContext) {
    this.#ctx = ctx;
    this.#compressed = CompressedLog.of(ctx.log, ctx.workDir);
  }

  async link(): Promise<void> {
    this.#compressed.start();
  }

  async killed(outcome: RunOutcome): Promise<void> {
    try {
      if (outcome.state === 'canceled') return;
      await this.#compressed.upload(this.#ctx.artifacts, { name: BULK_LOG, contentType: BULK_LOG_CONTENT_TYPE });
    } finally {
      await this.#compressed.release();
    }
  }
}

/** `bulkLog` (default off): the whole task log once more, as `public/logs/terminal_bulk.log.gz`. */
export const bulkLogFeature: Feature = {
  name: 'bulkLog',
  reservedArtifacts: [BULK_LOG],
  forTask: (ctx) => new BulkLogTask(ctx),
};
