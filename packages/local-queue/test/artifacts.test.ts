// Artifacts over HTTP, queue and object service: every storage type, uploads through putUrls and the
// object service, downloads through the 303 Location, names with slashes, and the
// idempotency and conflict rules.

import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { gzipSync, gunzipSync } from 'node:zlib';
import tc, { type TcClient } from 'taskcluster-client';
import { createAndClaim, rawRequest, rejection, startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ claimTimeout: 60 });
});
afterEach(async () => {
  await h.stop();
});

const inOneDay = () => tc.fromNowJSON('1 day');

describe('reference, error and link artifacts', () => {
  it('redirects a reference artifact (303) to its url and publishes artifact-created', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const res = await taskQueue.createArtifact(taskId, 0, 'public/logs/live.log', {
      storageType: 'reference',
      expires: inOneDay(),
      url: 'http://localhost:60023/log/abc',
      contentType: 'text/plain; charset=utf-8',
    });
    expect(res).toEqual({ storageType: 'reference' });
    await expect(h.queue.getArtifact(taskId, 0, 'public/logs/live.log')).resolves.toEqual({ storageType: 'reference', url: 'http://localhost:60023/log/abc' });
    const raw = await rawRequest(`${h.lq.rootUrl}/api/queue/v1/task/${taskId}/artifacts/public/logs/live.log`);
    expect(raw.status).toBe(303);
    expect(raw.headers.location).toBe('http://localhost:60023/log/abc');
    expect(raw.headers['x-taskcluster-artifact-storage-type']).toBe('reference');
    const created = h.messages.find((m) => m.exchange.endsWith('artifact-created'))!;
    expect(created.payload).toMatchObject({
      runId: 0,
      artifact: { storageType: 'reference', name: 'public/logs/live.log', contentType: 'text/plain; charset=utf-8' },
    });
    // A reference may be repointed, and replaced by a link.
    await taskQueue.createArtifact(taskId, 0, 'public/logs/live.log', { storageType: 'reference', expires: inOneDay(), url: 'http://other/', contentType: 'text/plain' });
    await expect(h.queue.getLatestArtifact(taskId, 'public/logs/live.log')).resolves.toMatchObject({ url: 'http://other/' });
  });

  it('answers 424 with reason and message for error artifacts', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    await taskQueue.createArtifact(taskId, 0, 'public/missing.txt', {
      storageType: 'error',
      expires: inOneDay(),
      reason: 'file-missing-on-worker',
      message: 'no such file /missing.txt',
    });
    const err = await rejection(() => h.queue.getArtifact(taskId, 0, 'public/missing.txt'));
    expect(err.statusCode).toBe(424);
    expect(err.body).toEqual({ reason: 'file-missing-on-worker', message: 'no such file /missing.txt' });
    await expect(h.queue.artifact(taskId, 0, 'public/missing.txt')).resolves.toEqual({
      storageType: 'error',
      reason: 'file-missing-on-worker',
      message: 'no such file /missing.txt',
    });
  });

  it('follows links, and refuses cycles with 400', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const expires = inOneDay();
    await taskQueue.createArtifact(taskId, 0, 'public/logs/live_backing.log', { storageType: 'reference', expires, url: 'http://backing/', contentType: 'text/plain' });
    await taskQueue.createArtifact(taskId, 0, 'public/logs/live.log', { storageType: 'reference', expires, url: 'http://live/', contentType: 'text/plain' });
    // At task end the live log becomes a link to the backing log.
    await taskQueue.createArtifact(taskId, 0, 'public/logs/live.log', { storageType: 'link', expires, artifact: 'public/logs/live_backing.log', contentType: 'text/plain' });
    await expect(h.queue.getArtifact(taskId, 0, 'public/logs/live.log')).resolves.toEqual({ storageType: 'reference', url: 'http://backing/' });
    await expect(h.queue.artifactInfo(taskId, 0, 'public/logs/live.log')).resolves.toMatchObject({ storageType: 'link', name: 'public/logs/live.log' });

    // Reading through a link needs scopes for every name on the chain.
    await taskQueue.createArtifact(taskId, 0, 'private/secret', { storageType: 'reference', expires, url: 'http://secret/', contentType: 'text/plain' });
    await taskQueue.createArtifact(taskId, 0, 'public/alias', { storageType: 'link', expires, artifact: 'private/secret' });
    const anonymous = new tc.Queue({ rootUrl: h.lq.rootUrl, credentials: {} });
    expect((await rejection(() => anonymous.getArtifact(taskId, 0, 'public/alias'))).statusCode).toBe(403);

    await taskQueue.createArtifact(taskId, 0, 'public/a', { storageType: 'link', expires, artifact: 'public/b' });
    await taskQueue.createArtifact(taskId, 0, 'public/b', { storageType: 'link', expires, artifact: 'public/a' });
    expect((await rejection(() => h.queue.getArtifact(taskId, 0, 'public/a'))).statusCode).toBe(400);
    expect((await rejection(() => h.queue.getArtifact(taskId, 0, 'public/nothing'))).statusCode).toBe(404);
  });

  it('applies the idempotency and conflict rules', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const expires = inOneDay();
    const error = { storageType: 'error', expires, reason: 'file-missing-on-worker', message: 'gone' };
    await taskQueue.createArtifact(taskId, 0, 'public/e', error);
    await expect(taskQueue.createArtifact(taskId, 0, 'public/e', error)).resolves.toEqual({ storageType: 'error' });
    expect((await rejection(() => taskQueue.createArtifact(taskId, 0, 'public/e', { ...error, message: 'other' }))).statusCode).toBe(409);
    expect((await rejection(() => taskQueue.createArtifact(taskId, 0, 'public/e', { storageType: 's3', expires, contentType: 'text/plain' }))).statusCode).toBe(409);

    await taskQueue.createArtifact(taskId, 0, 'public/s', { storageType: 's3', expires, contentType: 'text/plain' });
    const longer = tc.fromNowJSON('2 days');
    const again = await taskQueue.createArtifact(taskId, 0, 'public/s', { storageType: 's3', expires: longer, contentType: 'text/plain' });
    expect(again.expires).toBe(longer);
    expect((await rejection(() => taskQueue.createArtifact(taskId, 0, 'public/s', { storageType: 's3', expires, contentType: 'text/html' }))).statusCode).toBe(409);
  });

  it('validates createArtifact: body, expires, unclaimed runs, resolved runs', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const badBody = await rejection(() => taskQueue.createArtifact(taskId, 0, 'public/x', { storageType: 's3', expires: inOneDay(), contentType: 'text/plain', extra: 1 }));
    expect(badBody).toMatchObject({ statusCode: 400, code: 'InputValidationError' });
    const unknownType = await rejection(() => taskQueue.createArtifact(taskId, 0, 'public/x', { storageType: 'azure', expires: inOneDay() }));
    expect(unknownType.statusCode).toBe(400);
    const tooLate = await rejection(() =>
      taskQueue.createArtifact(taskId, 0, 'public/x', { storageType: 's3', expires: tc.fromNowJSON('2 years'), contentType: 'text/plain' }),
    );
    expect(tooLate).toMatchObject({ statusCode: 400, code: 'InputError' });
    const past = await rejection(() => taskQueue.createArtifact(taskId, 0, 'public/x', { storageType: 's3', expires: tc.fromNowJSON('-1 hour'), contentType: 'text/plain' }));
    expect(past.statusCode).toBe(400);
    expect((await rejection(() => h.queue.createArtifact(taskId, 5, 'public/x', { storageType: 's3', expires: inOneDay(), contentType: 'text/plain' }))).statusCode).toBe(400);

    await taskQueue.reportCompleted(taskId, 0);
    const afterCompletion = await rejection(() => taskQueue.createArtifact(taskId, 0, 'public/x', { storageType: 's3', expires: inOneDay(), contentType: 'text/plain' }));
    expect(afterCompletion.statusCode).toBe(409);
  });

  it('still accepts artifacts after reportException (the 25-minute window)', async () => {
    const { taskId, taskQueue } = await createAndClaim(h, { retries: 0 });
    await taskQueue.reportException(taskId, 0, { reason: 'internal-error' });
    await expect(
      taskQueue.createArtifact(taskId, 0, 'public/logs/live_backing.log', { storageType: 's3', expires: inOneDay(), contentType: 'text/plain' }),
    ).resolves.toMatchObject({ storageType: 's3' });
  });

  it('lists artifacts of a run and of the latest run', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const expires = inOneDay();
    for (const name of ['public/b', 'public/a/nested.txt', 'private/c']) {
      await taskQueue.createArtifact(taskId, 0, name, { storageType: 'reference', expires, url: 'http://x/', contentType: 'text/plain' });
    }
    await taskQueue.createArtifact(taskId, 0, 'public/unfinished', { storageType: 'object', expires, contentType: 'text/plain' });
    const list = await h.queue.listArtifacts(taskId, 0);
    expect(list.artifacts.map((a: { name: string }) => a.name)).toEqual(['private/c', 'public/a/nested.txt', 'public/b']);
    expect(list.artifacts[0]).toEqual({ storageType: 'reference', name: 'private/c', expires: new Date(expires).toJSON(), contentType: 'text/plain' });
    const latest = await h.queue.listLatestArtifacts(taskId);
    expect(latest.artifacts).toHaveLength(3);
    const page = await h.queue.listArtifacts(taskId, 0, { limit: 2 });
    expect(page.artifacts).toHaveLength(2);
    const rest = await h.queue.listArtifacts(taskId, 0, { limit: 2, continuationToken: page.continuationToken });
    expect(rest.artifacts.map((a: { name: string }) => a.name)).toEqual(['public/b']);
    expect(rest.continuationToken).toBeUndefined();
    await expect(h.queue.latestArtifactInfo(taskId, 'public/b')).resolves.toMatchObject({ name: 'public/b', storageType: 'reference' });
    expect((await rejection(() => h.queue.artifactInfo(taskId, 0, 'public/unfinished'))).statusCode).toBe(404);
  });
});

