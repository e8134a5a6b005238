/**
 * Both metrics exports against real servers: tasks through the embedded queue and the real
 * Docker engine, then InfluxDB (Debian's 1.6, through the v2 write shim) queried back with
 * InfluxQL, and Prometheus (Debian's) scraping the worker's /metrics every second queried
 * through its HTTP API. And an InfluxDB that answers 500: tasks still run, points are dropped
 * past the buffer, one warning.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness, TEST_IMAGE } from './harness.js';
import { InfluxServer, PrometheusServer, V2WriteShim, freePort } from './metrics/servers.js';
import { createWorkerMetrics, type WorkerMetrics } from '../src/metrics/worker-metrics.js';
import { createMemoryLog } from '../src/log/worker-log.js';
import { identityOf } from '../src/worker.js';
import { createFeatures, startFeatureServices } from '../src/bin/compose.js';

const DB = 'dwtest';

let dir: string;
let influx: InfluxServer;
let shim: V2WriteShim;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dw-metrics-test-'));
  influx = new InfluxServer();
  await influx.start(join(dir, 'influx'));
  await influx.query(`CREATE DATABASE ${DB}`);
  await influx.query(`CREATE DATABASE ${DB}_down`);
  shim = new V2WriteShim();
  await shim.start(influx.url);
});

afterAll(async () => {
  await shim?.stop();
  await influx?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A harness worker with the metrics `worker start` would make from `overrides`. */
async function metricsWorker(h: Harness, overrides: Record<string, unknown>) {
  const config = h.config(overrides);
  const log = createMemoryLog();
  // As `worker start` does: the features' own metrics (the live log's) are registered too.
  const features = createFeatures(await startFeatureServices(config)).map((bound) => bound.feature);
  const metrics = createWorkerMetrics({ config, identity: identityOf(config, h.queue.rootUrl), features, log });
  await metrics.start();
  const started = await h.startWorker(overrides, { metrics: metrics.registry });
  return { metrics, metricsLog: log, ...started };
}

async function runTasks(h: Harness, commands: string[], cache?: string): Promise<string[]> {
  const payload = (command: string) => ({ image: TEST_IMAGE, command: ['sh', '-c', command], maxRunTime: 60, ...(cache && { cache: { [cache]: '/cache' } }) });
  const ids = await Promise.all(commands.map((command) => h.createTask(payload(command), cache ? { scopes: [`docker-worker:cache:${cache}`] } : {})));
  for (const id of ids) await h.waitResolved(id);
  return ids;
}

