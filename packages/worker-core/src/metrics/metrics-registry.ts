import type { MetricDefinition, MetricKind, MetricLabels, Metrics } from '@docker-worker/worker-contract';

/** One record, as every export receives it. */
export interface MetricRecord {
  definition: MetricDefinition;
  labels: MetricLabels;
  /** The increment (counter), the value (gauge) or the observation (histogram). */
  value: number;
  /** ms since the epoch. */
  time: number;
}

/** Where records go: InfluxDB, Prometheus. Must not throw or block. */
export interface MetricsExport {
  /** Every definition, before any record of it. */
  define(definition: MetricDefinition): void;
  record(record: MetricRecord): void;
  /** Writes what is pending and stops. */
  close?(): Promise<void>;
}

/**
 * The worker's one set of measurements: every metric defined once (the catalogue and the
 * features' own), each record checked against its definition and handed to every export.
 */
export class MetricsRegistry implements Metrics {
  #definitions = new Map<string, MetricDefinition>();
  #exports: MetricsExport[] = [];

  constructor(definitions: readonly MetricDefinition[] = []) {
    this.define(definitions);
  }

  get definitions(): readonly MetricDefinition[] {
    return [...this.#definitions.values()];
  }

  /** Adds definitions (a feature's); a name defined twice differently is refused. */
  define(definitions: readonly MetricDefinition[]): void {
    for (const definition of definitions) {
      const known = this.#definitions.get(definition.name);
      if (known) {
        if (JSON.stringify(known) !== JSON.stringify(definition)) throw new Error(`metric ${definition.name} is defined twice, differently`);
        continue;
      }
      if (!/^[a-z][a-z0-9_]*$/.test(definition.name)) throw new Error(`metric name ${JSON.stringify(definition.name)} must be lowercase letters, digits and _`);
      this.#definitions.set(definition.name, definition);
      for (const out of this.#exports) out.define(definition);
    }
  }

  addExport(out: MetricsExport): void {
    for (const definition of this.#definitions.values()) out.define(definition);
    this.#exports.push(out);
  }

  increment(name: string, labels: MetricLabels = {}, by = 1): void {
    this.#record('counter', name, labels, by);
  }

  set(name: string, value: number, labels: MetricLabels = {}): void {
    this.#record('gauge', name, labels, value);
  }

  observe(name: string, value: number, labels: MetricLabels = {}): void {
    this.#record('histogram', name, labels, value);
  }

  /** Flushes and stops every export (at exit). */
  async close(): Promise<void> {
    await Promise.all(this.#exports.map((out) => out.close?.()));
  }

  #record(kind: MetricKind, name: string, labels: MetricLabels, value: number): void {
    const definition = this.#definitions.get(name);
    if (!definition) throw new Error(`metric ${name} is not defined`);
    if (definition.kind !== kind) throw new Error(`metric ${name} is a ${definition.kind}, not a ${kind}`);
    const given = Object.keys(labels);
    if (given.length !== definition.labels.length || !definition.labels.every((label) => label in labels)) {
      throw new Error(`metric ${name} takes labels [${definition.labels.join(', ')}], not [${given.join(', ')}]`);
    }
    if (!Number.isFinite(value)) return;
    const record: MetricRecord = { definition, labels, value, time: Date.now() };
    for (const out of this.#exports) out.record(record);
  }
}
