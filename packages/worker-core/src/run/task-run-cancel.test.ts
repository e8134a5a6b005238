import { InternalError } from '@docker-worker/worker-contract';
import { fakeShell, until, type FakeScript } from '@docker-worker/worker-contract/testing';
import { httpError, FakeQueue } from './testing/fake-queue.js';
import { Gate } from './testing/gate.js';
import { removeRunDirectories, runWith, testFeature, type StartedRun, type TestFeature } from './testing/task-run-fixture.js';

// Cancels and worker shutdowns arriving at each stage of a run, on the fake runtime. Each
// stage is held open by a Gate, so the stop lands exactly there.
afterEach(removeRunDirectories);

const LONG = { command: ['sh', '-c', 'echo started; sleep 30'] };

/** What every canceled run must look like: nothing uploaded or resolved, everything undone. */
async function expectCanceled(r: StartedRun, features: TestFeature[]): Promise<void> {
  expect(await r.report).toEqual({ outcome: { state: 'canceled' }, resolution: { result: 'not-sent' }, engineLost: false });
  expect(r.queue.reports()).toEqual([]);
  expect(r.queue.artifacts()).toEqual([]);
  for (const feature of features) expect(feature.killedWith).toEqual([{ state: 'canceled' }]);
  const container = r.container();
  if (container) expect(container.removed).toBe(true);
  expect(r.caches.held()).toEqual([]);
  // The queue resolved the run itself: nothing is left to hand back after a restart.
  expect(await r.claimStored()).toBe(false);
  expect(features[0]?.logText).toContain('Task was canceled by another entity: test cancel');
}

describe('TaskRun: canceled', () => {
  it('while the image is fetched: the fetch is abandoned, no container', async () => {
    const imageGate = new Gate();
    const f = testFeature({ name: 'uploader', uploads: true });
    const r = await runWith({ features: [f], imageGate });
    await imageGate.reached;
    r.run.cancel('test cancel');
    await expectCanceled(r, [f]);
    expect(r.runtime.containers).toEqual([]);
    expect(f.calls).toEqual(['link', 'killed']);
  });

  it('during a link hook that ignores the cancel: no image, no container, the cache released', async () => {
    const gate = new Gate();
    const holder = testFeature({ name: 'holder', uploads: true, holds: { link: gate } });
    const next = testFeature({ name: 'next' });
    const r = await runWith({ features: [holder, next] });
    await gate.reached;
    expect(r.run.cancelRun(r.taskId, 0, 'test cancel')).toBe(true);
    gate.open();
    await expectCanceled(r, [holder, next]);
    expect(next.calls).toEqual(['killed']);
    expect(r.runtime.imageRequests).toEqual([]);
    expect(r.runtime.containers).toEqual([]);
  });

  it('while the engine creates the container: the container it created is removed, never started', async () => {
    const createGate = new Gate();
    const f = testFeature({ name: 'uploader', uploads: true });
    const r = await runWith({ features: [f], createGate, payload: LONG });
    await createGate.reached;
    r.run.cancel('test cancel');
    createGate.open();
    await expectCanceled(r, [f]);
    expect(r.container()).toMatchObject({ state: 'created', removed: true });
    expect(f.calls).toEqual(['link', 'killed']);
  });

  it('during a created hook (after create, before start): the container is never started', async () => {
    const gate = new Gate();
    const holder = testFeature({ name: 'holder', uploads: true, holds: { created: gate } });
    const r = await runWith({ features: [holder], payload: LONG });
    await gate.reached;
    r.run.cancel('test cancel');
    gate.open();
    await expectCanceled(r, [holder]);
    expect(r.container()).toMatchObject({ state: 'created', removed: true });
    expect(holder.calls).toEqual(['link', 'created', 'killed']);
  });

  it('while the container starts: it is killed once running', async () => {
    const gate = new Gate();
    const f = testFeature({ name: 'uploader', uploads: true });
    // The engine is slow to start it: cancel lands while start() is pending, before it runs.
    const script: FakeScript = async (spec) => {
      await gate.wait();
      return fakeShell(spec);
    };
    const r = await runWith({ features: [f], payload: LONG, script });
    await gate.reached;
    r.run.cancel('test cancel');
    gate.open();
    await expectCanceled(r, [f]);
    expect(r.container()).toMatchObject({ killed: true, removed: true });
  });

  it('while the container runs: it is killed and removed, stopped hooks skipped', async () => {
    const f = testFeature({ name: 'uploader', uploads: true });
    const r = await runWith({ features: [f], payload: LONG });
    await until('the container running', () => r.container()?.state === 'running');
    r.run.cancel('test cancel');
    await expectCanceled(r, [f]);
    expect(r.container()).toMatchObject({ killed: true, removed: true });
    expect(f.stoppedWith).toEqual([]);
    expect(f.logText).toContain('started\n');
  });

  it('during the stopped hooks: the later ones are skipped and nothing more is uploaded', async () => {
    const gate = new Gate();
    const holder = testFeature({ name: 'holder', holds: { stopped: gate } });
    const next = testFeature({ name: 'next', uploads: true });
    const r = await runWith({ features: [holder, next] });
    await gate.reached;
    r.run.cancel('test cancel');
    gate.open();
    await expectCanceled(r, [holder, next]);
    expect(next.stoppedWith).toEqual([]);
    expect(r.container()).toMatchObject({ removed: true, exitCode: 0 });
  });

  it('a killed hook that fails on a canceled run leaves it canceled', async () => {
    const f = testFeature({ name: 'uploader', uploads: true });
    const failing = testFeature({ name: 'failing', throws: { killed: new InternalError('cleanup failed') } });
    const r = await runWith({ features: [f, failing], payload: LONG });
    await until('the container running', () => r.container()?.state === 'running');
    r.run.cancel('test cancel');
    await expectCanceled(r, [f, failing]);
  });

  it('a reclaim answered 409 (the claim lost) cancels the run', async () => {
    const queue = new FakeQueue();
    queue.answerReclaim = () => httpError(409);
    const f = testFeature({ name: 'uploader', uploads: true });
    // Reclaimed halfway through the claim: after about 300 ms.
    const r = await runWith({ features: [f], queue, payload: LONG, takenUntilMs: 600 });
    expect(await r.report).toEqual({ outcome: { state: 'canceled' }, resolution: { result: 'not-sent' }, engineLost: false });
    expect(queue.calls).toEqual(['reclaim']);
    expect(r.container()).toMatchObject({ killed: true, removed: true });
    expect(f.logText).toContain('the queue answered 409 to a reclaim');
  });

  it('a cancel for another run is not this run’s', async () => {
    const r = await runWith({ payload: { command: ['true'] } });
    expect(r.run.cancelRun(r.taskId, 1, 'test cancel')).toBe(false);
    expect(r.run.cancelRun('another-task', 0, 'test cancel')).toBe(false);
    expect((await r.report).outcome).toEqual({ state: 'completed' });
  });
});

