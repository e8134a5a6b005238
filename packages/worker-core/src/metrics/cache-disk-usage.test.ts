import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLog } from '../log/worker-log.js';
import { CacheDiskUsage, diskUsage } from './cache-disk-usage.js';
import { WORKER_METRICS } from './catalogue.js';
import { MetricsRegistry, type MetricRecord } from './metrics-registry.js';

describe('CacheDiskUsage', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cache-usage-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('measures the bytes under the cache root, instances in nested directories included', async () => {
    const empty = await diskUsage(root);
    await mkdir(join(root, 'checkout', 'i1'), { recursive: true });
    await writeFile(join(root, 'checkout', 'i1', 'blob'), Buffer.alloc(3 * 1024 * 1024, 1));
    await writeFile(join(root, 'checkout', 'small'), 'x');
    const full = await diskUsage(root);
    // Blocks in use: at least the bytes written, not wildly more.
    expect(full - empty).toBeGreaterThanOrEqual(3 * 1024 * 1024);
    expect(full - empty).toBeLessThan(4 * 1024 * 1024);
  });

  it('counts a cache root that does not exist yet as empty', async () => {
    expect(await diskUsage(join(root, 'not-yet'))).toBe(0);
  });

  it('sets dw_cache_disk_bytes; a root it cannot read is logged, not thrown', async () => {
    const registry = new MetricsRegistry(WORKER_METRICS);
    const records: MetricRecord[] = [];
    registry.addExport({ define: () => {}, record: (r) => void records.push(r) });
    await writeFile(join(root, 'f'), Buffer.alloc(64 * 1024, 1));
    const log = createMemoryLog();
    await new CacheDiskUsage({ metrics: registry, root, intervalMs: 60_000, log }).sample();
    expect(records.find((r) => r.definition.name === 'dw_cache_disk_bytes')?.value).toBeGreaterThanOrEqual(64 * 1024);
    // A file where the root should be: du measures it; a path through a file fails.
    await new CacheDiskUsage({ metrics: registry, root: join(root, 'f', 'below'), intervalMs: 60_000, log }).sample();
    expect(log.records.map((r) => r.type)).toEqual(['cache disk usage not measured']);
  });
});