describe('s3 artifacts', () => {
  it('uploads through putUrl with Content-Encoding gzip and downloads the same bytes and headers', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const name = 'public/logs/live_backing.log';
    const text = 'hello from the task\n'.repeat(1000);
    const gz = gzipSync(text);
    const res = await taskQueue.createArtifact(taskId, 0, name, { storageType: 's3', expires: inOneDay(), contentType: 'text/plain; charset=utf-8' });
    expect(Object.keys(res).sort()).toEqual(['contentType', 'expires', 'putUrl', 'storageType']);
    const put = await rawRequest(res.putUrl, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(gz.length), 'content-encoding': 'gzip' },
      body: gz,
    });
    expect(put.status).toBe(200);
    // no artifact-created message for s3
    expect(h.messages.some((m) => m.exchange.endsWith('artifact-created'))).toBe(false);

    const { url } = await h.queue.getArtifact(taskId, 0, name);
    const get = await rawRequest(url);
    expect(get.status).toBe(200);
    expect(get.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(get.headers['content-encoding']).toBe('gzip');
    expect(Buffer.compare(get.body, gz)).toBe(0);
    expect(gunzipSync(get.body).toString()).toBe(text);
    expect(Buffer.compare(await readFile(h.lq.artifactPath(taskId, 0, name)!), gz)).toBe(0);

    // The content form gives the same URL kind; the raw path with %2F reaches the same artifact.
    await expect(h.queue.artifact(taskId, 0, name)).resolves.toMatchObject({ storageType: 's3' });
    const encoded = await rawRequest(`${h.lq.rootUrl}/api/queue/v1/task/${taskId}/runs/0/artifacts/${encodeURIComponent(name)}`);
    expect(encoded.status).toBe(303);
  });

  it('refuses a PUT with the wrong Content-Type, a missing Content-Length, a short body or a forged URL', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const { putUrl } = await taskQueue.createArtifact(taskId, 0, 'public/data.bin', { storageType: 's3', expires: inOneDay(), contentType: 'application/octet-stream' });
    const body = randomBytes(100);
    const wrongType = await rawRequest(putUrl, { method: 'PUT', headers: { 'content-type': 'text/plain', 'content-length': '100' }, body });
    expect(wrongType.status).toBe(403);
    const chunked = await rawRequest(putUrl, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }, body });
    expect(chunked.status).toBe(411);
    const forged = await rawRequest(putUrl.replace(/sig=[^&]+/, 'sig=forged'), { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': '100' }, body });
    expect(forged.status).toBe(403);
    expect(h.lq.artifactPath(taskId, 0, 'public/data.bin')).toBeUndefined();
    const { url } = await h.queue.getArtifact(taskId, 0, 'public/data.bin');
    expect((await rawRequest(url)).status).toBe(404);
  });
});

