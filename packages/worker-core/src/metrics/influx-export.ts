import { InfluxDB, Point, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import type { MetricDefinition } from '@docker-worker/worker-contract';
import type { WorkerConfig } from '@docker-worker/schema';
import type { WorkerLog } from '../log/worker-log.js';
import type { MetricRecord, MetricsExport } from './metrics-registry.js';

export interface InfluxExportOptions {
  influx: NonNullable<WorkerConfig['influx']>;
  /** On every point: workerId, workerGroup, workerType, provisionerId, workerNodeType, region. */
  tags: Record<string, string>;
  log: WorkerLog;
  /** Told of every point dropped (the Prometheus side counts them). */
  onDropped?: (count: number) => void;
}

/** Retries of one batch, and how long a batch may be retried, before it is dropped. */
const MAX_RETRIES = 5;
const MAX_RETRY_MS = 60_000;

/**
 * Each record as one InfluxDB point, written by the client's WriteApi: batched, retried with
 * backoff, at most `maxPendingPoints` held while InfluxDB is away (the oldest dropped past
 * that), flushed on close. Measurement = metric name; tags = the worker's identity and the
 * metric's labels; field `count` (counter increment) or `value` (gauge, observation).
 * Writing never waits on InfluxDB: a task is never slowed by it. One warning per outage in
 * the worker log, and one line when it is back with the points dropped meanwhile.
 */
export class InfluxExport implements MetricsExport {
  #api: WriteApi;
  #log: WorkerLog;
  #onDropped: ((count: number) => void) | undefined;
  #outage: { since: number; dropped: number } | undefined;
  /** Lines the WriteApi holds (batch and retry buffer), by our count, to bound what it keeps. */
  #pending = 0;
  #max: number;
  #dropped = 0;
  #closed = false;

  constructor(options: InfluxExportOptions) {
    const { influx, log } = options;
    this.#log = log;
    this.#onDropped = options.onDropped;
    this.#max = influx.maxPendingPoints;
    // The client logs every failed attempt to the console; the worker log says it once per outage.
    setLogger({ error: (message) => log.debug('influx client', { message }), warn: (message) => log.debug('influx client', { message }) });
    const client = new InfluxDB({ url: influx.url, token: influx.token || undefined, timeout: 10_000 });
    // Arrow functions below: the client calls them with `this` bound to the WriteApi.
    this.#api = client.getWriteApi(influx.org, influx.bucket, influx.precision, {
      defaultTags: options.tags,
      batchSize: Math.min(1000, influx.maxPendingPoints),
      flushInterval: influx.flushInterval,
      maxBufferLines: influx.maxPendingPoints,
      maxRetries: MAX_RETRIES,
      maxRetryTime: MAX_RETRY_MS,
      minRetryDelay: 1000,
      maxRetryDelay: 15_000,
      writeSuccess: (lines) => this.#written(lines.length),
      writeFailed: (error, lines, attempt, expires) => this.#failed(error, lines.length, attempt, expires),
      writeRetrySkipped: (entry) => this.#drop(entry.lines.length),
    });
  }

  /** Points dropped so far (buffer full, retries ran out). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Points the client holds now (batch and retry buffer), never more than `maxPendingPoints`. */
  get pending(): number {
    return this.#pending;
  }

  define(_definition: MetricDefinition): void {}

  record({ definition, labels, value, time }: MetricRecord): void {
    if (this.#closed) return;
    if (this.#pending >= this.#max) {
      // The client would keep accepting into its batch: the bound is ours to keep.
      this.#drop(1);
      return;
    }
    const point = new Point(definition.name).timestamp(new Date(time));
    for (const [tag, tagValue] of Object.entries(labels)) if (tagValue !== '') point.tag(tag, tagValue);
    if (definition.kind === 'counter') point.floatField('count', value);
    else point.floatField('value', value);
    this.#pending++;
    this.#api.writePoint(point);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#api.close();
    } catch (err) {
      this.#log.warn('influx points not written at exit', { pending: this.#pending, error: err });
    }
  }

  #written(count: number): void {
    this.#pending = Math.max(0, this.#pending - count);
    if (this.#outage) {
      this.#log.info('influx reachable again', { downForMs: Date.now() - this.#outage.since, droppedPoints: this.#outage.dropped });
      this.#outage = undefined;
    }
  }

  #failed(error: Error, count: number, attempt: number, expires: number): void {
    if (!this.#outage) {
      this.#outage = { since: Date.now(), dropped: 0 };
      this.#log.warn('influx unreachable: metrics points are buffered, then dropped', { error, maxPendingPoints: this.#max });
    }
    // The client gives up on the lines after its last attempt, once their retry time is over,
    // or at once for an HTTP status below 429 (a 4xx: the request itself is wrong).
    const status = (error as { statusCode?: number }).statusCode;
    const final = attempt > MAX_RETRIES || expires <= Date.now() || (status !== undefined && status < 429) || this.#closed;
    if (final) this.#drop(count);
  }

  #drop(count: number): void {
    this.#pending = Math.max(0, this.#pending - count);
    this.#dropped += count;
    if (this.#outage) this.#outage.dropped += count;
    this.#onDropped?.(count);
  }
}
