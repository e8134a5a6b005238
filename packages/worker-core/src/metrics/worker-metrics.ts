import type { WorkerConfig } from '@docker-worker/schema';
import type { MetricDefinition, WorkerIdentity } from '@docker-worker/worker-contract';
import { ConfigError } from '../config/config-error.js';
import type { WorkerLog } from '../log/worker-log.js';
import { WORKER_METRICS } from './catalogue.js';
import { InfluxExport } from './influx-export.js';
import { MetricsRegistry } from './metrics-registry.js';
import { PrometheusExport } from './prometheus-export.js';

/** The tags on every InfluxDB point (and labels on nothing else: Prometheus gets them from its scrape config). */
export function identityTags(identity: WorkerIdentity): Record<string, string> {
  const tags: Record<string, string> = {
    workerId: identity.workerId,
    workerGroup: identity.workerGroup,
    workerType: identity.workerType,
    provisionerId: identity.provisionerId,
    workerNodeType: identity.workerNodeType,
  };
  if (identity.region) tags.region = identity.region;
  return tags;
}

export interface WorkerMetrics {
  registry: MetricsRegistry;
  prometheus?: PrometheusExport;
  influx?: InfluxExport;
  /** The port `/metrics` is served on, once started (when `prometheus.port` is set). */
  prometheusPort?: number;
  /** Starts serving `/metrics`. */
  start(): Promise<void>;
  /** Flushes InfluxDB's points and stops serving. */
  close(): Promise<void>;
}

/**
 * The worker's measurements (its catalogue and every feature's) and the exports the config asks
 * for: InfluxDB with `influx`, Prometheus with `prometheus.port`. Neither: records go nowhere.
 */
export function createWorkerMetrics(options: { config: WorkerConfig; identity: WorkerIdentity; features: readonly { metrics?: readonly MetricDefinition[] }[]; log: WorkerLog }): WorkerMetrics {
  const { config, identity, log } = options;
  const registry = new MetricsRegistry(WORKER_METRICS);
  for (const feature of options.features) if (feature.metrics) registry.define(feature.metrics);
  const prometheus = config.prometheus.port === undefined ? undefined : new PrometheusExport();
  if (prometheus) registry.addExport(prometheus);
  const dropped = WORKER_METRICS.find((d) => d.name === 'dw_influx_points_dropped_total')!;
  const influx = config.influx
    ? new InfluxExport({
        influx: config.influx,
        tags: identityTags(identity),
        log,
        // To Prometheus only: a point about dropped points would itself be dropped.
        onDropped: (count) => prometheus?.record({ definition: dropped, labels: {}, value: count, time: Date.now() }),
      })
    : undefined;
  if (influx) registry.addExport(influx);
  const bundle: WorkerMetrics = {
    registry,
    prometheus,
    influx,
    async start() {
      if (!prometheus || config.prometheus.port === undefined) return;
      const { host, port } = config.prometheus;
      bundle.prometheusPort = await prometheus.listen(host, port).catch((err: unknown) => {
        throw new ConfigError(`prometheus.port: cannot serve /metrics on ${host}:${port}: ${(err as Error).message}`);
      });
      log.info('prometheus metrics served', { url: `http://${config.prometheus.host}:${bundle.prometheusPort}/metrics` });
    },
    async close() {
      await registry.close();
    },
  };
  return bundle;
}
