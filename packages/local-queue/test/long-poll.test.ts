// claimWork's long poll: early wake-up when work arrives, exactly-once hand-out to
// concurrent pollers, and no claims for clients that went away.

import { request } from 'node:http';
import hawk from 'hawk';
import { createTask, startHarness, TASK_QUEUE_ID, WORKER, waitFor, sleep, type Harness } from './helpers.js';
import type { RequestEvent } from '../src/index.js';

let h: Harness;
afterEach(async () => {
  await h.stop();
});

describe('claimWork long poll', () => {
  it('waits about longPollSeconds and returns no tasks when there is no work', async () => {
    h = await startHarness({ longPollSeconds: 1 });
    const started = Date.now();
    const res = await h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 1 });
    expect(res).toEqual({ tasks: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('returns early when a task is created mid-poll', async () => {
    h = await startHarness({ longPollSeconds: 10 });
    const started = Date.now();
    const poll = h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 1 });
    await sleep(200);
    const taskId = await createTask(h);
    const res = await poll;
    expect(res.tasks.map((t: { status: { taskId: string } }) => t.status.taskId)).toEqual([taskId]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('does not wake for work in another task queue', async () => {
    h = await startHarness({ longPollSeconds: 1 });
    const poll = h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 1 });
    await sleep(100);
    const other = await createTask(h, { taskQueueId: 'local-prov/other-type' });
    expect((await poll).tasks).toEqual([]);
    expect(h.lq.taskState(other).state).toBe('pending');
  });

  it('hands each task to exactly one of many concurrent pollers', async () => {
    h = await startHarness({ longPollSeconds: 1 });
    const pollers = Array.from({ length: 6 }, () => h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 2 }));
    await sleep(150);
    const taskIds = await Promise.all(Array.from({ length: 10 }, () => createTask(h)));
    const results = await Promise.all(pollers);
    const claimed: string[] = results.flatMap((r: { tasks: { status: { taskId: string } }[] }) => r.tasks.map((t) => t.status.taskId));
    // Pollers woken by the first tasks may return before the rest exist; claim the remainder.
    for (;;) {
      const more = await h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 32 });
      if (more.tasks.length === 0) break;
      claimed.push(...more.tasks.map((t: { status: { taskId: string } }) => t.status.taskId));
    }
    expect(claimed).toHaveLength(10);
    expect(new Set(claimed)).toEqual(new Set(taskIds));
    for (const taskId of taskIds) expect(h.lq.taskState(taskId).runs).toHaveLength(1);
    expect(h.messages.filter((m) => m.exchange.endsWith('task-running'))).toHaveLength(10);
  });

  it('does not claim for a client that disconnected while waiting', async () => {
    h = await startHarness({ longPollSeconds: 5 });
    const requests: RequestEvent[] = [];
    h.lq.events.on('request', (e: RequestEvent) => requests.push(e));
    const url = `${h.lq.rootUrl}/api/queue/v1/claim-work/${encodeURIComponent(TASK_QUEUE_ID)}`;
    const { clientId, accessToken } = h.lq.credentials;
    const authorization = hawk.client.header(url, 'POST', { credentials: { id: clientId, key: accessToken, algorithm: 'sha256' } }).header;
    const body = JSON.stringify({ ...WORKER, tasks: 1 });
    const req = request(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    req.on('error', () => {});
    req.end(body);
    await sleep(200);
    req.destroy();
    // The abandoned poll ends (it was authenticated and waiting, not refused).
    await waitFor(() => requests.some((e) => e.name === 'claimWork'));
    expect(requests.find((e) => e.name === 'claimWork')).toMatchObject({ status: 200, clientId });
    const taskId = await createTask(h);
    await sleep(100);
    expect(h.lq.taskState(taskId).state).toBe('pending');
  });

  it('answers open polls with no tasks when stopped', async () => {
    h = await startHarness({ longPollSeconds: 20 });
    const started = Date.now();
    const poll = h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 1 });
    await sleep(200);
    await h.stop();
    expect(await poll).toEqual({ tasks: [] });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
