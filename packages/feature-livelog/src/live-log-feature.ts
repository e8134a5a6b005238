import type { Feature, FeatureOptionsSchema, MetricDefinition, RunOutcome, TaskContext, TaskFeature } from '@docker-worker/worker-contract';
import { LiveLogConfigError, liveLogConfigSchema, liveLogServerConfig, type LiveLogSettings } from './live-log-config.js';
import { CompressedLog } from './compressed-log.js';
import type { LiveLogRegistration, LiveLogServer } from './live-log-server.js';
import { DEFAULT_LIVE_LOG, LOG_CONTENT_TYPE, backingLogName } from './log-names.js';

export interface LiveLogFeatureOptions {
  /**
   * The worker's live log server, started by the feature's checkHost (before the worker
   * claims) with the `features.localLiveLog` settings, unless it was started already. Without
   * one there is no live log while the task runs, only the backing log (and the link to it).
   */
  server?: LiveLogServer;
}

/** What a task asks of the live log; the host maps its payload onto it. */
export interface LiveLogOptions {
  /**
   * The live log's artifact name (docker-worker's `payload.log`), `public/logs/live.log` when
   * absent; the backing log is named after it (`live.log` → `live_backing.log`).
   */
  name?: string;
}

export const liveLogOptionsSchema: FeatureOptionsSchema = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1 } },
  additionalProperties: false,
};

/**
 * The task log, live and kept. Before the container starts,
 * the log is registered with the live log server and the live log name (`public/logs/live.log`,
 * or the `name` option) becomes a reference artifact to its URL, so anyone can follow the task as
 * it runs. At the end the whole log is uploaded as the backing log (gzip-compressed where the
 * storage serves a content encoding, s3; as it is for object artifacts, which are served as
 * uploaded) and the live log name becomes a link to it; the server stops serving it once that
 * link exists.
 * A canceled run uploads nothing: the queue resolved it already.
 */
class LiveLogTask implements TaskFeature {
  #ctx: TaskContext;
  #server: LiveLogServer | undefined;
  #liveName: string;
  /** Only where the storage serves gzip as a content encoding. */
  #compressed: CompressedLog | undefined;
  #registration: LiveLogRegistration | undefined;

  constructor(ctx: TaskContext, server: LiveLogServer | undefined, options: LiveLogOptions) {
    this.#ctx = ctx;
    this.#server = server;
    this.#liveName = options.name ?? DEFAULT_LIVE_LOG;
    if (ctx.artifacts.servesContentEncoding !== false) this.#compressed = CompressedLog.of(ctx.log, ctx.workDir);
  }

  async link(): Promise<void> {
    this.#compressed?.start();
    if (!this.#server) return;
    const { taskId, runId, log, artifacts } = this.#ctx;
    this.#registration = this.#server.register(log, { taskId, runId, metrics: this.#ctx.metrics });
    // Expires with the task (the publisher's default), as the 2020 worker did.
    await artifacts.reference(this.#liveName, this.#registration.url, LOG_CONTENT_TYPE);
  }

  async killed(outcome: RunOutcome): Promise<void> {
    try {
      // The queue already resolved a canceled run: nothing more may be uploaded.
      if (outcome.state === 'canceled') return;
      const { artifacts } = this.#ctx;
      const backing = backingLogName(this.#liveName);
      if (this.#compressed) {
        await this.#compressed.upload(artifacts, { name: backing, contentType: LOG_CONTENT_TYPE, contentEncoding: 'gzip' });
      } else {
        // The log is closed by now: what it holds is all of it.
        const { log } = this.#ctx;
        await artifacts.upload({ name: backing, contentType: LOG_CONTENT_TYPE, contentLength: log.bytesWritten, source: () => log.createReader() });
      }
      await artifacts.link(this.#liveName, backing);
    } finally {
      // Readers already connected still read to the end; new ones follow the link instead.
      this.#registration?.unregister();
      await this.#compressed?.release();
    }
  }
}

/** What the live log server records through a run's `TaskContext.metrics`. */
export const LIVE_LOG_METRICS: readonly MetricDefinition[] = [
  { name: 'dw_livelog_readers_total', kind: 'counter', help: 'Live log readers that connected.', labels: [] },
  { name: 'dw_livelog_readers', kind: 'gauge', help: 'Live log readers connected now.', labels: [] },
  { name: 'dw_livelog_bytes_total', kind: 'counter', help: 'Bytes of task logs served to live log readers (counted when a reader leaves).', labels: [] },
];

/** The `localLiveLog` feature (default on), serving live logs through `options.server`. */
export function createLiveLogFeature(options: LiveLogFeatureOptions = {}): Feature<LiveLogOptions> {
  return {
    name: 'localLiveLog',
    optionsSchema: liveLogOptionsSchema,
    reservedArtifacts: [DEFAULT_LIVE_LOG, backingLogName(DEFAULT_LIVE_LOG)],
    configSchema: liveLogConfigSchema,
    metrics: LIVE_LOG_METRICS,
    /** The host must give the server its port (and the certificate must be readable): it listens from here on. */
    async checkHost(worker, config) {
      const { server } = options;
      if (!server || server.started) return undefined;
      try {
        await server.start(liveLogServerConfig(config as LiveLogSettings, { publicHostname: worker.host }));
        return undefined;
      } catch (err) {
        if (err instanceof LiveLogConfigError) return err.message;
        throw err;
      }
    },
    forTask: (ctx, taskOptions) => new LiveLogTask(ctx, options.server, taskOptions),
  };
}

/** `localLiveLog` without a live log server: the backing log and the link to it only. */
export const liveLogFeature: Feature<LiveLogOptions> = createLiveLogFeature();