/** Collects a download into a buffer. */
function collector(): { stream: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

async function uploadObjectArtifact(taskQueue: TcClient, taskId: string, name: string, data: Buffer, contentType: string): Promise<void> {
  const res = await taskQueue.createArtifact(taskId, 0, name, { storageType: 'object', expires: inOneDay(), contentType });
  expect(Object.keys(res).sort()).toEqual(['credentials', 'expires', 'name', 'projectId', 'storageType', 'uploadId']);
  expect(res.name).toBe(`t/${taskId}/0/${name}`);
  expect(JSON.parse(res.credentials.certificate).scopes).toEqual([`object:upload:${res.projectId}:${res.name}`]);
  const object = new tc.Object({ rootUrl: h.lq.rootUrl, credentials: res.credentials, retries: 0 });
  await tc.upload({
    projectId: res.projectId,
    name: res.name,
    contentType,
    contentLength: data.length,
    expires: res.expires,
    uploadId: res.uploadId,
    object,
    streamFactory: () => Readable.from([data]),
  });
  await taskQueue.finishArtifact(taskId, 0, name, { uploadId: res.uploadId });
}

describe('object artifacts', () => {
  it.each([
    ['small (dataInline)', 1000],
    ['large (putUrl)', 300_000],
  ])('uploads a %s object artifact and downloads the same bytes', async (_label, size) => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const name = 'public/build/target.bin';
    const data = randomBytes(size);
    await uploadObjectArtifact(taskQueue, taskId, name, data, 'application/octet-stream');
    expect(h.messages.filter((m) => m.exchange.endsWith('artifact-created'))).toHaveLength(1);

    const { storageType, url } = await h.queue.getArtifact(taskId, 0, name);
    expect(storageType).toBe('object');
    const get = await rawRequest(url);
    expect(get.status).toBe(200);
    expect(get.headers['content-type']).toBe('application/octet-stream');
    expect(Buffer.compare(get.body, data)).toBe(0);
    expect(Buffer.compare(await readFile(h.lq.artifactPath(taskId, 0, name)!), data)).toBe(0);

    // downloadArtifact goes through artifact() and the object service, and checks hashes.
    const sink = collector();
    await tc.downloadArtifact({ taskId, runId: 0, name, queue: h.queue, streamFactory: () => sink.stream });
    expect(createHash('sha256').update(sink.bytes()).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('is absent until finished, and enforces the locked-in upload', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const name = 'public/obj.txt';
    const res = await taskQueue.createArtifact(taskId, 0, name, { storageType: 'object', expires: inOneDay(), contentType: 'text/plain' });
    expect((await rejection(() => h.queue.getArtifact(taskId, 0, name))).statusCode).toBe(404);
    // A repeat hands out the same upload.
    const again = await taskQueue.createArtifact(taskId, 0, name, { storageType: 'object', expires: res.expires, contentType: 'text/plain' });
    expect(again.uploadId).toBe(res.uploadId);

    const object = new tc.Object({ rootUrl: h.lq.rootUrl, credentials: res.credentials, retries: 0 });
    const wrongUpload = await rejection(() =>
      object.createUpload(res.name, { projectId: res.projectId, uploadId: tc.slugid(), expires: res.expires, proposedUploadMethods: {} }),
    );
    expect(wrongUpload.statusCode).toBe(409);
    // The upload credentials cover only this object.
    const otherName = await rejection(() =>
      object.createUpload(`t/${taskId}/0/public/other`, { projectId: res.projectId, uploadId: res.uploadId, expires: res.expires, proposedUploadMethods: {} }),
    );
    expect(otherName.statusCode).toBe(403);

    const data = Buffer.from('object data');
    await object.createUpload(res.name, {
      projectId: res.projectId,
      uploadId: res.uploadId,
      expires: res.expires,
      proposedUploadMethods: { dataInline: { contentType: 'text/plain', objectData: data.toString('base64') } },
    });
    const wrongHash = await rejection(() =>
      object.finishUpload(res.name, { projectId: res.projectId, uploadId: res.uploadId, hashes: { sha256: 'a'.repeat(64) } }),
    );
    expect(wrongHash.statusCode).toBe(400);
    expect((await rejection(() => taskQueue.finishArtifact(taskId, 0, name, { uploadId: res.uploadId }))).statusCode).toBe(400);
    await object.finishUpload(res.name, {
      projectId: res.projectId,
      uploadId: res.uploadId,
      hashes: { sha256: createHash('sha256').update(data).digest('hex'), sha512: createHash('sha512').update(data).digest('hex') },
    });
    expect((await rejection(() => taskQueue.finishArtifact(taskId, 0, name, { uploadId: tc.slugid() }))).statusCode).toBe(400);
    await expect(taskQueue.finishArtifact(taskId, 0, name, { uploadId: res.uploadId })).resolves.toBeUndefined();
    const { url } = await h.queue.getLatestArtifact(taskId, name);
    expect((await rawRequest(url)).body.toString()).toBe('object data');
    // The object service's own metadata and download calls work with download scopes.
    const reader = new tc.Object({ rootUrl: h.lq.rootUrl, credentials: h.lq.credentials });
    await expect(reader.object(res.name)).resolves.toMatchObject({ projectId: 'none', hashes: { sha256: expect.any(String) } });
  });

  it('refuses a putUrl PUT whose Content-Length differs from the negotiated one', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const res = await taskQueue.createArtifact(taskId, 0, 'public/big', { storageType: 'object', expires: inOneDay(), contentType: 'application/octet-stream' });
    const object = new tc.Object({ rootUrl: h.lq.rootUrl, credentials: res.credentials, retries: 0 });
    const up = await object.createUpload(res.name, {
      projectId: res.projectId,
      uploadId: res.uploadId,
      expires: res.expires,
      proposedUploadMethods: { putUrl: { contentType: 'application/octet-stream', contentLength: 10_000 } },
    });
    expect(up.uploadMethod.putUrl.headers).toEqual({ 'Content-Type': 'application/octet-stream', 'Content-Length': '10000', 'Content-Encoding': 'identity' });
    const short = await rawRequest(up.uploadMethod.putUrl.url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': '5000', 'Content-Encoding': 'identity' },
      body: randomBytes(5000),
    });
    expect(short.status).toBe(400);
    const finish = await rejection(() => object.finishUpload(res.name, { projectId: res.projectId, uploadId: res.uploadId, hashes: {} }));
    expect(finish.statusCode).toBe(400);
  });
});

