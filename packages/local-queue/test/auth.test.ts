// Hawk authentication and scope checks over HTTP: per-task temporary credentials, wrong
// keys, limited clients, authorizedScopes, expired certificates, signed URLs, anonymous reads.

import tc from 'taskcluster-client';
import { createAndClaim, createTask, queueWith, rawRequest, rejection, startHarness, TASK_QUEUE_ID, WORKER, type Harness } from './helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ claimTimeout: 60 });
});
afterEach(async () => {
  await h.stop();
});

const inOneDay = () => tc.fromNowJSON('1 day');

describe('authentication and scopes', () => {
  it('lets the claim credentials resolve their own task but not touch another (403)', async () => {
    const first = await createAndClaim(h);
    const second = await createAndClaim(h);
    const denied = await rejection(() => first.taskQueue.reportCompleted(second.taskId, 0));
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe('InsufficientScopes');
    expect(denied.message).toContain(`queue:resolve-task:${second.taskId}/0`);
    const artifactDenied = await rejection(() =>
      first.taskQueue.createArtifact(second.taskId, 0, 'public/x', { storageType: 'error', expires: inOneDay(), reason: 'file-missing-on-worker', message: 'm' }),
    );
    expect(artifactDenied.statusCode).toBe(403);
    expect(h.lq.taskState(second.taskId).state).toBe('running');
    await expect(first.taskQueue.reportCompleted(first.taskId, 0)).resolves.toMatchObject({ status: { state: 'completed' } });
  });

  it('gives the task its own scopes through the claim credentials', async () => {
    const { claim } = await createAndClaim(h, { scopes: ['secrets:get:project/foo', 'queue:get-artifact:private/*'] });
    expect(JSON.parse(claim.credentials.certificate).scopes).toEqual(expect.arrayContaining(['secrets:get:project/foo', 'queue:get-artifact:private/*']));
  });

  it('refuses a wrong access token with 401', async () => {
    const bad = queueWith(h, { clientId: h.lq.credentials.clientId, accessToken: 'x'.repeat(44) });
    const err = await rejection(() => bad.status(tc.slugid()));
    expect(err.statusCode).toBe(401);
    expect(err.code).toBe('AuthenticationFailed');
    const unknown = queueWith(h, { clientId: 'nobody', accessToken: 'x'.repeat(44) });
    expect((await rejection(() => unknown.status(tc.slugid()))).statusCode).toBe(401);
  });

  it('refuses a tampered certificate and an expired one with 401', async () => {
    const { taskId, claim } = await createAndClaim(h);
    const cert = JSON.parse(claim.credentials.certificate);
    cert.scopes.push('queue:resolve-task:*');
    const tampered = queueWith(h, { ...claim.credentials, certificate: JSON.stringify(cert) });
    expect((await rejection(() => tampered.reportCompleted(taskId, 0))).statusCode).toBe(401);

    const expired = tc.createTemporaryCredentials({
      start: new Date(Date.now() - 2 * 3600_000),
      expiry: new Date(Date.now() - 3600_000),
      scopes: ['*'],
      credentials: h.lq.credentials,
    });
    const err = await rejection(() => queueWith(h, expired).reportCompleted(taskId, 0));
    expect(err.statusCode).toBe(401);
    expect(err.message).toContain('expired');

    // Within the 5-minute grace period the certificate is still honoured.
    const justExpired = tc.createTemporaryCredentials({
      start: new Date(Date.now() - 3600_000),
      expiry: new Date(Date.now() - 60_000),
      scopes: [`queue:resolve-task:${taskId}/0`],
      credentials: h.lq.credentials,
    });
    await expect(queueWith(h, justExpired).reportCompleted(taskId, 0)).resolves.toMatchObject({ status: { state: 'completed' } });
  });

  it('checks a limited client against the scope expression, naming what is missing', async () => {
    const creds = h.lq.createClient('limited', ['queue:create-task:lowest:local-prov/*', 'queue:scheduler-id:-']);
    const limited = queueWith(h, creds);
    const err = await rejection(() =>
      limited.createTask(tc.slugid(), {
        taskQueueId: TASK_QUEUE_ID,
        created: new Date().toJSON(),
        deadline: tc.fromNowJSON('1 hour'),
        payload: {},
        metadata: { name: 'n', description: 'd', owner: 'o@example.com', source: 'https://example.com' },
        scopes: ['secrets:get:x'],
      }),
    );
    expect(err.statusCode).toBe(403);
    expect(err.message).toContain('secrets:get:x');
    expect(err.message).toContain('queue:create-task:project:none');
    // A higher-priority create-task scope also allows lower priorities.
    const strong = queueWith(h, h.lq.createClient('strong', ['queue:create-task:high:local-prov/test-worker', 'queue:create-task:project:*', 'queue:scheduler-id:-']));
    await expect(
      strong.createTask(tc.slugid(), {
        taskQueueId: TASK_QUEUE_ID,
        created: new Date().toJSON(),
        deadline: tc.fromNowJSON('1 hour'),
        priority: 'low',
        payload: {},
        metadata: { name: 'n', description: 'd', owner: 'o@example.com', source: 'https://example.com' },
      }),
    ).resolves.toBeDefined();
  });

  it('requires both claim-work and worker-id scopes for claimWork', async () => {
    const err = await rejection(() => h.worker.claimWork(TASK_QUEUE_ID, { workerGroup: 'someone', workerId: 'else', tasks: 1 }));
    expect(err.statusCode).toBe(403);
    expect(err.message).toContain('queue:worker-id:someone/else');
    const otherQueue = await rejection(() => h.worker.claimWork('local-prov/other', { ...WORKER, tasks: 1 }));
    expect(otherQueue.message).toContain('queue:claim-work:local-prov/other');
  });

  it('honours authorizedScopes and refuses ones that overstep', async () => {
    const taskId = await createTask(h);
    const narrowed = new tc.Queue({ rootUrl: h.lq.rootUrl, credentials: h.lq.credentials, authorizedScopes: ['queue:status:*'] });
    await expect(narrowed.status(taskId)).resolves.toBeDefined();
    expect((await rejection(() => narrowed.task(taskId))).statusCode).toBe(403);
    const limited = h.lq.createClient('narrow', ['queue:status:*']);
    const overstep = new tc.Queue({ rootUrl: h.lq.rootUrl, credentials: limited, authorizedScopes: ['queue:get-task:*'] });
    expect((await rejection(() => overstep.task(taskId))).statusCode).toBe(401);
  });

  it('serves anonymous reads of status and public artifacts only', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const anonymous = queueWith(h, {});
    await expect(anonymous.status(taskId)).resolves.toMatchObject({ status: { taskId } });
    for (const name of ['public/ref', 'private/ref']) {
      await taskQueue.createArtifact(taskId, 0, name, { storageType: 'reference', expires: inOneDay(), url: 'https://example.com/', contentType: 'text/plain' });
    }
    await expect(anonymous.getArtifact(taskId, 0, 'public/ref')).resolves.toMatchObject({ storageType: 'reference' });
    const err = await rejection(() => anonymous.getArtifact(taskId, 0, 'private/ref'));
    expect(err.statusCode).toBe(403);
    expect(err.message).toContain('queue:get-artifact:private/ref');
    expect((await rejection(() => anonymous.reportCompleted(taskId, 0))).statusCode).toBe(403);
  });

  it('accepts signed URLs (bewit) for GET, and refuses altered ones', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    await taskQueue.createArtifact(taskId, 0, 'private/image.tar', { storageType: 'reference', expires: inOneDay(), url: 'https://example.com/img', contentType: 'application/x-tar' });
    // Sign with the task's temporary credentials (certificate carried in the bewit's ext).
    const reader = queueWith(h, tc.createTemporaryCredentials({ expiry: new Date(Date.now() + 3600_000), scopes: ['queue:get-artifact:private/*'], credentials: h.lq.credentials }));
    const url: string = reader.buildSignedUrl(reader.getLatestArtifact, taskId, 'private/image.tar');
    const ok = await rawRequest(url);
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('https://example.com/img');
    const altered = await rawRequest(url.replace('image.tar', 'image.taz'));
    expect(altered.status).toBe(401);
    const unsigned = await rawRequest(url.split('?')[0]!);
    expect(unsigned.status).toBe(403);
  });
});
