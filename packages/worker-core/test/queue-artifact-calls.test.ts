import { mkdtemp, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalQueue } from '@docker-worker/local-queue';
import tc from 'taskcluster-client';
import { callJson, taskclusterApiUrl, TaskclusterCallError } from '../src/queue/json-call.js';
import { QueueClient, statusCodeOf, type RunQueue } from '../src/queue/queue-client.js';

/** What the relay saw of one request. */
interface Seen {
  method: string;
  path: string;
  socket: Socket;
  /** The request's content-length header, if it sent one. */
  contentLength: string | undefined;
  /** What the relay answered itself instead of passing the request on. */
  injected?: 'status 500' | 'connection dropped';
}

/**
 * The calls made per task and per artifact (claimWork, reclaimTask, the resolutions,
 * createArtifact, finishArtifact, object createUpload/finishUpload) go without
 * taskcluster-client (src/queue/json-call.ts). They run here against the embedded
 * queue through an HTTP relay that records each request with its socket, adds a request id to
 * every answer, and can fail chosen requests (a 500, or a dropped connection) before passing
 * the rest on.
 */
describe('per-task and per-artifact queue calls over Node http', () => {
  let dir: string;
  let queue: LocalQueue;
  let relay: http.Server;
  let rootUrl: string;
  let client: QueueClient;
  const seen: Seen[] = [];
  /** Failures to inject, in order, into the next requests whose path includes `match`. */
  let failures: Array<{ match: string; how: NonNullable<Seen['injected']> }> = [];

  function pass(req: IncomingMessage, res: ServerResponse): void {
    const target = new URL(queue.rootUrl);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-for-request-id': 'relay-request-1' });
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    // A caller that hangs up (an aborted long poll) hangs up on the queue too, as it would without the relay.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-artifact-calls-'));
    queue = new LocalQueue({ storageDir: join(dir, 'queue'), longPollSeconds: 1 });
    await queue.start();
    relay = http.createServer((req, res) => {
      const record: Seen = { method: req.method ?? '', path: req.url ?? '', socket: req.socket, contentLength: req.headers['content-length'] };
      seen.push(record);
      const index = failures.findIndex((f) => record.path.includes(f.match));
      if (index === -1) return pass(req, res);
      record.injected = failures.splice(index, 1)[0]!.how;
      req.resume();
      if (record.injected === 'connection dropped') return void req.socket.destroy();
      res.writeHead(500, { 'content-type': 'application/json', 'x-request-id': 'relay-500' });
      res.end(JSON.stringify({ code: 'InternalServerError', message: 'injected failure' }));
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    rootUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    client = new QueueClient({ rootUrl, credentials: queue.credentials });
  });

  afterAll(async () => {
    relay.closeAllConnections();
    relay.close();
    await queue.stop();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    seen.length = 0;
    failures = [];
  });

  let tasks = 0;

  /** A claimed run of a new task, with the claim's temporary credentials. */
  /** A new task on `taskQueueId`; returns its id. */
  async function newTask(taskQueueId: string): Promise<string> {
    const taskId = tc.slugid();
    await client.createTask(taskId, {
      taskQueueId,
      schedulerId: 'test',
      created: new Date().toJSON(),
      deadline: new Date(Date.now() + 3_600_000).toJSON(),
      payload: {},
      metadata: { name: 'queue calls', description: '', owner: 'test@example.com', source: 'https://example.com' },
    });
    return taskId;
  }

  async function claimedRun(): Promise<RunQueue> {
    // A queue of its own per test, so no claim picks up another test's task.
    const taskQueueId = `test/calls-${++tasks}`;
    const taskId = await newTask(taskQueueId);
    const [claim] = await client.claimWork(taskQueueId, { workerGroup: 'g', workerId: 'w', tasks: 1 });
    expect(claim?.credentials.certificate).toBeTruthy();
    return client.forRun(taskId, claim!.runId, claim!.credentials);
  }

  const expires = () => new Date(Date.now() + 3_600_000).toJSON();
  const ofArtifacts = () => seen.filter((s) => s.path.includes('/artifacts/'));

  it('creates an s3 artifact (a name with slashes and spaces) and PUTs to its putUrl', async () => {
    const run = await claimedRun();
    const name = 'public/dir one/file #1.txt';
    const reply = await run.createArtifact(name, { storageType: 's3', contentType: 'text/plain', expires: expires() });
    expect(reply).toMatchObject({ storageType: 's3', contentType: 'text/plain' });
    expect(ofArtifacts().map((s) => [s.method, s.path])).toEqual([
      ['POST', `/api/queue/v1/task/${run.taskId}/runs/${run.runId}/artifacts/${encodeURIComponent(name)}`],
    ]);
    const body = Buffer.from('hello');
    const put = await fetch(String(reply.putUrl), { method: 'PUT', headers: { 'content-type': 'text/plain' }, body });
    expect(put.status).toBe(200);
    const listed = await client.listArtifacts(run.taskId, run.runId);
    expect(listed).toEqual([expect.objectContaining({ name, storageType: 's3', contentType: 'text/plain' })]);
    expect(await (await fetch(client.artifactUrl(run.taskId, run.runId, name))).text()).toBe('hello');
  });

  it('uploads an object artifact: createArtifact, object createUpload and finishUpload, finishArtifact', async () => {
    const run = await claimedRun();
    const name = 'public/object.txt';
    const reply = await run.createArtifact(name, { storageType: 'object', contentType: 'text/plain', expires: expires() });
    const credentials = reply.credentials as { clientId: string; accessToken: string; certificate?: string };
    await tc.upload({
      projectId: String(reply.projectId),
      name: String(reply.name),
      uploadId: String(reply.uploadId),
      expires: String(reply.expires),
      contentType: 'text/plain',
      contentLength: 6,
      object: run.objectClient(credentials),
      streamFactory: () => Readable.from([Buffer.from('object')]),
    });
    await run.finishArtifact(name, String(reply.uploadId));
    expect(seen.filter((s) => s.path.startsWith('/api/object/v1/')).map((s) => [s.method, s.path])).toEqual([
      ['PUT', `/api/object/v1/upload/${encodeURIComponent(String(reply.name))}`],
      ['POST', `/api/object/v1/finish-upload/${encodeURIComponent(String(reply.name))}`],
    ]);
    expect(await client.listArtifacts(run.taskId, run.runId)).toEqual([expect.objectContaining({ name, storageType: 'object' })]);
  });

  it('fails a 4xx at once with the status, the service’s message and the request id', async () => {
    const run = await claimedRun();
    const name = 'public/not-an-object.txt';
    await run.createArtifact(name, { storageType: 's3', contentType: 'text/plain', expires: expires() });
    const error = await run.finishArtifact(name, tc.slugid()).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TaskclusterCallError);
    expect(statusCodeOf(error)).toBe(400);
    // The service's error code, as taskcluster-client reports it.
    expect((error as TaskclusterCallError).code).toBe((error as { body: { code: string } }).body.code);
    expect((error as TaskclusterCallError).code).toBe('InputError');
    expect((error as Error).message).toContain(`Only object artifacts can be finished; ${name} is s3`);
    expect((error as Error).message).toContain('relay-request-1');
    // Sent once: createArtifact, then the one finishArtifact.
    expect(ofArtifacts().map((s) => s.method)).toEqual(['POST', 'PUT']);
  });

  it('signs with the run’s credentials: a wrong access token is refused 401, once', async () => {
    const run = await claimedRun();
    const forged = client.forRun(run.taskId, run.runId, { ...run.credentials, accessToken: 'not-the-token' });
    const error = await forged.createArtifact('public/forged.txt', { storageType: 's3', contentType: 'text/plain', expires: expires() }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(statusCodeOf(error)).toBe(401);
    expect(ofArtifacts()).toHaveLength(1);
  });

  it('retries a 500 and a dropped connection, then succeeds', async () => {
    const run = await claimedRun();
    failures = [
      { match: '/artifacts/', how: 'status 500' },
      { match: '/artifacts/', how: 'connection dropped' },
    ];
    const reply = await run.createArtifact('public/retried.txt', { storageType: 's3', contentType: 'text/plain', expires: expires() });
    expect(reply.storageType).toBe('s3');
    expect(ofArtifacts().map((s) => s.injected ?? 'passed')).toEqual(['status 500', 'connection dropped', 'passed']);
  });

  it('gives up after its retries with the last 5xx as the client would report it', async () => {
    failures = [
      { match: '/nowhere', how: 'status 500' },
      { match: '/nowhere', how: 'status 500' },
    ];
    const url = taskclusterApiUrl(rootUrl, 'queue', 'v1', '/nowhere');
    const error = await callJson('POST', url, {}, undefined, { retries: 1, minRetryDelay: 10 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(statusCodeOf(error)).toBe(500);
    expect((error as Error).message).toBe('injected failure (request id relay-500)');
    expect(seen.map((s) => s.injected)).toEqual(['status 500', 'status 500']);
  });

  it('keeps one connection alive across a run’s sequential artifact calls', async () => {
    const run = await claimedRun();
    for (let i = 0; i < 5; i++) {
      await run.createArtifact(`public/many/${i}.txt`, { storageType: 's3', contentType: 'text/plain', expires: expires() });
    }
    const calls = ofArtifacts();
    expect(calls).toHaveLength(5);
    expect(new Set(calls.map((s) => s.socket)).size).toBe(1);
  });

  it('reclaims, then resolves with the new credentials; methods without input send an empty body', async () => {
    const run = await claimedRun();
    const before = run.credentials.accessToken;
    const reclaimed = await run.reclaim();
    expect(reclaimed.credentials.accessToken).not.toBe(before);
    expect(run.credentials).toEqual(reclaimed.credentials);
    await run.reportCompleted();
    expect((await client.status(run.taskId)).runs[0]).toMatchObject({ state: 'completed' });
    const calls = seen.filter((s) => s.path.startsWith(`/api/queue/v1/task/${run.taskId}/runs/`));
    expect(calls.map((s) => [s.method, s.path.split('/').at(-1), s.contentLength])).toEqual([
      ['POST', 'reclaim', '0'],
      ['POST', 'completed', '0'],
    ]);
  });

  it('reports failed and exception runs, the exception with its reason', async () => {
    const failed = await claimedRun();
    await failed.reportFailed();
    expect((await client.status(failed.taskId)).runs[0]).toMatchObject({ state: 'failed' });
    const excepted = await claimedRun();
    await excepted.reportException('worker-shutdown');
    expect((await client.status(excepted.taskId)).runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'worker-shutdown' });
  });

  it('an aborted claimWork drops its request at once and claims nothing', async () => {
    const taskQueueId = `test/calls-${++tasks}`;
    const controller = new AbortController();
    const claiming = client.claimWork(taskQueueId, { workerGroup: 'g', workerId: 'w', tasks: 1 }, { signal: controller.signal });
    const outcome = claiming.then(
      () => 'answered',
      (err: unknown) => err,
    );
    // Wait until the long poll is with the queue, then abandon it.
    for (const until = Date.now() + 10_000; !seen.some((s) => s.path.includes('/claim-work/')); ) {
      if (Date.now() > until) throw new Error('claimWork never reached the queue');
      await new Promise((r) => setTimeout(r, 5));
    }
    controller.abort(new Error('worker stopping'));
    expect(await outcome).toMatchObject({ message: 'worker stopping' });
    expect(seen.filter((s) => s.path.includes('/claim-work/'))).toHaveLength(1);
    // The task created afterwards is still there for the next claim.
    const taskId = await newTask(taskQueueId);
    const [claim] = await client.claimWork(taskQueueId, { workerGroup: 'g', workerId: 'w', tasks: 1 });
    expect(claim?.status.taskId).toBe(taskId);
  });
});
