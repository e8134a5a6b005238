// Fault injection: the named API answers the next N calls with the given status and a
// proper error body; the real client retries 5xx and gives up on 4xx.

import type { RequestEvent } from '../src/index.js';
import { createAndClaim, rejection, startHarness, type Harness } from './helpers.js';

let h: Harness;
let requests: RequestEvent[];
beforeEach(async () => {
  h = await startHarness({ claimTimeout: 60 });
  requests = [];
  h.lq.events.on('request', (e: RequestEvent) => requests.push(e));
});
afterEach(async () => {
  await h.stop();
});

describe('fault injection', () => {
  it('answers reportCompleted with 500 twice, then the retrying client succeeds', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    h.lq.injectFault('reportCompleted', 500, 2);
    const res = await taskQueue.reportCompleted(taskId, 0);
    expect(res.status.state).toBe('completed');
    expect(requests.filter((e) => e.name === 'reportCompleted').map((e) => e.status)).toEqual([500, 500, 200]);
    expect(requests.find((e) => e.name === 'reportCompleted')!.clientId).toBeUndefined();
    expect(requests[requests.length - 1]!.clientId).toMatch(/^task-client\//);
  });

  it('gives up when the fault outlasts the retries, with the error body of the status', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    h.lq.injectFault('queue.reclaimTask', 503, 10);
    const err = await rejection(() => taskQueue.use({ retries: 1 }).reclaimTask(taskId, 0));
    expect(err.statusCode).toBe(503);
    expect(requests.filter((e) => e.name === 'reclaimTask')).toHaveLength(2);
  });

  it('does not retry injected 4xx answers', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    h.lq.injectFault('reportFailed', 409, 1);
    const err = await rejection(() => taskQueue.reportFailed(taskId, 0));
    expect(err).toMatchObject({ statusCode: 409, code: 'RequestConflict' });
    expect(err.body).toMatchObject({ code: 'RequestConflict', requestInfo: { method: 'reportFailed' } });
    await expect(taskQueue.reportFailed(taskId, 0)).resolves.toMatchObject({ status: { state: 'failed' } });
  });
});