describe('TaskRun: worker shutdown', () => {
  /** A run handed back: resolved worker-shutdown, its log uploaded, everything undone. */
  async function expectHandedBack(r: StartedRun, f: TestFeature): Promise<void> {
    expect(await r.report).toEqual({ outcome: { state: 'exception', reason: 'worker-shutdown' }, resolution: { result: 'resolved' }, engineLost: false });
    expect(r.queue.reports()).toEqual(['reportException:worker-shutdown']);
    expect(f.killedWith).toEqual([{ state: 'exception', reason: 'worker-shutdown' }]);
    expect(r.caches.held()).toEqual([]);
    expect(await r.claimStored()).toBe(false);
    expect(f.logText).toContain('Task has been aborted prematurely. Reason: worker-shutdown');
  }

  it('while the container runs: killed and removed, the log uploaded, resolved worker-shutdown', async () => {
    const f = testFeature({ name: 'uploader', uploads: true });
    const r = await runWith({ features: [f], payload: LONG });
    await until('the container running', () => r.container()?.state === 'running');
    r.run.shutdown();
    await expectHandedBack(r, f);
    expect(r.container()).toMatchObject({ killed: true, removed: true });
    expect(f.stoppedWith).toEqual([]);
    expect(r.queue.artifacts()).toEqual(['uploader/log']);
  });

  it('before anything started (claimed while the worker stops): no container', async () => {
    const f = testFeature({ name: 'uploader', uploads: true });
    const r = await runWith({ features: [f], payload: LONG });
    r.run.shutdown();
    await expectHandedBack(r, f);
    expect(r.runtime.containers).toEqual([]);
  });

  it('during the stopped hooks: the later ones are skipped, the run handed back', async () => {
    const gate = new Gate();
    const holder = testFeature({ name: 'holder', holds: { stopped: gate } });
    const next = testFeature({ name: 'next', uploads: true });
    const r = await runWith({ features: [holder, next] });
    await gate.reached;
    r.run.shutdown();
    gate.open();
    await expectHandedBack(r, holder);
    expect(next.stoppedWith).toEqual([]);
    expect(r.queue.artifacts()).toEqual(['next/log']);
  });
});
