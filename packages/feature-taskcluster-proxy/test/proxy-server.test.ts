import http from 'node:http';
import { LocalQueue, type RequestEvent } from '@docker-worker/local-queue';
import { MemoryTaskLog, testTaskContext } from '@docker-worker/worker-contract/testing';
import type { Credentials } from '@docker-worker/worker-contract';
import { createTaskclusterProxyFeature, PROXY_VERSION, ProxyServer, proxyScopes } from '../src/index.js';
import { claimedRun, type ClaimedRun } from './embedded-run.js';

let queue: LocalQueue;

beforeAll(async () => {
  queue = new LocalQueue();
  await queue.start();
});

afterAll(async () => {
  await queue.stop();
});

/** A proxy for `run` on 127.0.0.1, serving loopback clients; its base URL. */
async function proxyFor(run: ClaimedRun, servers: ProxyServer[]): Promise<{ server: ProxyServer; base: string }> {
  const server = new ProxyServer({ rootUrl: queue.rootUrl, credentials: run.credentials, authorizedScopes: proxyScopes(run), clients: '127.0.0.0/8' });
  servers.push(server);
  const port = await server.listen('127.0.0.1', 0);
  return { server, base: `http://127.0.0.1:${port}` };
}

describe('ProxyServer against the embedded queue', () => {
  const servers: ProxyServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('forwards all three URL forms, signed, with the debugging headers', async () => {
    const run = await claimedRun(queue, ['queue:get-task:*']);
    const { base } = await proxyFor(run, servers);
    const host = new URL(queue.rootUrl).host;
    for (const path of [`/api/queue/v1/task/${run.taskId}`, `/queue/v1/task/${run.taskId}`, `/${host}/api/queue/v1/task/${run.taskId}`]) {
      const response = await fetch(base + path);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(((await response.json()) as { metadata: { name: string } }).metadata.name).toBe(run.task.metadata.name);
      expect(response.headers.get('x-taskcluster-endpoint')).toBe(`${queue.rootUrl}/api/queue/v1/task/${run.taskId}`);
      expect(response.headers.get('x-taskcluster-proxy-version')).toBe(PROXY_VERSION);
    }
  });

  it('limits requests to the task scopes: a call they lack gets the service 403 unchanged', async () => {
    const run = await claimedRun(queue, ['queue:get-task:*']);
    const { base } = await proxyFor(run, servers);
    // Anonymous callers may read a status; a request limited to the task's scopes may not.
    const response = await fetch(`${base}/queue/v1/task/${run.taskId}/status`);
    expect(response.status).toBe(403);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe('InsufficientScopes');
    expect(body.message).toMatch(/queue:status/);
  });

  it('creates an artifact for the run with a streamed body and passes redirects back unfollowed', async () => {
    const run = await claimedRun(queue, []);
    const { base } = await proxyFor(run, servers);
    const artifact = `${base}/queue/v1/task/${run.taskId}/runs/${run.runId}/artifacts/private/ref`;
    const expires = run.task.expires;
    const created = await fetch(artifact, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ storageType: 'reference', expires, url: 'https://example.com/elsewhere', contentType: 'text/plain' }),
    });
    expect(`${created.status} ${await created.text()}`).toMatch(/^200 /);
    // Reading a private artifact needs a scope this task lacks; its own run's create scope is all it got.
    expect((await fetch(artifact, { redirect: 'manual' })).status).toBe(403);
  });

  it('answers /bewit with a URL signed for an hour that works without credentials', async () => {
    const run = await claimedRun(queue, ['queue:get-artifact:private/*']);
    const { base } = await proxyFor(run, servers);
    const expires = run.task.expires;
    const path = `/queue/v1/task/${run.taskId}/runs/${run.runId}/artifacts/private/ref`;
    const created = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ storageType: 'reference', expires, url: 'https://example.com/elsewhere', contentType: 'text/plain' }),
    });
    expect(`${created.status} ${await created.text()}`).toMatch(/^200 /);
    const redirect = await fetch(base + path, { redirect: 'manual' });
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get('location')).toBe('https://example.com/elsewhere');

    const bewit = await fetch(`${base}/bewit`, { method: 'POST', body: `http://taskcluster${path}`, redirect: 'manual' });
    expect(bewit.status).toBe(303);
    const signed = await bewit.text();
    expect(bewit.headers.get('location')).toBe(signed);
    expect(signed.startsWith(`${queue.rootUrl}/api${path}?bewit=`)).toBe(true);
    const plain = `${queue.rootUrl}/api${path}`;
    expect((await fetch(plain, { redirect: 'manual' })).status).toBe(403);
    const viaBewit = await fetch(signed, { redirect: 'manual' });
    expect(viaBewit.status).toBe(303);
    expect(viaBewit.headers.get('location')).toBe('https://example.com/elsewhere');

    expect((await fetch(`${base}/bewit`, { method: 'POST', body: 'https://elsewhere.example.com/x' })).status).toBe(400);
  });

  it('signs the requests after a credentials swap with the new credentials', async () => {
    const run = await claimedRun(queue, ['queue:get-task:*']);
    const { server, base } = await proxyFor(run, servers);
    const fresh = await run.reclaim();
    expect(fresh.accessToken).not.toBe(run.credentials.accessToken);
    const clients: Array<string | undefined> = [];
    const record = (event: RequestEvent) => clients.push(event.clientId);
    queue.events.on('request', record);
    try {
      expect((await fetch(`${base}/queue/v1/task/${run.taskId}`)).status).toBe(200);
      server.credentials = fresh;
      expect((await fetch(`${base}/queue/v1/task/${run.taskId}`)).status).toBe(200);
    } finally {
      queue.events.off('request', record);
    }
    // Each reclaim's credentials are a temporary client of their own name (it says until when).
    expect(fresh.clientId).not.toBe(run.credentials.clientId);
    expect(clients).toEqual([run.credentials.clientId, fresh.clientId]);
  });

  it('answers 404 for a path in no URL form, and drops clients outside its range', async () => {
    const run = await claimedRun(queue, []);
    const { base } = await proxyFor(run, servers);
    const unknown = await fetch(`${base}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/api\/<service>\/<version>/);

    const fenced = new ProxyServer({ rootUrl: queue.rootUrl, credentials: run.credentials, authorizedScopes: [], clients: '10.0.0.0/8' });
    servers.push(fenced);
    const port = await fenced.listen('127.0.0.1', 0);
    await expect(fetch(`http://127.0.0.1:${port}/queue/v1/ping`)).rejects.toThrow();
  });

  it('stops listening on close: a later request fails to connect', async () => {
    const run = await claimedRun(queue, []);
    const { server, base } = await proxyFor(run, servers);
    expect((await fetch(`${base}/queue/v1/ping`)).status).toBe(200);
    await server.close();
    await expect(fetch(`${base}/queue/v1/ping`)).rejects.toThrow();
  });

  it('passes a 10 MB request body on and the answer back', async () => {
    const run = await claimedRun(queue, []);
    const { base } = await proxyFor(run, servers);
    // 10 MB to a route that reads no body: the proxy must still pass it on and return the answer.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/queue/v1/ping`, { method: 'GET', headers: { 'content-length': String(10 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 120);
      for (let i = 0; i < 10; i++) req.write(chunk);
      req.end();
    });
    expect(status).toBe(200);
  });
});

