// Roles over HTTP: auth.expandScopes with the claim's credentials (what the worker calls before
// checking a payload's scopes), role patterns and recursion, and the roles a client's or a
// task's scopes assume counting in every other route's scope check.

import tc from 'taskcluster-client';
import { createAndClaim, rejection, startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({
    roles: {
      'project:ci': ['docker-worker:cache:ci-*', 'assume:project:ci:shared'],
      'project:ci:shared': ['docker-worker:capability:privileged'],
      'repo:example.com/org/*': ['queue:get-artifact:private/org/*'],
      'unrelated': ['secrets:get:nope'],
    },
  });
});
afterEach(async () => {
  await h.stop();
});

describe('roles and auth.expandScopes', () => {
  it('expands a task\'s scopes with its claim credentials, recursively and through role patterns', async () => {
    const { claim } = await createAndClaim(h, { scopes: ['assume:project:ci', 'assume:repo:example.com/org/app:branch:main'] });
    const auth = new tc.Auth({ rootUrl: h.lq.rootUrl, credentials: claim.credentials });
    const { scopes } = (await auth.expandScopes({ scopes: claim.task.scopes })) as { scopes: string[] };
    expect(scopes).toEqual(
      expect.arrayContaining([
        'assume:project:ci',
        'docker-worker:cache:ci-*',
        'assume:project:ci:shared',
        'docker-worker:capability:privileged',
        'queue:get-artifact:private/org/*',
      ]),
    );
    expect(scopes).not.toContain('secrets:get:nope');
  });

  it('a star scope assumes every role it covers; scopes without roles come back as they are', async () => {
    const auth = new tc.Auth({ rootUrl: h.lq.rootUrl, credentials: h.lq.credentials });
    const star = (await auth.expandScopes({ scopes: ['assume:project:*'] })) as { scopes: string[] };
    expect(star.scopes).toEqual(expect.arrayContaining(['docker-worker:cache:ci-*', 'docker-worker:capability:privileged']));
    expect(star.scopes).not.toContain('queue:get-artifact:private/org/*');
    const plain = (await auth.expandScopes({ scopes: ['docker-worker:cache:x'] })) as { scopes: string[] };
    expect(plain.scopes).toEqual(['docker-worker:cache:x']);
  });

  it('is open to anonymous callers, as deployments grant auth:expand-scopes to the anonymous role, and checks its input', async () => {
    const anonymous = new tc.Auth({ rootUrl: h.lq.rootUrl });
    await expect(anonymous.expandScopes({ scopes: ['assume:project:ci:shared'] })).resolves.toEqual({
      scopes: ['assume:project:ci:shared', 'docker-worker:capability:privileged'],
    });
    const bad = await rejection(() => anonymous.expandScopes({ scopes: 'assume:project:ci' }));
    expect(bad.statusCode).toBe(400);
  });

  it('counts the roles a client assumes in the queue\'s own scope checks', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    await taskQueue.createArtifact(taskId, 0, 'private/org/image.tar', {
      storageType: 'reference',
      expires: tc.fromNowJSON('1 day'),
      url: 'https://example.com/img',
      contentType: 'application/x-tar',
    });
    const member = new tc.Queue({ rootUrl: h.lq.rootUrl, credentials: h.lq.createClient('member', ['assume:repo:example.com/org/app:pr']) });
    await expect(member.getArtifact(taskId, 0, 'private/org/image.tar')).resolves.toMatchObject({ storageType: 'reference' });
    const outsider = new tc.Queue({ rootUrl: h.lq.rootUrl, credentials: h.lq.createClient('outsider', ['assume:repo:example.com/other/app']) });
    expect((await rejection(() => outsider.getArtifact(taskId, 0, 'private/org/image.tar'))).statusCode).toBe(403);
  });

  it('takes roles set after start', async () => {
    h.lq.setRole('late', ['queue:status:*']);
    const auth = new tc.Auth({ rootUrl: h.lq.rootUrl });
    await expect(auth.expandScopes({ scopes: ['assume:late'] })).resolves.toEqual({ scopes: ['assume:late', 'queue:status:*'] });
  });
});
