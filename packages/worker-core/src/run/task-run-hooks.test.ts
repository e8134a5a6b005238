import { InternalError, ResourceUnavailableError, TaskFailedError, type RunOutcome } from '@docker-worker/worker-contract';
import { removeRunDirectories, runWith, testFeature, type Hook } from './testing/task-run-fixture.js';

// Feature hooks that throw, on the fake runtime: which outcome wins, and that every teardown
// step runs whatever failed.
afterEach(removeRunDirectories);

const internalError: RunOutcome = { state: 'exception', reason: 'internal-error' };

describe('TaskRun: a feature hook that throws', () => {
  const cases: Array<{ hook: Hook; container: boolean; cacheTaken: boolean; stopped: boolean; killedSees: RunOutcome }> = [
    { hook: 'link', container: false, cacheTaken: false, stopped: false, killedSees: internalError },
    { hook: 'created', container: true, cacheTaken: true, stopped: false, killedSees: internalError },
    { hook: 'started', container: true, cacheTaken: true, stopped: false, killedSees: internalError },
    { hook: 'stopped', container: true, cacheTaken: true, stopped: true, killedSees: internalError },
    // killed hooks see the outcome as it was before them; the failure changes what is resolved.
    { hook: 'killed', container: true, cacheTaken: true, stopped: true, killedSees: { state: 'completed' } },
  ];
  it.each(cases)('in $hook: exception/internal-error, the container removed, the cache released, every killed hook called', async ({ hook, container, cacheTaken, stopped, killedSees }) => {
    const first = testFeature({ name: 'first', uploads: true });
    const failing = testFeature({ name: 'failing', throws: { [hook]: new Error(`the ${hook} hook broke`) } });
    const last = testFeature({ name: 'last', uploads: true });
    // Runs long enough that a started-hook failure finds it running.
    const r = await runWith({ features: [first, failing, last], payload: { command: ['sh', '-c', 'echo hello; sleep 0.2'] } });
    expect(await r.report).toEqual({ outcome: internalError, resolution: { result: 'resolved' }, engineLost: false });
    expect(r.queue.reports()).toEqual(['reportException:internal-error']);
    if (container) expect(r.container()).toMatchObject({ removed: true });
    else expect(r.runtime.containers).toEqual([]);
    expect(r.caches.acquired).toHaveLength(cacheTaken ? 1 : 0);
    expect(r.caches.held()).toEqual([]);
    for (const feature of [first, failing, last]) expect(feature.killedWith).toEqual([killedSees]);
    // The hooks after the failing one in the same stage do not run, but for stopped: every
    // feature collects what it needs even after another failed.
    expect(last.calls.includes(hook)).toBe(hook === 'stopped' || hook === 'killed');
    expect(last.stoppedWith).toHaveLength(stopped ? 1 : 0);
    if (hook !== 'killed') expect(first.logText).toContain(`the ${hook} hook broke`);
    expect(await r.claimStored()).toBe(false);
  });

  it('a started hook that throws: the running container is killed on removal', async () => {
    const failing = testFeature({ name: 'failing', throws: { started: new Error('no') } });
    const r = await runWith({ features: [failing], payload: { command: ['sh', '-c', 'sleep 30'] } });
    expect((await r.report).outcome).toEqual(internalError);
    expect(r.container()).toMatchObject({ killed: true, removed: true });
  });

  it('a hook throwing a TaskError resolves as that error says', async () => {
    const failing = testFeature({ name: 'failing', throws: { link: new TaskFailedError('the task asked for something it may not have') } });
    const r = await runWith({ features: [failing] });
    expect((await r.report).outcome).toEqual({ state: 'failed' });
    expect(r.queue.reports()).toEqual(['reportFailed']);
  });

  it('stopped: the first failure decides the outcome, and every stopped hook still runs', async () => {
    const a = testFeature({ name: 'a', throws: { stopped: new ResourceUnavailableError('the artifact store is away') } });
    const b = testFeature({ name: 'b', throws: { stopped: new TaskFailedError('an artifact is missing') } });
    const c = testFeature({ name: 'c', uploads: true });
    const r = await runWith({ features: [a, b, c] });
    expect((await r.report).outcome).toEqual({ state: 'exception', reason: 'resource-unavailable' });
    expect([a, b, c].map((f) => f.stoppedWith.length)).toEqual([1, 1, 1]);
    expect(r.queue.artifacts()).toEqual(['c/result', 'c/log']);
  });

  describe('killed', () => {
    it.each([
      { exit: 0, before: 'completed' as const },
      { exit: 1, before: 'failed' as const },
    ])('a failure turns a $before run into the failure’s exception', async ({ exit, before }) => {
      const f = testFeature({ name: 'f', throws: { killed: new ResourceUnavailableError('the log upload failed') } });
      const r = await runWith({ features: [f], payload: { command: ['sh', '-c', `exit ${exit}`] } });
      expect((await r.report).outcome).toEqual({ state: 'exception', reason: 'resource-unavailable' });
      expect(f.killedWith).toEqual([{ state: before }]);
      expect(r.queue.reports()).toEqual(['reportException:resource-unavailable']);
    });

    it('hooks run in reverse order, all of them, and the first failure among them decides', async () => {
      const journal: string[] = [];
      const a = testFeature({ name: 'a', journal, throws: { killed: new ResourceUnavailableError('a failed') } });
      const b = testFeature({ name: 'b', journal, throws: { killed: new InternalError('b failed') } });
      const c = testFeature({ name: 'c', journal, uploads: true });
      const r = await runWith({ features: [a, b, c] });
      const report = await r.report;
      expect(journal.filter((call) => call.endsWith('.killed'))).toEqual(['c.killed', 'b.killed', 'a.killed']);
      // b's killed runs before a's, so b's failure decides.
      expect(report.outcome).toEqual(internalError);
      expect(r.queue.artifacts()).toEqual(['c/result', 'c/log']);
      expect(r.container()).toMatchObject({ removed: true });
    });

    it('a seal feature runs after every other feature in each hook, its killed hook last, whatever the list order', async () => {
      const journal: string[] = [];
      const seal = testFeature({ name: 'seal', journal, phase: 'seal' });
      const a = testFeature({ name: 'a', journal, uploads: true });
      const b = testFeature({ name: 'b', journal });
      const r = await runWith({ features: [seal, a, b] });
      expect((await r.report).outcome).toEqual({ state: 'completed' });
      for (const hook of ['link', 'created', 'started', 'stopped']) {
        expect(journal.filter((call) => call.endsWith(`.${hook}`))).toEqual([`a.${hook}`, `b.${hook}`, `seal.${hook}`]);
      }
      expect(journal.filter((call) => call.endsWith('.killed'))).toEqual(['b.killed', 'a.killed', 'seal.killed']);
    });

    it('an exception already decided stands: a killed failure does not replace the root cause', async () => {
      const root = testFeature({ name: 'root', throws: { created: new ResourceUnavailableError('no device free') } });
      const f = testFeature({ name: 'f', throws: { killed: new InternalError('the log upload failed') } });
      const r = await runWith({ features: [root, f] });
      expect((await r.report).outcome).toEqual({ state: 'exception', reason: 'resource-unavailable' });
      expect(root.killedWith).toEqual([{ state: 'exception', reason: 'resource-unavailable' }]);
    });
  });
});