describe('InfluxDB', () => {
  const h = new Harness();
  let metrics: WorkerMetrics | undefined;
  beforeAll(() => h.start());
  afterAll(async () => {
    await h.stop();
    await metrics?.close();
  });

  it('gets every measurement as points tagged with the worker, queried back with InfluxQL', async () => {
    shim.failWith = undefined;
    const started = await metricsWorker(h, {
      region: 'test-region-1',
      workerNodeType: 'test-node',
      influx: { url: shim.url, bucket: `${DB}/autogen`, org: 'test', token: 'test-token', flushInterval: 200 },
      metricsCollection: { hostMetricsInterval: 1000, cacheDiskUsageInterval: 1000 },
    });
    metrics = started.metrics;
    // One cache for both: the first run makes its instance (and leaves 200 kB in it), the second finds it.
    const [done, failed] = await runTasks(h, ['echo fine; head -c 200000 /dev/zero > /cache/blob', 'echo broken; exit 3'], `i19m-${h.workerType}`);
    await h.until(
      'the cache bytes measured',
      async () => Number((await influx.rows('SELECT last("value") AS v FROM dw_cache_disk_bytes', DB))[0]?.v ?? 0) >= 200_000,
      30_000,
    );
    await started.worker.stop({ finishTasks: true });
    await metrics.close();

    const resolved = await influx.rows('SELECT sum("count") AS n FROM dw_tasks_resolved_total GROUP BY "outcome"', DB);
    expect(Object.fromEntries(resolved.map((r) => [r.outcome, r.n]))).toEqual({ completed: 1, failed: 1 });
    const [point] = await influx.rows('SELECT * FROM dw_tasks_started_total LIMIT 1', DB);
    expect(point).toMatchObject({
      workerId: started.worker.identity.workerId,
      workerGroup: h.workerGroup,
      workerType: h.workerType,
      provisionerId: 'test-prov',
      workerNodeType: 'test-node',
      region: 'test-region-1',
      count: 1,
    });
    const stages = await influx.rows('SELECT count("value") AS n FROM dw_task_stage_seconds GROUP BY "stage"', DB);
    expect(Object.fromEntries(stages.map((r) => [r.stage, r.n]))).toEqual({ validate: 2, image: 2, create: 2, run: 2, artifacts: 2, logs: 2, resolve: 2 });
    const runs = await influx.rows('SELECT "value" FROM dw_task_run_seconds', DB);
    expect(runs).toHaveLength(2);
    for (const row of runs) expect(row.value).toBeGreaterThan(0);
    // The live log's backing log, one upload per run, its bytes counted.
    const [uploaded] = await influx.rows('SELECT sum("count") AS n FROM dw_artifact_uploads_total WHERE "result" = \'uploaded\'', DB);
    expect(uploaded!.n).toBeGreaterThanOrEqual(2);
    const [bytes] = await influx.rows('SELECT sum("count") AS n FROM dw_artifact_upload_bytes_total', DB);
    expect(bytes!.n).toBeGreaterThan(0);
    const [memory] = await influx.rows('SELECT last("value") AS v FROM dw_host_memory_bytes WHERE "kind" = \'total\'', DB);
    expect(memory!.v).toBeGreaterThan(100_000_000);
    const [disk] = await influx.rows('SELECT last("value") AS v FROM dw_host_disk_bytes WHERE "kind" = \'free\'', DB);
    expect(disk!.v).toBeGreaterThan(0);
    const calls = await influx.rows('SELECT sum("count") AS n FROM dw_claim_work_calls_total GROUP BY "result"', DB);
    expect(calls.find((r) => r.result === 'tasks')!.n).toBeGreaterThanOrEqual(1);
    const caches = await influx.rows('SELECT sum("count") AS n FROM dw_cache_acquires_total GROUP BY "result"', DB);
    expect(Object.fromEntries(caches.map((r) => [r.result, r.n]))).toEqual({ hit: 1, miss: 1 });
    const features = await influx.rows('SELECT sum("count") AS n FROM dw_feature_runs_total GROUP BY "feature"', DB);
    expect(Object.fromEntries(features.map((r) => [r.feature, r.n]))).toMatchObject({ localLiveLog: 2, artifacts: 2 });

    // The lifecycle, as worker-manager reads it from the worker log; and every record of a run carries its ids.
    const log = started.log.records;
    const events = log.filter((r) => r.type === 'WORKER_METRICS');
    expect(events.map((e) => e.eventType)).toEqual(expect.arrayContaining(['workerReady', 'taskStart', 'taskStart', 'taskFinish', 'taskFinish', 'shutdown']));
    expect(events).toHaveLength(6);
    expect(events[0]!.eventType).toBe('workerReady');
    expect(events.at(-1)!.eventType).toBe('shutdown');
    for (const id of [done, failed]) {
      const ofTask = events.filter((e) => e.taskId === id);
      expect(ofTask.map((e) => e.eventType)).toEqual(['taskStart', 'taskFinish']);
      expect(ofTask[0]).toMatchObject({ runId: 0, workerId: started.worker.identity.workerId, workerGroup: h.workerGroup, region: 'test-region-1' });
      expect(typeof ofTask[0]!.timestamp).toBe('number');
      expect(log.filter((r) => r.taskId === id).map((r) => r.type)).toEqual(expect.arrayContaining(['task run', 'container started', 'task resolved']));
    }
    expect(started.metricsLog.records.filter((r) => r.level === 'warn')).toEqual([]);
  });
});

