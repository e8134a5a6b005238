import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { MetricDefinition } from '@docker-worker/worker-contract';
import type { MetricRecord, MetricsExport } from './metrics-registry.js';

/**
 * The measurements as Prometheus metrics (prom-client), with its default process metrics (CPU,
 * memory, event loop lag, GC), served as `GET /metrics` in the text format.
 */
export class PrometheusExport implements MetricsExport {
  readonly registry = new Registry();
  #metrics = new Map<string, Metric>();
  #server: Server | undefined;

  constructor(options: { defaultLabels?: Record<string, string> } = {}) {
    if (options.defaultLabels) this.registry.setDefaultLabels(options.defaultLabels);
    collectDefaultMetrics({ register: this.registry });
  }

  define(definition: MetricDefinition): void {
    const config = { name: definition.name, help: definition.help, labelNames: [...definition.labels], registers: [this.registry] };
    const metric =
      definition.kind === 'counter'
        ? new Counter(config)
        : definition.kind === 'gauge'
          ? new Gauge(config)
          : new Histogram({ ...config, ...(definition.buckets && { buckets: [...definition.buckets] }) });
    this.#metrics.set(definition.name, metric);
  }

  record({ definition, labels, value }: MetricRecord): void {
    const metric = this.#metrics.get(definition.name);
    if (metric instanceof Counter) metric.inc(labels, value);
    else if (metric instanceof Gauge) metric.set(labels, value);
    else if (metric instanceof Histogram) metric.observe(labels, value);
  }

  /** Serves `GET /metrics` on host:port (0: a free one); resolves with the port. */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
      );
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
