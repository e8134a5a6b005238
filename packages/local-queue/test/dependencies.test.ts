// Task dependencies over real HTTP with the real client, as the real queue keeps them:
// unscheduled until `requires` is met, scheduleTask, listDependentTasks, and a task that can
// never be scheduled waiting until its deadline.

import tc from 'taskcluster-client';
import { createTask, queueWith, rejection, startHarness, taskDefinition, TASK_QUEUE_ID, WORKER, type Harness } from './helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ claimTimeout: 60 });
});
afterEach(async () => {
  await h.stop();
});

/** Claims the one pending task and resolves it as given. */
async function resolveNext(outcome: 'completed' | 'failed' | 'exception'): Promise<string> {
  const { tasks } = await h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 1 });
  expect(tasks).toHaveLength(1);
  const claim = tasks[0];
  const q = new tc.Queue({ rootUrl: h.lq.rootUrl, credentials: claim.credentials });
  if (outcome === 'completed') await q.reportCompleted(claim.status.taskId, claim.runId);
  else if (outcome === 'failed') await q.reportFailed(claim.status.taskId, claim.runId);
  else await q.reportException(claim.status.taskId, claim.runId, { reason: 'malformed-payload' });
  return claim.status.taskId as string;
}

const state = async (taskId: string) => ((await h.queue.status(taskId)) as { status: { state: string } }).status.state;

describe('dependencies', () => {
  it('all-completed: unscheduled until every dependency completed, then pending', async () => {
    const a = await createTask(h, { retries: 0 });
    const b = await createTask(h, { retries: 0 });
    const after = await createTask(h, { dependencies: [a, b] });
    expect(await state(after)).toBe('unscheduled');
    expect(await resolveNext('completed')).toBe(a);
    expect(await state(after)).toBe('unscheduled');
    expect(await resolveNext('completed')).toBe(b);
    expect(await state(after)).toBe('pending');
  });

  it('all-completed with a failed dependency stays unscheduled (until its deadline); all-resolved is scheduled', async () => {
    const dep = await createTask(h, { retries: 0 });
    const needsSuccess = await createTask(h, { dependencies: [dep] });
    const anyOutcome = await createTask(h, { dependencies: [dep], requires: 'all-resolved' });
    await resolveNext('failed');
    expect(await state(needsSuccess)).toBe('unscheduled');
    expect(await state(anyOutcome)).toBe('pending');
  });

  it('an exception with retries left is not resolved yet: dependents wait for the retry', async () => {
    const dep = await createTask(h, { retries: 1 });
    const anyOutcome = await createTask(h, { dependencies: [dep], requires: 'all-resolved' });
    const { tasks } = await h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 1 });
    await new tc.Queue({ rootUrl: h.lq.rootUrl, credentials: tasks[0].credentials }).reportException(dep, 0, { reason: 'worker-shutdown' });
    expect(await state(dep)).toBe('pending');
    expect(await state(anyOutcome)).toBe('unscheduled');
    await resolveNext('exception');
    expect(await state(anyOutcome)).toBe('pending');
  });

  it('a dependency resolved before the dependent was created counts', async () => {
    const dep = await createTask(h);
    await resolveNext('completed');
    const after = await createTask(h, { dependencies: [dep] });
    expect(await state(after)).toBe('pending');
  });

  it('a task depending on itself waits for scheduleTask; scheduleTask is idempotent', async () => {
    const taskId = tc.slugid();
    await h.queue.createTask(taskId, taskDefinition({ dependencies: [taskId] }));
    expect(await state(taskId)).toBe('unscheduled');
    const scheduled = (await h.queue.scheduleTask(taskId)) as { status: { state: string; runs: unknown[] } };
    expect(scheduled.status.state).toBe('pending');
    const again = (await h.queue.scheduleTask(taskId)) as { status: { runs: unknown[] } };
    expect(again.status.runs).toHaveLength(1);
  });

  it('scheduleTask needs its scopes', async () => {
    const dep = await createTask(h);
    const after = await createTask(h, { dependencies: [dep] });
    const nobody = queueWith(h, {});
    expect(await rejection(() => nobody.scheduleTask(after))).toMatchObject({ statusCode: 403, code: 'InsufficientScopes' });
  });

  it('refuses a dependency that does not exist', async () => {
    expect(await rejection(() => h.queue.createTask(tc.slugid(), taskDefinition({ dependencies: [tc.slugid()] })))).toMatchObject({ statusCode: 400 });
  });

  it('listDependentTasks: every dependent with its status and definition, in pages with a continuation token', async () => {
    const dep = await createTask(h);
    const dependents = [];
    for (let i = 0; i < 3; i++) dependents.push(await createTask(h, { dependencies: [dep] }));
    await createTask(h);
    // Anonymous, as in a deployment (queue:list-dependent-tasks:*).
    const anonymous = queueWith(h, {});
    const all = (await anonymous.listDependentTasks(dep)) as { taskId: string; tasks: Array<{ status: { taskId: string; state: string }; task: { dependencies: string[] } }>; continuationToken?: string };
    expect(all.taskId).toBe(dep);
    expect(all.tasks.map((t) => t.status.taskId)).toEqual(dependents);
    expect(all.tasks[0]!.status.state).toBe('unscheduled');
    expect(all.tasks[0]!.task.dependencies).toEqual([dep]);
    expect(all.continuationToken).toBeUndefined();
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = (await anonymous.listDependentTasks(dep, { limit: 2, ...(token && { continuationToken: token }) })) as typeof all;
      expect(page.tasks.length).toBeLessThanOrEqual(2);
      seen.push(...page.tasks.map((t) => t.status.taskId));
      token = page.continuationToken;
    } while (token);
    expect(seen).toEqual(dependents);
    expect(await rejection(() => anonymous.listDependentTasks(dep, { continuationToken: 'bogus' }))).toMatchObject({ statusCode: 400 });
    expect(await rejection(() => anonymous.listDependentTasks(tc.slugid()))).toMatchObject({ statusCode: 404 });
  });

  it('rerunTask: a new run of a resolved task with its retries reset; a no-op while pending; schedules an unscheduled task', async () => {
    const taskId = await createTask(h, { retries: 2 });
    expect(((await h.queue.rerunTask(taskId)) as { status: { runs: unknown[] } }).status.runs).toHaveLength(1);
    await resolveNext('completed');
    const rerun = (await h.queue.rerunTask(taskId)) as { status: { state: string; retriesLeft: number; runs: Array<{ reasonCreated: string }> } };
    expect([rerun.status.state, rerun.status.retriesLeft, rerun.status.runs.map((r) => r.reasonCreated)]).toEqual(['pending', 2, ['scheduled', 'rerun']]);
    const dep = await createTask(h);
    const blocked = await createTask(h, { dependencies: [dep] });
    expect(((await h.queue.rerunTask(blocked)) as { status: { state: string } }).status.state).toBe('pending');
    expect(await rejection(() => queueWith(h, {}).rerunTask(taskId))).toMatchObject({ statusCode: 403 });
  });
});