describe('an InfluxDB that answers 500', () => {
  const h = new Harness();
  let metrics: WorkerMetrics | undefined;
  beforeAll(() => h.start());
  afterAll(async () => {
    shim.failWith = undefined;
    await h.stop();
    await metrics?.close();
  });

  it('costs the tasks nothing: points past the buffer are dropped, with one warning', async () => {
    shim.failWith = 500;
    const maxPendingPoints = 20;
    const started = await metricsWorker(h, {
      capacity: 2,
      influx: { url: shim.url, bucket: `${DB}_down/autogen`, flushInterval: 50, maxPendingPoints },
    });
    metrics = started.metrics;
    const ids = await runTasks(h, ['echo 1', 'echo 2', 'echo 3', 'echo 4']);
    for (const id of ids) expect((await h.client.status(id)).state).toBe('completed');
    await h.until('the shim to refuse writes', () => (shim.answered.get(500) ?? 0) >= 2);
    const influxExport = metrics.influx!;
    expect(influxExport.dropped).toBeGreaterThan(0);
    const warnings = started.metricsLog.records.filter((r) => r.level === 'warn');
    expect(warnings.map((w) => w.type)).toEqual(['influx unreachable: metrics points are buffered, then dropped']);
    expect(warnings[0]).toMatchObject({ maxPendingPoints });
    // What it would keep stays bounded: every point made beyond the buffer was dropped, not held.
    expect(influxExport.pending).toBeLessThanOrEqual(maxPendingPoints);

    // InfluxDB answers again: the next points go through, and the worker log says so once.
    shim.failWith = undefined;
    await runTasks(h, ['echo 5']);
    await h.until('influx reachable again', () => started.metricsLog.records.some((r) => r.type === 'influx reachable again'), 60_000).catch((err: Error) => {
      throw new Error(`${err.message}: pending ${influxExport.pending}, dropped ${influxExport.dropped}, shim answered ${JSON.stringify([...shim.answered])}`);
    });
    expect(started.metricsLog.records.filter((r) => r.type.startsWith('influx unreachable'))).toHaveLength(1);
  });
});

describe('an InfluxDB that is down', () => {
  const h = new Harness();
  let metrics: WorkerMetrics | undefined;
  beforeAll(() => h.start());
  afterAll(async () => {
    await h.stop();
    await metrics?.close();
  });

  it('costs the tasks nothing either: connections refused, points dropped past the buffer, one warning', async () => {
    const port = await freePort();
    const started = await metricsWorker(h, { capacity: 2, influx: { url: `http://127.0.0.1:${port}`, bucket: 'nowhere', flushInterval: 50, maxPendingPoints: 10 } });
    metrics = started.metrics;
    const ids = await runTasks(h, ['echo 1', 'echo 2', 'echo 3']);
    for (const id of ids) expect((await h.client.status(id)).state).toBe('completed');
    await h.until('a refused write', () => started.metricsLog.records.some((r) => r.level === 'warn'));
    expect(metrics.influx!.dropped).toBeGreaterThan(0);
    expect(metrics.influx!.pending).toBeLessThanOrEqual(10);
    const warnings = started.metricsLog.records.filter((r) => r.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ type: 'influx unreachable: metrics points are buffered, then dropped', error: { code: 'ECONNREFUSED' } });
  });
});

