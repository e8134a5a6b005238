import { MetricsRegistry, type MetricRecord } from './metrics-registry.js';
import { STAGES, WORKER_METRICS } from './catalogue.js';
import { removeRunDirectories, runWith, testFeature } from '../run/testing/task-run-fixture.js';
import { FakeQueue, httpError } from '../run/testing/fake-queue.js';

// What one TaskRun records, on the fake runtime and an in-memory queue.
afterEach(removeRunDirectories);

function recorded(): { registry: MetricsRegistry; records: MetricRecord[]; sum: (name: string, labels?: Record<string, string>) => number } {
  const registry = new MetricsRegistry(WORKER_METRICS);
  const records: MetricRecord[] = [];
  registry.addExport({ define: () => {}, record: (r) => void records.push(r) });
  const matches = (r: MetricRecord, name: string, labels: Record<string, string>) => r.definition.name === name && Object.entries(labels).every(([k, v]) => r.labels[k] === v);
  const sum = (name: string, labels: Record<string, string> = {}) => records.filter((r) => matches(r, name, labels)).reduce((n, r) => n + r.value, 0);
  return { registry, records, sum };
}

describe('a run’s metrics', () => {
  it('a failed run with a cache purged: started, resolved, every stage timed once, the cache and feature counted, reclaims renewed', async () => {
    const m = recorded();
    const f = testFeature({ name: 'uploader', uploads: true });
    // Reclaimed at half of 1.2 s: the task outlives one reclaim.
    const r = await runWith({ features: [f], metrics: m.registry, takenUntilMs: 1200, payload: { command: ['sh', '-c', 'sleep 1; exit 3'], onExitStatus: { purgeCaches: [3] } } });
    expect((await r.report).outcome).toEqual({ state: 'failed' });
    expect(m.sum('dw_tasks_started_total')).toBe(1);
    expect(m.records.filter((x) => x.definition.name === 'dw_tasks_resolved_total').map((x) => x.labels)).toEqual([{ outcome: 'failed', reason: '' }]);
    const stages = m.records.filter((x) => x.definition.name === 'dw_task_stage_seconds').map((x) => x.labels.stage);
    expect([...stages].sort()).toEqual([...STAGES].sort());
    expect(m.records.find((x) => x.definition.name === 'dw_task_stage_seconds' && x.labels.stage === 'run')!.value).toBeGreaterThanOrEqual(0.9);
    expect(m.records.filter((x) => x.definition.name === 'dw_task_claim_to_start_seconds')).toHaveLength(1);
    expect(m.records.filter((x) => x.definition.name === 'dw_task_run_seconds').map((x) => x.labels)).toEqual([{ outcome: 'failed' }]);
    expect(m.sum('dw_cache_acquires_total', { result: 'miss' })).toBe(1);
    expect(m.sum('dw_cache_purges_total', { reason: 'exit-status' })).toBe(1);
    expect(m.sum('dw_feature_runs_total', { feature: 'uploader' })).toBe(1);
    expect(m.sum('dw_reclaims_total', { result: 'renewed' })).toBeGreaterThanOrEqual(1);
    expect(m.records.filter((x) => x.definition.name === 'dw_image_seconds')).toHaveLength(1);
  });

  it('a lost claim: counted as lost, the run canceled and counted so', async () => {
    const m = recorded();
    const queue = new FakeQueue();
    queue.answerReclaim = () => httpError(409, 'the run is not running any more');
    const r = await runWith({ queue, metrics: m.registry, takenUntilMs: 1000, payload: { command: ['sh', '-c', 'sleep 30'] } });
    expect((await r.report).outcome).toEqual({ state: 'canceled' });
    expect(m.sum('dw_reclaims_total', { result: 'lost' })).toBe(1);
    expect(m.sum('dw_tasks_resolved_total', { outcome: 'canceled' })).toBe(1);
  });
});
