/**
 * Measurements a host, its runtime and its features record. Every metric has one definition
 * (a fixed name, kind and label names) and is recorded in one place; the host exports what is
 * recorded as many ways as it likes (docker-worker: InfluxDB points and a Prometheus endpoint).
 */

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  /** `dw_<what>_<unit>`, with `_total` for a counter: `dw_tasks_resolved_total`, `dw_image_seconds`. */
  readonly name: string;
  readonly kind: MetricKind;
  /** One sentence: what it counts or measures. */
  readonly help: string;
  /** The label names every record of it carries, no more, no fewer. */
  readonly labels: readonly string[];
  /** Histogram bucket upper bounds (seconds or bytes, as the name says); the host's default when absent. */
  readonly buckets?: readonly number[];
}

export type MetricLabels = Readonly<Record<string, string>>;

/**
 * Where measurements go. Recording never blocks and never fails for the exporters' sake (a
 * metrics server that is away costs a task nothing); a name that was never defined, or labels
 * other than the definition's, throw: a bug of the caller.
 */
export interface Metrics {
  /** Adds `by` (1 when absent) to a counter. */
  increment(name: string, labels?: MetricLabels, by?: number): void;
  /** Sets a gauge. */
  set(name: string, value: number, labels?: MetricLabels): void;
  /** One observation of a histogram (a duration in seconds, a size in bytes). */
  observe(name: string, value: number, labels?: MetricLabels): void;
}

/** For hosts that keep no metrics: records nothing. */
export const NO_METRICS: Metrics = Object.freeze({
  increment: () => {},
  set: () => {},
  observe: () => {},
});
