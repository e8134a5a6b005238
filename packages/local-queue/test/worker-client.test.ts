// The worker's own client: exactly the scopes a deployment gives a worker client, read off the
// API reference of the calls it makes with it, plus the anonymous role's. Anything more fails.

import tc from 'taskcluster-client';
import { workerScopes } from '../src/index.js';
import { CLIENT_OPTIONS, createTask, rejection, startHarness, taskDefinition, TASK_QUEUE_ID, type Harness } from './helpers.js';

const WORKER = { provisionerId: 'local-prov', workerType: 'test-worker', workerGroup: 'g1', workerId: 'w1' };

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ claimTimeout: 60 });
});
afterEach(async () => {
  await h.stop();
});

describe('the worker client', () => {
  it('holds the claim-work, worker-id, purge-requests (two colons) and claim-task scopes, nothing else', () => {
    expect(workerScopes(WORKER)).toEqual([
      'queue:claim-work:local-prov/test-worker',
      'queue:worker-id:g1/w1',
      'purge-cache:purge-requests::local-prov/test-worker',
      'queue:claim-task:local-prov/test-worker',
    ]);
  });

  it('may claim, poll purges and read tasks of its own pool; everything else is refused (403)', async () => {
    const credentials = h.lq.createWorkerClient(WORKER);
    const queue = new tc.Queue({ rootUrl: h.lq.rootUrl, credentials, ...CLIENT_OPTIONS });
    const purgeCache = new tc.PurgeCache({ rootUrl: h.lq.rootUrl, credentials, ...CLIENT_OPTIONS });

    const first = await createTask(h);
    const claimed = (await queue.claimWork(TASK_QUEUE_ID, { workerGroup: 'g1', workerId: 'w1', tasks: 1 })) as { tasks: { status: { taskId: string } }[] };
    expect(claimed.tasks.map((c) => c.status.taskId)).toEqual([first]);
    // Superseding claims a named run.
    const second = await createTask(h);
    await expect(queue.claimTask(second, 0, { workerGroup: 'g1', workerId: 'w1' })).resolves.toMatchObject({ status: { taskId: second } });
    await expect(purgeCache.purgeRequests('local-prov/test-worker')).resolves.toEqual({ requests: [] });
    // The anonymous role's: task definitions and status.
    await expect(queue.status(first)).resolves.toMatchObject({ status: { state: 'running' } });
    await expect(queue.task(first)).resolves.toMatchObject({ taskQueueId: TASK_QUEUE_ID });

    const otherId = await rejection(() => queue.claimWork(TASK_QUEUE_ID, { workerGroup: 'g1', workerId: 'w2', tasks: 1 }));
    expect([otherId.statusCode, otherId.message]).toEqual([403, expect.stringContaining('queue:worker-id:g1/w2')]);
    const otherQueue = await rejection(() => queue.claimWork('local-prov/other', { workerGroup: 'g1', workerId: 'w1', tasks: 1 }));
    expect([otherQueue.statusCode, otherQueue.message]).toEqual([403, expect.stringContaining('queue:claim-work:local-prov/other')]);
    const otherPool = await rejection(() => purgeCache.purgeRequests('local-prov/other'));
    expect([otherPool.statusCode, otherPool.message]).toEqual([403, expect.stringContaining('purge-cache:purge-requests::local-prov/other')]);
    expect((await rejection(() => queue.createTask(tc.slugid(), taskDefinition()))).statusCode).toBe(403);
    expect((await rejection(() => queue.reportCompleted(first, 0))).statusCode).toBe(403);
    expect((await rejection(() => purgeCache.purgeCache('local-prov/test-worker', { cacheName: 'x' }))).statusCode).toBe(403);
  });
});
