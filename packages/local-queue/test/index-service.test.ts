// The minimal index service: LocalQueue.index.insert() and index.findTask over HTTP.

import tc from 'taskcluster-client';
import { rejection, startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

describe('index.findTask', () => {
  it('finds an inserted namespace, also anonymously, and answers 404 otherwise', async () => {
    const taskId = tc.slugid();
    h.lq.index.insert('project.images.builder.latest', taskId);
    const anonymous = new tc.Index({ rootUrl: h.lq.rootUrl, credentials: {} });
    await expect(anonymous.findTask('project.images.builder.latest')).resolves.toMatchObject({
      namespace: 'project.images.builder.latest',
      taskId,
      rank: 0,
      data: {},
    });
    const err = await rejection(() => anonymous.findTask('project.images.other'));
    expect(err).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });
});
