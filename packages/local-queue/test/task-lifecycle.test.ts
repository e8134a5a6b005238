// createTask → claimWork → reclaimTask → reportCompleted over real HTTP with the real client,
// plus createTask's defaults, validation and idempotency.

import tc from 'taskcluster-client';
import { createAndClaim, createTask, rejection, startHarness, taskDefinition, TASK_QUEUE_ID, WORKER, type Harness } from './helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ claimTimeout: 60 });
});
afterEach(async () => {
  await h.stop();
});

describe('task lifecycle', () => {
  it('runs createTask → claimWork → reclaimTask → reportCompleted', async () => {
    const taskId = tc.slugid();
    const created = await h.queue.createTask(taskId, taskDefinition({ tags: { purpose: 'test' }, routes: ['index.foo'] }));
    expect(created.status).toMatchObject({ taskId, state: 'pending', taskQueueId: TASK_QUEUE_ID, provisionerId: 'local-prov', workerType: 'test-worker' });
    expect(created.status.runs).toEqual([expect.objectContaining({ runId: 0, state: 'pending', reasonCreated: 'scheduled' })]);

    const before = Date.now();
    const { tasks } = await h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 4 });
    expect(tasks).toHaveLength(1);
    const claim = tasks[0];
    expect(Object.keys(claim).sort()).toEqual(['credentials', 'runId', 'status', 'takenUntil', 'task', 'workerGroup', 'workerId']);
    expect(claim).toMatchObject({ runId: 0, ...WORKER });
    expect(claim.task).toMatchObject({ taskQueueId: TASK_QUEUE_ID, provisionerId: 'local-prov', workerType: 'test-worker', retries: 5 });
    expect(claim.status.runs[0]).toMatchObject({ state: 'running', ...WORKER });
    const takenUntil = Date.parse(claim.takenUntil);
    expect(takenUntil).toBeGreaterThanOrEqual(before + 59_000);
    expect(claim.credentials.clientId).toBe(`task-client/${taskId}/0/on/${WORKER.workerGroup}/${WORKER.workerId}/until/${takenUntil / 1000}`);
    expect(JSON.parse(claim.credentials.certificate).scopes).toEqual([
      `queue:reclaim-task:${taskId}/0`,
      `queue:resolve-task:${taskId}/0`,
      `queue:create-artifact:${taskId}/0`,
    ]);

    const taskQueue = new tc.Queue({ rootUrl: h.lq.rootUrl, credentials: claim.credentials });
    const reclaim = await taskQueue.reclaimTask(taskId, 0);
    expect(Object.keys(reclaim).sort()).toEqual(['credentials', 'runId', 'status', 'takenUntil', 'workerGroup', 'workerId']);
    expect(Date.parse(reclaim.takenUntil)).toBeGreaterThanOrEqual(takenUntil);
    expect(reclaim.credentials.accessToken).not.toBe(claim.credentials.accessToken);

    // The new credentials work for resolution.
    const reclaimedQueue = new tc.Queue({ rootUrl: h.lq.rootUrl, credentials: reclaim.credentials });
    const done = await reclaimedQueue.reportCompleted(taskId, 0);
    expect(done.status.state).toBe('completed');
    expect(done.status.runs[0]).toMatchObject({ state: 'completed', reasonResolved: 'completed', ...WORKER });
    expect(done.status.runs[0].resolved).toBeDefined();
    expect(h.lq.taskState(taskId).state).toBe('completed');

    expect(h.messages.map((m) => m.exchange.replace('exchange/taskcluster-queue/v1/', ''))).toEqual([
      'task-defined',
      'task-pending',
      'task-running',
      'task-completed',
    ]);
    const completed = h.messages[3]!;
    expect(completed.routingKey).toBe(`primary.${taskId}.0.${WORKER.workerGroup}.${WORKER.workerId}.local-prov.test-worker.-.${taskId}._`);
    expect(completed.CCs).toEqual(['route.index.foo']);
    expect(completed.payload).toMatchObject({ version: 1, runId: 0, ...WORKER, task: { tags: { purpose: 'test' } } });
    expect(h.messages[0]!.routingKey).toBe(`primary.${taskId}._._._.local-prov.test-worker.-.${taskId}._`);
    expect(h.messages[2]!.payload).toMatchObject({ runId: 0, takenUntil: claim.takenUntil, ...WORKER });
  });

  it('returns the task definition with all defaults filled in', async () => {
    const taskId = await createTask(h, { taskQueueId: undefined, provisionerId: 'local-prov', workerType: 'test-worker' });
    const task = await h.queue.task(taskId);
    expect(task).toMatchObject({
      taskQueueId: TASK_QUEUE_ID,
      provisionerId: 'local-prov',
      workerType: 'test-worker',
      schedulerId: '-',
      projectId: 'none',
      taskGroupId: taskId,
      dependencies: [],
      requires: 'all-completed',
      routes: [],
      priority: 'lowest',
      retries: 5,
      scopes: [],
      tags: {},
      extra: {},
    });
    expect(Date.parse(task.expires) - Date.parse(task.deadline)).toBe(365 * 24 * 3600 * 1000);
    const status = await h.queue.status(taskId);
    expect(status.status).toMatchObject({ taskId, retriesLeft: 5, state: 'pending' });
  });

  it('accepts an identical createTask again and refuses a different one with 409', async () => {
    const taskId = tc.slugid();
    const def = taskDefinition();
    await h.queue.createTask(taskId, def);
    await expect(h.queue.createTask(taskId, def)).resolves.toMatchObject({ status: { taskId } });
    const err = await rejection(() => h.queue.createTask(taskId, { ...def, retries: 2 }));
    expect(err.statusCode).toBe(409);
    expect(err.code).toBe('RequestConflict');
  });

  it('rejects invalid task definitions with 400 naming the problem', async () => {
    const unknownField = await rejection(() => h.queue.createTask(tc.slugid(), taskDefinition({ bogus: 1 })));
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.code).toBe('InputValidationError');
    expect(unknownField.message).toContain("'bogus'");

    const mismatch = await rejection(() => h.queue.createTask(tc.slugid(), taskDefinition({ provisionerId: 'other' })));
    expect(mismatch).toMatchObject({ statusCode: 400, code: 'InputError' });

    const pastDeadline = await rejection(() => h.queue.createTask(tc.slugid(), taskDefinition({ deadline: tc.fromNowJSON('-1 minute') })));
    expect(pastDeadline).toMatchObject({ statusCode: 400, code: 'InputError' });
    expect(pastDeadline.message).toContain('deadline');

    const oldCreated = await rejection(() => h.queue.createTask(tc.slugid(), taskDefinition({ created: tc.fromNowJSON('-1 hour') })));
    expect(oldCreated.message).toContain('created');

    const upperCaseWorkerType = await rejection(() => h.queue.createTask(tc.slugid(), taskDefinition({ taskQueueId: 'prov/Upper' })));
    expect(upperCaseWorkerType.code).toBe('InputValidationError');
    expect(upperCaseWorkerType.message).toContain('taskQueueId');
    expect(upperCaseWorkerType.body.requestInfo).toMatchObject({ method: 'createTask' });
  });

  it('validates the claimWork body', async () => {
    const tooMany = await rejection(() => h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 33 }));
    expect(tooMany).toMatchObject({ statusCode: 400, code: 'InputValidationError' });
    expect(tooMany.message).toContain('tasks');
    const extra = await rejection(() => h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 1, capacity: 2 }));
    expect(extra.statusCode).toBe(400);
    expect(extra.message).toContain("'capacity'");
    const missing = await rejection(() => h.worker.claimWork(TASK_QUEUE_ID, { workerGroup: WORKER.workerGroup }));
    expect(missing.message).toContain("'workerId'");
  });

  it('answers 404 for unknown tasks and runs', async () => {
    expect((await rejection(() => h.queue.status(tc.slugid()))).statusCode).toBe(404);
    const { taskId, taskQueue } = await createAndClaim(h);
    expect((await rejection(() => h.queue.reclaimTask(taskId, 3))).statusCode).toBe(404);
    expect((await rejection(() => taskQueue.reportCompleted(taskId, 3))).statusCode).toBe(403);
    expect((await rejection(() => h.queue.reportCompleted(taskId, 3))).statusCode).toBe(404);
    expect((await rejection(() => h.queue.status('not-a-slug'))).code).toBe('InvalidRequestArguments');
  });

  it('hands out higher priority tasks first', async () => {
    const low = await createTask(h, { priority: 'low' });
    const high = await createTask(h, { priority: 'high' });
    const { tasks } = await h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 1 });
    expect(tasks[0].status.taskId).toBe(high);
    const next = await h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 1 });
    expect(next.tasks[0].status.taskId).toBe(low);
  });

  it('schedules a dependent task only once its dependency completed', async () => {
    const { taskId: dep, taskQueue } = await createAndClaim(h);
    const dependent = await createTask(h, { dependencies: [dep] });
    expect(h.lq.taskState(dependent)).toMatchObject({ state: 'unscheduled', runs: [] });
    await taskQueue.reportCompleted(dep, 0);
    expect(h.lq.taskState(dependent).state).toBe('pending');
  });

  it('claims with the deprecated claimTask, idempotently for the same worker', async () => {
    const taskId = await createTask(h);
    // The worker's credentials lack queue:claim-task:<provisionerId>/<workerType>.
    const denied = await rejection(() => h.worker.claimTask(taskId, 0, WORKER));
    expect(denied.statusCode).toBe(403);
    expect(denied.message).toContain('queue:claim-task:local-prov/test-worker');
    const claim = await h.queue.claimTask(taskId, 0, WORKER);
    expect(claim).toMatchObject({ runId: 0, ...WORKER, task: { taskQueueId: TASK_QUEUE_ID } });
    const again = await h.queue.claimTask(taskId, 0, WORKER);
    expect(again.takenUntil).toBe(claim.takenUntil);
    const other = await rejection(() => h.queue.claimTask(taskId, 0, { workerGroup: 'g2', workerId: 'w2' }));
    expect(other.statusCode).toBe(409);
  });
});