describe('as the real queue and object service answer', () => {
  it('finishArtifact requires uploadId, and refuses non-object artifacts', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    await taskQueue.createArtifact(taskId, 0, 'public/s3.txt', { storageType: 's3', expires: inOneDay(), contentType: 'text/plain' });
    const notObject = await rejection(() => taskQueue.finishArtifact(taskId, 0, 'public/s3.txt', { uploadId: tc.slugid() }));
    expect([notObject.statusCode, notObject.message]).toEqual([400, expect.stringContaining('Only object artifacts can be finished')]);
    await taskQueue.createArtifact(taskId, 0, 'public/obj.txt', { storageType: 'object', expires: inOneDay(), contentType: 'text/plain' });
    const noUploadId = await rejection(() => taskQueue.finishArtifact(taskId, 0, 'public/obj.txt', {}));
    expect([noUploadId.statusCode, noUploadId.message]).toEqual([400, expect.stringContaining("must have required property 'uploadId'")]);
  });

  it('an object upload must reuse the uploadId createArtifact handed out (409 Object already exists)', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const res = await taskQueue.createArtifact(taskId, 0, 'public/obj.bin', { storageType: 'object', expires: inOneDay(), contentType: 'application/octet-stream' });
    const object = new tc.Object({ rootUrl: h.lq.rootUrl, credentials: res.credentials, retries: 0 });
    const data = Buffer.from('data');
    const fresh = await rejection(() =>
      tc.upload({
        projectId: res.projectId,
        name: res.name,
        contentType: 'application/octet-stream',
        contentLength: data.length,
        expires: res.expires,
        uploadId: tc.slugid(),
        object,
        streamFactory: () => Readable.from([data]),
      }),
    );
    expect([fresh.statusCode, fresh.message]).toEqual([409, expect.stringContaining('Object already exists')]);
  });

  it('the object service has no content encoding: a putUrl PUT with Content-Encoding gzip is refused', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const res = await taskQueue.createArtifact(taskId, 0, 'public/logs/live_backing.log', { storageType: 'object', expires: inOneDay(), contentType: 'text/plain; charset=utf-8' });
    const object = new tc.Object({ rootUrl: h.lq.rootUrl, credentials: res.credentials, retries: 0 });
    const gz = gzipSync('line\n'.repeat(5000));
    const up = await object.createUpload(res.name, {
      projectId: res.projectId,
      uploadId: res.uploadId,
      expires: res.expires,
      proposedUploadMethods: { putUrl: { contentType: 'text/plain; charset=utf-8', contentLength: gz.length } },
    });
    const put = await rawRequest(up.uploadMethod.putUrl.url, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(gz.length), 'Content-Encoding': 'gzip' },
      body: gz,
    });
    expect([put.status, put.body.toString()]).toEqual([400, expect.stringContaining("Content-Encoding must be 'identity'")]);
    // Nor can createUpload carry one.
    const withEncoding = await rejection(() =>
      object.createUpload(res.name, {
        projectId: res.projectId,
        uploadId: res.uploadId,
        expires: res.expires,
        proposedUploadMethods: { putUrl: { contentType: 'text/plain', contentLength: gz.length, contentEncoding: 'gzip' } },
      }),
    );
    expect([withEncoding.statusCode, withEncoding.message]).toEqual([400, expect.stringContaining("additional property 'contentEncoding'")]);
  });

  it('refuses an artifact that would expire after its task', async () => {
    const { taskId, taskQueue, claim } = await createAndClaim(h);
    const taskExpires = Date.parse(String(claim.task.expires));
    const later = new Date(taskExpires + 1000).toJSON();
    const err = await rejection(() => taskQueue.createArtifact(taskId, 0, 'public/late.txt', { storageType: 's3', expires: later, contentType: 'text/plain' }));
    expect([err.statusCode, err.message]).toEqual([400, expect.stringContaining("is after the task's expires")]);
    await expect(
      taskQueue.createArtifact(taskId, 0, 'public/late.txt', { storageType: 's3', expires: new Date(taskExpires).toJSON(), contentType: 'text/plain' }),
    ).resolves.toMatchObject({ storageType: 's3' });
  });
});
