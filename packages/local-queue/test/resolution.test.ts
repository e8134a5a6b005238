// Resolution semantics: idempotent repeats, conflicts, reportException retries,
// cancelTask, claim expiry and deadlines.

import { createAndClaim, createTask, rejection, startHarness, TASK_QUEUE_ID, WORKER, waitFor, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h.stop();
});

const exchanges = (h: Harness, taskId: string) =>
  h.messages.filter((m) => m.routingKey.includes(taskId)).map((m) => m.exchange.replace('exchange/taskcluster-queue/v1/', ''));

describe('resolution', () => {
  beforeEach(async () => {
    h = await startHarness({ claimTimeout: 60 });
  });

  it('repeats reportCompleted idempotently (publishing again) and refuses a different outcome', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    await taskQueue.reportCompleted(taskId, 0);
    await expect(taskQueue.reportCompleted(taskId, 0)).resolves.toMatchObject({ status: { state: 'completed' } });
    expect(exchanges(h, taskId).filter((e) => e === 'task-completed')).toHaveLength(2);
    const failed = await rejection(() => taskQueue.reportFailed(taskId, 0));
    expect(failed).toMatchObject({ statusCode: 409, code: 'RequestConflict' });
    const exception = await rejection(() => taskQueue.reportException(taskId, 0, { reason: 'internal-error' }));
    expect(exception.statusCode).toBe(409);
    const reclaim = await rejection(() => taskQueue.reclaimTask(taskId, 0));
    expect(reclaim.statusCode).toBe(409);
  });

  it('reports failed', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const res = await taskQueue.reportFailed(taskId, 0);
    expect(res.status.runs[0]).toMatchObject({ state: 'failed', reasonResolved: 'failed' });
    expect(exchanges(h, taskId)).toContain('task-failed');
  });

  it('refuses to resolve a run that is still pending', async () => {
    const taskId = await createTask(h);
    expect((await rejection(() => h.queue.reportCompleted(taskId, 0))).statusCode).toBe(409);
  });

  it('retries worker-shutdown as a new run with reasonCreated retry', async () => {
    const { taskId, taskQueue } = await createAndClaim(h, { retries: 1 });
    const res = await taskQueue.reportException(taskId, 0, { reason: 'worker-shutdown' });
    expect(res.status).toMatchObject({ state: 'pending', retriesLeft: 0 });
    expect(res.status.runs).toEqual([
      expect.objectContaining({ runId: 0, state: 'exception', reasonResolved: 'worker-shutdown', ...WORKER }),
      expect.objectContaining({ runId: 1, state: 'pending', reasonCreated: 'retry' }),
    ]);
    // Same reason again: 200, even though a retry run now follows.
    await expect(taskQueue.reportException(taskId, 0, { reason: 'worker-shutdown' })).resolves.toBeDefined();
    expect((await rejection(() => taskQueue.reportException(taskId, 0, { reason: 'internal-error' }))).statusCode).toBe(409);
    const exceptionMsg = h.messages.find((m) => m.exchange.endsWith('task-exception'))!;
    expect(exceptionMsg.payload).toMatchObject({ runId: 0, ...WORKER });
    expect(exchanges(h, taskId)).toEqual(['task-defined', 'task-pending', 'task-running', 'task-exception', 'task-pending', 'task-exception']);

    // The retry run is claimable; with no retries left, another shutdown is final.
    const { tasks } = await h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 1 });
    expect(tasks[0]).toMatchObject({ runId: 1 });
    const second = await h.queue.reportException(taskId, 1, { reason: 'worker-shutdown' });
    expect(second.status).toMatchObject({ state: 'exception', retriesLeft: 0 });
    expect(second.status.runs).toHaveLength(2);
  });

  it('retries intermittent-task as reasonCreated task-retry; other reasons are final', async () => {
    const { taskId, taskQueue } = await createAndClaim(h, { retries: 3 });
    const res = await taskQueue.reportException(taskId, 0, { reason: 'intermittent-task' });
    expect(res.status.runs[1]).toMatchObject({ state: 'pending', reasonCreated: 'task-retry' });
    expect(res.status.retriesLeft).toBe(2);

    const other = await createAndClaim(h, { retries: 3, taskQueueId: 'local-prov/second' });
    const final = await other.taskQueue.reportException(other.taskId, 0, { reason: 'malformed-payload' });
    expect(final.status).toMatchObject({ state: 'exception', retriesLeft: 3 });
    expect(final.status.runs).toHaveLength(1);

    const bad = await rejection(() => other.taskQueue.reportException(other.taskId, 0, { reason: 'canceled' }));
    expect(bad).toMatchObject({ statusCode: 400, code: 'InputValidationError' });
  });

  it('cancels a running task: exception/canceled, then reclaim and resolution answer 409', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const res = await h.queue.cancelTask(taskId);
    expect(res.status.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'canceled', ...WORKER });
    expect((await rejection(() => taskQueue.reclaimTask(taskId, 0))).statusCode).toBe(409);
    expect((await rejection(() => taskQueue.reportCompleted(taskId, 0))).statusCode).toBe(409);
    const cancelMsg = h.messages.find((m) => m.exchange.endsWith('task-exception'))!;
    expect(cancelMsg.routingKey).toContain(`.${WORKER.workerGroup}.${WORKER.workerId}.`);
  });

  it('cancels a pending task and a task that never got a run', async () => {
    const pending = await createTask(h);
    const res = await h.queue.cancelTask(pending);
    expect(res.status.runs).toEqual([expect.objectContaining({ runId: 0, state: 'exception', reasonCreated: 'scheduled', reasonResolved: 'canceled' })]);
    const { taskId: dep } = await createAndClaim(h);
    const unscheduled = await createTask(h, { dependencies: [dep] });
    const res2 = await h.queue.cancelTask(unscheduled);
    expect(res2.status.runs).toEqual([expect.objectContaining({ runId: 0, state: 'exception', reasonCreated: 'exception', reasonResolved: 'canceled' })]);
  });

  it('requires cancel-task scopes', async () => {
    const taskId = await createTask(h);
    const err = await rejection(() => h.worker.cancelTask(taskId));
    expect(err.statusCode).toBe(403);
    expect(err.message).toContain(`queue:cancel-task:-/${taskId}/${taskId}`);
  });
});

