import { tmpdir } from 'node:os';
import { createMemoryLog } from '../log/worker-log.js';
import { WORKER_METRICS } from './catalogue.js';
import { MetricsRegistry, type MetricRecord } from './metrics-registry.js';
import { HostMetrics } from './host-metrics.js';

describe('HostMetrics', () => {
  it('samples this host: memory, CPU load between samples, and the disk of the volume', async () => {
    const registry = new MetricsRegistry(WORKER_METRICS);
    const records: MetricRecord[] = [];
    registry.addExport({ define: () => {}, record: (r) => void records.push(r) });
    const log = createMemoryLog();
    const host = new HostMetrics({ metrics: registry, dockerVolume: tmpdir(), intervalMs: 60_000, log });
    // Some CPU time between the first sample's baseline and the sample.
    const until = Date.now() + 50;
    while (Date.now() < until);
    await host.sample();
    const value = (name: string, kind?: string) => records.find((r) => r.definition.name === name && (kind === undefined || r.labels.kind === kind))?.value;
    expect(value('dw_host_memory_bytes', 'total')).toBeGreaterThan(100_000_000);
    expect(value('dw_host_memory_bytes', 'available')).toBeLessThanOrEqual(value('dw_host_memory_bytes', 'total')!);
    expect(value('dw_host_cpu_load_ratio')).toBeGreaterThan(0);
    expect(value('dw_host_cpu_load_ratio')).toBeLessThanOrEqual(1);
    expect(value('dw_host_disk_bytes', 'free')).toBeLessThanOrEqual(value('dw_host_disk_bytes', 'total')!);
    expect(log.records).toEqual([]);
  });

  it('logs a volume it cannot measure, once a sample, without throwing', async () => {
    const log = createMemoryLog();
    const host = new HostMetrics({ metrics: new MetricsRegistry(WORKER_METRICS), dockerVolume: '/nonexistent-i19-volume', intervalMs: 60_000, log });
    await host.sample();
    expect(log.records.map((r) => r.type)).toEqual(['host metrics not sampled']);
  });
});