describe('Prometheus', () => {
  const h = new Harness();
  const prometheus = new PrometheusServer();
  let metrics: WorkerMetrics | undefined;
  beforeAll(() => h.start());
  afterAll(async () => {
    await prometheus.stop();
    await h.stop();
    await metrics?.close();
  });

  it('scrapes the task counters, the image histogram and the process metrics from /metrics', async () => {
    const started = await metricsWorker(h, { prometheus: { port: 0 } });
    metrics = started.metrics;
    const target = `127.0.0.1:${metrics.prometheusPort}`;
    await prometheus.start(join(dir, 'prometheus'), [target]);
    // A live log reader, following a task to its end.
    const urls: string[] = [];
    started.services.liveLog.on('registered', ({ url }) => urls.push(url));
    const followed = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'echo followed; sleep 1'], maxRunTime: 60 });
    await h.until('the live log', () => urls.length > 0);
    expect(await (await fetch(urls[0]!)).text()).toContain('followed');
    await h.waitResolved(followed);
    await runTasks(h, ['echo a', 'echo b', 'exit 1']);

    const scrape = async () => (await fetch(`http://${target}/metrics`)).text();
    expect(await scrape()).toMatch(/^process_resident_memory_bytes \d/m);
    // Node's collections are counted once one has been observed (a performance entry, reported
    // after it); a run of four tasks may not have needed one yet, so make garbage until it has.
    await h.until('a garbage collection counted', async () => {
      void Array.from({ length: 200_000 }, (_, i) => ({ i }));
      return /^nodejs_gc_duration_seconds_count\{kind="\w+"\} \d/m.test(await scrape());
    });
    expect((await fetch(`http://${target}/other`)).status).toBe(404);

    await h.until('prometheus to scrape the 4 tasks resolved', async () => (await prometheus.query('sum(dw_tasks_resolved_total)'))[0]?.value === 4, 30_000);
    const resolved = await prometheus.query('dw_tasks_resolved_total');
    expect(Object.fromEntries(resolved.map((r) => [r.metric.outcome, r.value]))).toEqual({ completed: 3, failed: 1 });
    expect(resolved[0]!.metric).toMatchObject({ job: 'docker-worker', instance: target });
    expect((await prometheus.query('dw_tasks_started_total'))[0]!.value).toBe(4);
    expect((await prometheus.query('dw_image_seconds_count{source="present"}'))[0]!.value).toBe(4);
    const buckets = await prometheus.query('dw_image_seconds_bucket{source="present"}');
    expect(buckets.find((b) => b.metric.le === '+Inf')!.value).toBe(4);
    expect((await prometheus.query('dw_livelog_readers_total'))[0]!.value).toBe(1);
    expect((await prometheus.query('dw_livelog_readers'))[0]!.value).toBe(0);
    expect((await prometheus.query('dw_livelog_bytes_total'))[0]!.value).toBeGreaterThan('followed'.length);
    expect(buckets.length).toBeGreaterThan(5);
    const stages = await prometheus.query('dw_task_stage_seconds_count');
    expect(new Set(stages.map((s) => s.metric.stage))).toEqual(new Set(['validate', 'image', 'create', 'run', 'artifacts', 'logs', 'resolve']));
    expect((await prometheus.query('dw_capacity{kind="configured"}'))[0]!.value).toBe(1);
    expect((await prometheus.query('process_resident_memory_bytes'))[0]!.value).toBeGreaterThan(0);
  });
});

describe('worker start with metrics settings', () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('serves /metrics from the environment settings, and flushes its InfluxDB points at exit', async () => {
    await influx.query(`CREATE DATABASE ${DB}_bin`);
    shim.failWith = undefined;
    const daemon = h.daemon([], 'metrics-bin', {
      DW_LOGGING__FORMAT: 'json',
      DW_PROMETHEUS__PORT: '0',
      DW_INFLUX__URL: shim.url,
      DW_INFLUX__BUCKET: `${DB}_bin/autogen`,
      // Longer than the test: the points arrive only through the flush at exit.
      DW_INFLUX__FLUSH_INTERVAL: '600000',
    });
    try {
      await h.until('/metrics served', () => daemon.stderr().includes('"prometheus metrics served"'));
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(daemon.stderr())![1]!;
      const [taskId] = await runTasks(h, ['echo from the bin']);
      await h.until('/metrics to count the task', async () => /^dw_tasks_resolved_total\{outcome="completed",reason=""\} 1$/m.test(await (await fetch(url)).text()));
      expect(await influx.query('SHOW MEASUREMENTS', `${DB}_bin`)).toEqual([]);
      daemon.child.kill('SIGINT');
      expect(await daemon.exited).toBe(0);
      const [resolved] = await influx.rows('SELECT sum("count") AS n FROM dw_tasks_resolved_total WHERE "outcome" = \'completed\'', `${DB}_bin`);
      expect(resolved!.n).toBe(1);
      const records = daemon.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records.filter((r) => r.type === 'WORKER_METRICS').map((r) => r.eventType)).toEqual(['workerReady', 'taskStart', 'taskFinish', 'shutdown']);
      expect(records.filter((r) => r.taskId === taskId).length).toBeGreaterThanOrEqual(4);
    } finally {
      if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
    }
  });

  it('refuses to start on a prometheus.port it cannot have: exit status 3, naming the key', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      const daemon = h.daemon([], 'metrics-port-taken', { DW_PROMETHEUS__PORT: String(port) });
      expect(await daemon.exited).toBe(3);
      expect(daemon.stderr()).toContain(`prometheus.port: cannot serve /metrics on 127.0.0.1:${port}: listen EADDRINUSE`);
    } finally {
      taken.close();
    }
  });
});