describe('timers', () => {
  it('expires a claim as claim-expired and adds a retry run', async () => {
    h = await startHarness({ claimTimeout: 1, expiryCheckInterval: 50 });
    const { taskId, taskQueue } = await createAndClaim(h, { retries: 1 });
    await waitFor(() => h.lq.taskState(taskId).runs.length === 2, 4000);
    const status = h.lq.taskState(taskId);
    expect(status.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'claim-expired' });
    expect(status.runs[1]).toMatchObject({ state: 'pending', reasonCreated: 'retry' });
    expect(status.retriesLeft).toBe(0);
    expect((await rejection(() => taskQueue.reclaimTask(taskId, 0))).statusCode).toBe(409);
    expect((await rejection(() => taskQueue.reportCompleted(taskId, 0))).statusCode).toBe(409);
  });

  it('keeps a claim alive through reclaims, never moving takenUntil backwards', async () => {
    h = await startHarness({ claimTimeout: 1, expiryCheckInterval: 50 });
    const { taskId, claim, taskQueue } = await createAndClaim(h);
    let creds = claim.credentials;
    let takenUntil = claim.takenUntil;
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const res = await (i === 0 ? taskQueue : h.queue.use({ credentials: creds })).reclaimTask(taskId, 0);
      expect(Date.parse(res.takenUntil)).toBeGreaterThanOrEqual(Date.parse(takenUntil));
      creds = res.credentials;
      takenUntil = res.takenUntil;
    }
    expect(h.lq.taskState(taskId).runs).toHaveLength(1);
    expect(h.lq.taskState(taskId).state).toBe('running');
  });

  it('resolves a task past its deadline as deadline-exceeded, without retry', async () => {
    h = await startHarness({ claimTimeout: 60, expiryCheckInterval: 50 });
    const deadline = new Date(Date.now() + 800).toJSON();
    const { taskId, taskQueue } = await createAndClaim(h, { deadline });
    const pending = await createTask(h, { deadline, taskQueueId: 'local-prov/nobody-claims' });
    await waitFor(() => h.lq.taskState(taskId).state === 'exception' && h.lq.taskState(pending).state === 'exception', 4000);
    expect(h.lq.taskState(taskId).runs).toEqual([expect.objectContaining({ reasonResolved: 'deadline-exceeded' })]);
    expect(h.lq.taskState(pending).runs).toEqual([expect.objectContaining({ reasonResolved: 'deadline-exceeded' })]);
    const reclaim = await rejection(() => taskQueue.reclaimTask(taskId, 0));
    expect(reclaim.statusCode).toBe(409);
    expect(reclaim.message).toContain('deadline');
  });
});
