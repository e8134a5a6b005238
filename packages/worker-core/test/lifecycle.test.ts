import type { RequestEvent } from '@docker-worker/local-queue';
import { Harness, TEST_IMAGE } from './harness.js';

/** Run-scoped queue calls (anything under /task/<taskId>/runs/<runId>/). */
function runCalls(h: Harness, taskId: string): RequestEvent[] {
  return h.requests.filter((r) => r.path.includes(`/task/${taskId}/runs/`));
}

describe('how a task can end (outcome table, real engine and embedded queue)', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start({ claimTimeout: 4 });
    await h.startWorker({ capacity: 3 });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('maxRunTime: killed, timeout line, failed within 10 s', async () => {
    const started = Date.now();
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sleep', '60'], maxRunTime: 3 });
    const status = await h.waitResolved(taskId);
    expect(status.state).toBe('failed');
    expect(Date.now() - started).toBeLessThan(10_000);
    const text = await h.backingLog(taskId);
    expect(text).toContain('[taskcluster:error] Task timeout after 3 seconds. Force killing container.');
    expect(text).toMatch(/Unsuccessful task run with exit code: -1/);
  });

  it('reclaims keep a long task alive and rotate credentials: old ones are never used again', async () => {
    // claimTimeout 4 s: a reclaim every ~2 s, so a 7 s task needs three of them.
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'sleep 7; echo done'], maxRunTime: 60 });
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    const calls = runCalls(h, taskId).filter((r) => r.clientId?.startsWith('task-client/'));
    const reclaims = calls.filter((r) => r.name === 'reclaimTask');
    expect(reclaims.length).toBeGreaterThanOrEqual(2);
    const retired = new Set<string>();
    let current = calls[0]!.clientId!;
    for (const call of calls) {
      expect(retired.has(call.clientId!)).toBe(false);
      if (call.clientId !== current) {
        retired.add(current);
        current = call.clientId!;
      }
    }
    expect(retired.size).toBeGreaterThanOrEqual(2);
  });

  it('onExitStatus.retry: exit 36 → intermittent-task, and the queue schedules the next run', async () => {
    const { worker } = await h.startWorker({ capacity: 1, workerType: 'retry-only' }, { maxTasks: 1 });
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'exit 36'], maxRunTime: 60, onExitStatus: { retry: [36] } }, { workerType: 'retry-only', retries: 1 });
    await h.until('run 0 resolved', async () => (await h.client.status(taskId)).runs[0]!.state !== 'running' && (await h.client.status(taskId)).runs[0]!.state !== 'pending');
    await worker.finished();
    const status = await h.client.status(taskId);
    expect(status.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'intermittent-task' });
    expect(status.runs[1]).toMatchObject({ state: 'pending', reasonCreated: 'task-retry' });
  });

  it('a reclaim answered 409 (canceled): container stopped, no uploads, no resolution', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sleep', '600'], maxRunTime: 900 });
    await h.waitRunning(taskId);
    await h.until('container started', async () => (await h.containers()).length > 0);
    await h.client.cancelTask(taskId);
    const canceledAt = h.requests.length;
    // No Pulse here: the next reclaim (every ~2 s) must find out.
    await h.until('container gone', async () => (await h.containers()).length === 0, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    const status = await h.client.status(taskId);
    expect(status.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'canceled' });
    const after = runCalls(h, taskId).filter((r) => h.requests.indexOf(r) >= canceledAt);
    expect(after.map((r) => r.name).filter((n) => n !== 'reclaimTask')).toEqual([]);
  });

  it('a queue answering 500 three times to reportCompleted: the task still ends completed', async () => {
    h.queue.injectFault('reportCompleted', 500, 3);
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60 });
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    const reports = runCalls(h, taskId).filter((r) => r.name === 'reportCompleted');
    expect(reports.map((r) => r.status)).toEqual([500, 500, 500, 200]);
  });
});
