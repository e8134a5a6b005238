import { existsSync } from 'node:fs';
import { EngineUnavailableError, type FileTaskLog } from '@docker-worker/worker-contract';
import { Gate } from './testing/gate.js';
import { FakeQueue, httpError } from './testing/fake-queue.js';
import { removeRunDirectories, runWith, testFeature } from './testing/task-run-fixture.js';

// TaskRun on the fake runtime and an in-memory queue: the pipeline's outcome rules, its
// resolution and its teardown, without an engine.
afterEach(removeRunDirectories);

describe('TaskRun on the fake runtime', () => {
  it('a task that exits 0: completed and recorded; the container removed, the cache released, the claim forgotten', async () => {
    const f = testFeature({ name: 'uploader', uploads: true });
    const r = await runWith({ features: [f] });
    expect(await r.report).toEqual({ outcome: { state: 'completed' }, resolution: { result: 'resolved' }, engineLost: false });
    expect(r.queue.reports()).toEqual(['reportCompleted']);
    expect(r.queue.artifacts()).toEqual(['uploader/result', 'uploader/log']);
    expect(f.calls).toEqual(['link', 'created', 'started', 'stopped', 'killed']);
    expect(f.stoppedWith).toEqual([expect.objectContaining({ exitCode: 0, timedOut: false })]);
    expect(r.container()).toMatchObject({ removed: true, exitCode: 0, killed: false });
    expect(r.caches.acquired).toHaveLength(1);
    expect(r.caches.released).toEqual([{ instance: r.caches.acquired[0], purge: false }]);
    expect(await r.claimStored()).toBe(false);
    expect(f.logText).toContain('hello\n');
  });

  it('the log file goes once the killed hooks are done, while the container is removed; a reader still open reads it whole', async () => {
    let log: FileTaskLog | undefined;
    let firstChunk: Promise<IteratorResult<Buffer>> | undefined;
    let rest: AsyncIterator<Buffer> | undefined;
    const started = new Gate();
    const f = testFeature({
      name: 'uploader',
      uploads: true,
      holds: { started },
      context: (ctx) => {
        log = ctx.log as FileTaskLog;
        // A follower like the echo of `worker run`: it has the file open, and is behind.
        rest = log.createReader({ follow: true })[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
        firstChunk = rest.next();
      },
    });
    const r = await runWith({ features: [f], payload: { command: ['sh', '-c', 'echo hello; echo world'] } });
    await started.reached;
    const first = await firstChunk!;
    const container = r.container()!;
    const remove = container.remove.bind(container);
    // The container's removal waits for the log file to go: it goes while the container is
    // removed, not after the run.
    let logGoneDuringRemoval = false;
    container.remove = async () => {
      for (let waited = 0; waited < 10_000 && existsSync(log!.path); waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      logGoneDuringRemoval ||= !existsSync(log!.path);
      return remove();
    };
    started.open();
    expect((await r.report).outcome).toEqual({ state: 'completed' });
    expect(existsSync(log!.path)).toBe(false);
    expect(logGoneDuringRemoval).toBe(true);
    const chunks: Buffer[] = [first.value as Buffer];
    for (let next = await rest!.next(); !next.done; next = await rest!.next()) chunks.push(next.value);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(f.logText);
    expect(f.logText).toContain('hello\nworld\n');
  });

  it('an exit code listed in onExitStatus.purgeCaches fails the run and purges its caches', async () => {
    const r = await runWith({ payload: { command: ['sh', '-c', 'exit 3'], onExitStatus: { purgeCaches: [3] } } });
    expect((await r.report).outcome).toEqual({ state: 'failed' });
    expect(r.caches.released).toEqual([{ instance: r.caches.acquired[0], purge: true }]);
  });

  it('maxRunTime exceeded: the container is killed and the run fails, stopped hooks told it timed out', async () => {
    const f = testFeature({ name: 'uploader', uploads: true });
    const r = await runWith({ features: [f], payload: { command: ['sh', '-c', 'echo going; sleep 30'], maxRunTime: 1 } });
    const report = await r.report;
    expect(report).toEqual({ outcome: { state: 'failed' }, resolution: { result: 'resolved' }, engineLost: false });
    expect(r.queue.reports()).toEqual(['reportFailed']);
    expect(f.stoppedWith).toEqual([expect.objectContaining({ exitCode: 137, timedOut: true })]);
    expect(r.container()).toMatchObject({ killed: true, removed: true });
    expect(f.logText).toContain('Task timeout after 1 seconds. Force killing container.');
    expect(r.queue.artifacts()).toEqual(['uploader/result', 'uploader/log']);
  });

  it('an engine that goes away under the run: worker-shutdown, and the report says the engine was lost', async () => {
    const f = testFeature({ name: 'uploader', uploads: true });
    const r = await runWith({
      features: [f],
      script: () => {
        throw new EngineUnavailableError('the engine stopped answering');
      },
    });
    expect(await r.report).toEqual({ outcome: { state: 'exception', reason: 'worker-shutdown' }, resolution: { result: 'resolved' }, engineLost: true });
    expect(r.container()).toMatchObject({ removed: true, state: 'created' });
    expect(f.killedWith).toEqual([{ state: 'exception', reason: 'worker-shutdown' }]);
  });

  describe('a malformed payload: exception/malformed-payload, no container, only the default features told', () => {
    const cases = [
      { what: 'a schema problem', payload: { maxRunTime: 'soon' }, scopes: [], problem: 'payload.maxRunTime must be an integer' },
      { what: 'a missing feature scope', payload: {}, scopes: ['test:optional'], problem: 'payload.features.optional' },
    ];
    it.each(cases)('$what', async ({ payload, scopes, problem }) => {
      const byDefault = testFeature({ name: 'byDefault', uploads: true });
      const optional = testFeature({ name: 'optional', defaultEnabled: false, requiredScopes: scopes, uploads: true });
      const r = await runWith({ features: [byDefault, optional], payload: { ...payload, features: { optional: true } } });
      expect(await r.report).toEqual({ outcome: { state: 'exception', reason: 'malformed-payload' }, resolution: { result: 'resolved' }, engineLost: false });
      expect(r.queue.reports()).toEqual(['reportException:malformed-payload']);
      expect(byDefault.calls).toEqual(['killed']);
      expect(byDefault.killedWith).toEqual([{ state: 'exception', reason: 'malformed-payload' }]);
      expect(optional.calls).toEqual([]);
      expect(r.runtime.imageRequests).toEqual([]);
      expect(r.runtime.containers).toEqual([]);
      expect(r.caches.acquired).toEqual([]);
      // The log is still uploaded: it is where the author reads why.
      expect(r.queue.artifacts()).toEqual(['byDefault/log']);
      expect(byDefault.logText).toContain('The task payload is invalid, so nothing was started');
      expect(byDefault.logText).toContain(problem);
    });
  });

  describe('a resolution the queue refuses', () => {
    const cases = [
      { answer: 403, command: 'exit 0', call: 'reportCompleted', runStatus: undefined, result: 'gave-up', stored: true },
      { answer: 403, command: 'exit 1', call: 'reportFailed', runStatus: undefined, result: 'gave-up', stored: true },
      { answer: 409, command: 'exit 0', call: 'reportCompleted', runStatus: { state: 'exception', reasonResolved: 'canceled' }, result: 'conflict', stored: false },
      { answer: 409, command: 'exit 1', call: 'reportFailed', runStatus: undefined, result: 'conflict', stored: false },
      // An earlier attempt got through: the queue holds what we sent.
      { answer: 409, command: 'exit 1', call: 'reportFailed', runStatus: { state: 'failed', reasonResolved: 'failed' }, result: 'resolved', stored: false },
    ] as const;
    it.each(cases)('$answer to $call (queue shows $runStatus.state): $result', async ({ answer, command, call, runStatus, result, stored }) => {
      const queue = new FakeQueue();
      queue.answerReport = (report) => (report === call ? httpError(answer) : undefined);
      queue.runStatus = runStatus;
      const r = await runWith({ queue, payload: { command: ['sh', '-c', command] } });
      const report = await r.report;
      expect(report.resolution.result).toBe(result);
      expect(report.outcome).toEqual({ state: command === 'exit 0' ? 'completed' : 'failed' });
      // Refused for good: sent once, never retried.
      expect(r.queue.reports()).toEqual([call]);
      if (answer === 409) expect(r.queue.calls).toContain('status');
      if (result === 'gave-up') expect(report.resolution).toMatchObject({ reason: expect.stringContaining(`HTTP ${answer}`) });
      // A run the queue did not record stays in the claim store, for the next start to hand back.
      expect(await r.claimStored()).toBe(stored);
      expect(r.container()).toMatchObject({ removed: true });
      expect(r.caches.held()).toEqual([]);
    });

    it('403 to reportException (a malformed payload): gave-up, the claim kept', async () => {
      const queue = new FakeQueue();
      queue.answerReport = () => httpError(403);
      const r = await runWith({ queue, payload: { maxRunTime: -1 } });
      const report = await r.report;
      expect(report.outcome).toEqual({ state: 'exception', reason: 'malformed-payload' });
      expect(report.resolution).toMatchObject({ result: 'gave-up', reason: expect.stringContaining('exception/malformed-payload: HTTP 403') });
      expect(await r.claimStored()).toBe(true);
    });
  });
});
