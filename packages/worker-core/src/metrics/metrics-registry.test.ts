import { MetricsRegistry, type MetricRecord, type MetricsExport } from './metrics-registry.js';
import { WORKER_METRICS } from './catalogue.js';

function recording(): MetricsExport & { records: MetricRecord[]; defined: string[] } {
  const out = { records: [] as MetricRecord[], defined: [] as string[] };
  return Object.assign(out, { define: (d: { name: string }) => void out.defined.push(d.name), record: (r: MetricRecord) => void out.records.push(r) });
}

describe('MetricsRegistry', () => {
  it('hands each record to every export, once, with its definition', () => {
    const registry = new MetricsRegistry(WORKER_METRICS);
    const [a, b] = [recording(), recording()];
    registry.addExport(a);
    registry.addExport(b);
    registry.increment('dw_tasks_resolved_total', { outcome: 'completed', reason: '' });
    registry.observe('dw_task_stage_seconds', 0.5, { stage: 'image' });
    for (const out of [a, b]) {
      expect(out.defined).toEqual(WORKER_METRICS.map((d) => d.name));
      expect(out.records.map((r) => [r.definition.name, r.value, r.labels])).toEqual([
        ['dw_tasks_resolved_total', 1, { outcome: 'completed', reason: '' }],
        ['dw_task_stage_seconds', 0.5, { stage: 'image' }],
      ]);
    }
  });

  it('refuses a name never defined, the wrong kind, and labels other than the definition’s', () => {
    const registry = new MetricsRegistry(WORKER_METRICS);
    expect(() => registry.increment('dw_tasks_finished_total')).toThrow('metric dw_tasks_finished_total is not defined');
    expect(() => registry.set('dw_tasks_started_total', 1)).toThrow('metric dw_tasks_started_total is a counter, not a gauge');
    expect(() => registry.increment('dw_tasks_resolved_total', { outcome: 'completed' })).toThrow('takes labels [outcome, reason], not [outcome]');
    expect(() => registry.observe('dw_task_stage_seconds', 1, { stage: 'image', taskId: 'x' })).toThrow('takes labels [stage], not [stage, taskId]');
  });

  it('takes a feature’s definitions once, and refuses a name defined twice differently', () => {
    const registry = new MetricsRegistry(WORKER_METRICS);
    const readers = { name: 'dw_livelog_readers', kind: 'gauge', help: 'Readers.', labels: [] } as const;
    registry.define([readers]);
    registry.define([readers]);
    expect(registry.definitions.filter((d) => d.name === readers.name)).toHaveLength(1);
    expect(() => registry.define([{ ...readers, kind: 'counter' }])).toThrow('metric dw_livelog_readers is defined twice, differently');
    expect(() => registry.define([{ ...readers, name: 'Bad-Name' }])).toThrow('must be lowercase letters, digits and _');
  });

  it('defines every catalogue name once, counters ending in _total', () => {
    const names = WORKER_METRICS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const d of WORKER_METRICS) expect(d.name.endsWith('_total')).toBe(d.kind === 'counter');
  });
});