describe('taskclusterProxy feature hooks', () => {
  it('listens at the run network gateway, logs each credentials swap, and stops in killed', async () => {
    const run = await claimedRun(queue, ['queue:get-task:*']);
    const listeners: Array<(c: Credentials) => void> = [];
    const log = new MemoryTaskLog();
    const ctx = {
      ...(await testTaskContext({ log, worker: { rootUrl: queue.rootUrl }, task: run.task, workDir: null })),
      taskId: run.taskId,
      runId: run.runId,
      network: async () => ({ gateway: '127.0.0.1', subnet: '127.0.0.0/8' }),
      credentials: () => run.credentials,
      onCredentials: (listener: (c: Credentials) => void) => {
        listeners.push(listener);
        return () => listeners.splice(listeners.indexOf(listener), 1);
      },
    };
    const feature = createTaskclusterProxyFeature({ port: 0 });
    expect(feature.requiredScopes?.(run.task, {})).toEqual([
      { AnyOf: ['docker-worker:feature:taskclusterProxy', `docker-worker:feature:taskclusterProxy:${run.task.provisionerId}/${run.task.workerType}`] },
    ]);
    const hooks = feature.forTask(ctx, {});
    const added = await hooks.link!();
    const url = added?.env?.TASKCLUSTER_PROXY_URL ?? '';
    expect(url).toMatch(/^http:\/\/taskcluster:\d+$/);
    expect(added?.extraHosts).toEqual(['taskcluster:127.0.0.1']);
    const base = url.replace('taskcluster', '127.0.0.1');
    expect((await fetch(`${base}/queue/v1/task/${run.taskId}`)).status).toBe(200);

    const fresh = await run.reclaim();
    for (const listener of listeners) listener(fresh);
    expect(log.text()).toMatch(/Credentials updated/);
    expect((await fetch(`${base}/queue/v1/task/${run.taskId}`)).status).toBe(200);

    await hooks.killed!({ state: 'completed' });
    expect(listeners).toHaveLength(0);
    await expect(fetch(`${base}/queue/v1/task/${run.taskId}`)).rejects.toThrow();
  });

  it('fails the link, saying where, when the port is taken', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const run = await claimedRun(queue, []);
      const ctx = {
        ...(await testTaskContext({ worker: { rootUrl: queue.rootUrl }, task: run.task, workDir: null })),
        network: async () => ({ gateway: '127.0.0.1', subnet: '127.0.0.0/8' }),
        credentials: () => run.credentials,
        onCredentials: () => () => {},
      };
      const hooks = createTaskclusterProxyFeature({ port }).forTask(ctx, {});
      await expect(hooks.link!()).rejects.toThrow(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
      await hooks.killed!({ state: 'exception', reason: 'internal-error' });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('fails the link when the host gives no network', async () => {
    const hooks = createTaskclusterProxyFeature().forTask(await testTaskContext({ workDir: null }), {});
    await expect(hooks.link!()).rejects.toThrow(/needs a run network/);
  });
});
