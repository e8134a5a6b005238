// Fault injection: the named API answers the next N calls with the given status and a
// proper error body; the real client retries 5xx and gives up on 4xx.

import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import tc from 'taskcluster-client';
import type { RequestEvent } from '../src/index.js';
import { createAndClaim, rawRequest, rejection, startHarness, type Harness } from './helpers.js';

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

  it('fails the data PUTs of s3 putUrls with s3.put, then accepts them', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const { putUrl } = await taskQueue.createArtifact(taskId, 0, 'public/a.txt', { storageType: 's3', expires: tc.fromNowJSON('1 day'), contentType: 'text/plain' });
    h.lq.injectFault('s3.put', 500, 2);
    const put = () => rawRequest(putUrl, { method: 'PUT', headers: { 'content-type': 'text/plain', 'content-length': '5' }, body: Buffer.from('hello') });
    expect((await put()).status).toBe(500);
    expect((await put()).status).toBe(500);
    expect((await put()).status).toBe(200);
    expect(requests.filter((e) => e.method === 'PUT' && e.path.startsWith('/_data/s3/')).map((e) => e.status)).toEqual([500, 500, 200]);
  });

  it('fails the object service data PUTs with object.put; the client upload retries through them', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const data = randomBytes(100_000);
    const res = await taskQueue.createArtifact(taskId, 0, 'public/b.bin', { storageType: 'object', expires: tc.fromNowJSON('1 day'), contentType: 'application/octet-stream' });
    h.lq.injectFault('object.put', 503, 2);
    await tc.upload({
      projectId: res.projectId,
      name: res.name,
      contentType: 'application/octet-stream',
      contentLength: data.length,
      expires: res.expires,
      uploadId: res.uploadId,
      object: new tc.Object({ rootUrl: h.lq.rootUrl, credentials: res.credentials }),
      streamFactory: () => Readable.from([data]),
      retries: 3,
      delayFactor: 10,
    });
    await taskQueue.finishArtifact(taskId, 0, 'public/b.bin', { uploadId: res.uploadId });
    expect(requests.filter((e) => e.method === 'PUT' && e.path.startsWith('/_data/object/')).map((e) => e.status)).toEqual([503, 503, 200]);
  });
});
