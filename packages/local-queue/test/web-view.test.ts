// The web view of the embedded queue over real HTTP: the page and its files, the JSON it
// reads, downloads, and the cancel/rerun actions with their cross-site (CSRF) refusals.

import tc from 'taskcluster-client';
import { createAndClaim, createTask, rawRequest, startHarness, type Harness } from './helpers.js';

let h: Harness;
let root: string;

beforeAll(async () => {
  h = await startHarness({ webView: true });
  root = h.lq.rootUrl;
});
afterAll(() => h.stop());

const json = (body: Buffer) => JSON.parse(body.toString('utf8')) as Record<string, unknown>;
const inOneDay = () => tc.fromNowJSON('1 day');
const UNCLAIMED_QUEUE = 'local-prov/unclaimed';

/** The token the served page carries for its POSTs. */
async function pageToken(): Promise<string> {
  const page = await rawRequest(`${root}/`);
  return /<meta name="webview-token" content="([^"]+)">/.exec(page.body.toString('utf8'))![1]!;
}

describe('the page and its files', () => {
  it('serves the page at / with the token filled in, framing forbidden and only its own scripts', async () => {
    const page = await rawRequest(`${root}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    const token = await pageToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(page.body.toString('utf8')).not.toContain('__WEBVIEW_TOKEN__');
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves its scripts and styles from the package, and nothing else', async () => {
    const app = await rawRequest(`${root}/_webview/static/app.js`);
    expect(app.status).toBe(200);
    expect(app.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(app.body.toString('utf8')).toContain("from './task-list.js'");
    expect((await rawRequest(`${root}/_webview/static/style.css`)).headers['content-type']).toBe('text/css; charset=utf-8');
    for (const path of ['/_webview/static/nope.js', '/_webview/static/..%2Fpackage.json', '/_webview/static/../package.json', '/_webview/static/index.html']) {
      expect([path, (await rawRequest(`${root}${path}`)).status]).toEqual([path, 404]);
    }
  });

  it('is served only under an IP address or localhost (no DNS rebinding)', async () => {
    const foreign = await rawRequest(`${root}/`, { headers: { host: 'attacker.example:80' } });
    expect(foreign.status).toBe(403);
    expect(json(foreign.body).message).toContain('"attacker.example:80"');
    const port = new URL(root).port;
    expect((await rawRequest(`${root}/`, { headers: { host: `localhost:${port}` } })).status).toBe(200);
  });

  it('leaves the real queue routes as they are', async () => {
    const ping = await rawRequest(`${root}/api/queue/v1/ping`);
    expect([ping.status, json(ping.body).alive]).toEqual([200, true]);
    expect((await rawRequest(`${root}/api/queue/v1/nonsense`)).status).toBe(404);
  });
});

describe('without the webView option', () => {
  it('serves no page and no /_webview/ routes', async () => {
    const plain = await startHarness();
    try {
      const page = await rawRequest(`${plain.lq.rootUrl}/`);
      expect(page.status).toBe(404);
      expect((await rawRequest(`${plain.lq.rootUrl}/_webview/api/tasks`)).status).toBe(404);
      expect(plain.lq.webViewUrl).toBeUndefined();
    } finally {
      await plain.stop();
    }
    expect(h.lq.webViewUrl).toBe(`${root}/`);
  });
});

describe('the JSON the page reads', () => {
  it('lists every task newest first, with its name, state and runs', async () => {
    // On a queue no one claims from: the claims below must not take it.
    const first = await createTask(h, { taskQueueId: UNCLAIMED_QUEUE, metadata: { name: 'first <b>task</b>', description: 'd', owner: 'o@example.com', source: 'https://example.com' } });
    const { taskId: second } = await createAndClaim(h);
    const res = await rawRequest(`${root}/_webview/api/tasks`);
    expect(res.status).toBe(200);
    const tasks = json(res.body).tasks as Array<{ taskId: string; name: string; state: string; runs: Array<{ state: string; workerId?: string }> }>;
    const ids = tasks.map((t) => t.taskId);
    expect(ids.indexOf(second)).toBeLessThan(ids.indexOf(first));
    expect(tasks.find((t) => t.taskId === first)).toMatchObject({ name: 'first <b>task</b>', state: 'pending', runs: [{ state: 'pending' }] });
    expect(tasks.find((t) => t.taskId === second)).toMatchObject({ state: 'running', runs: [{ state: 'running', workerId: 'test-worker-1' }] });
  });

  it('shows one task with its artifacts; a bad taskId is refused naming the field, an unknown one is 404', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    await taskQueue.createArtifact(taskId, 0, 'public/logs/live.log', { storageType: 'reference', expires: inOneDay(), url: 'http://127.0.0.1:1/log/x', contentType: 'text/plain' });
    const res = await rawRequest(`${root}/_webview/api/tasks/${taskId}`);
    expect(res.status).toBe(200);
    expect(json(res.body)).toMatchObject({
      taskId,
      name: 'test task',
      description: 'a test',
      state: 'running',
      definition: { payload: { command: ['true'] } },
      artifacts: [{ runId: 0, name: 'public/logs/live.log', storageType: 'reference', url: 'http://127.0.0.1:1/log/x' }],
    });
    const bad = await rawRequest(`${root}/_webview/api/tasks/not-a-task-id`);
    expect(bad.status).toBe(400);
    expect(json(bad.body)).toMatchObject({ code: 'InvalidRequestArguments', message: expect.stringContaining("Invalid URL parameter taskId: 'not-a-task-id'") });
    expect((await rawRequest(`${root}/_webview/api/tasks/${tc.slugid()}`)).status).toBe(404);
  });

  it('downloads an artifact of any name (links followed) by redirecting to its bytes', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const { putUrl } = await taskQueue.createArtifact(taskId, 0, 'private/out/result.txt', { storageType: 's3', expires: inOneDay(), contentType: 'text/plain' });
    const bytes = Buffer.from('the result\n');
    expect((await rawRequest(putUrl, { method: 'PUT', headers: { 'content-type': 'text/plain', 'content-length': String(bytes.length) }, body: bytes })).status).toBe(200);
    await taskQueue.createArtifact(taskId, 0, 'public/latest', { storageType: 'link', expires: inOneDay(), artifact: 'private/out/result.txt' });
    for (const name of ['private/out/result.txt', 'public/latest']) {
      const redirect = await rawRequest(`${root}/_webview/api/tasks/${taskId}/runs/0/artifacts/${encodeURIComponent(name)}`);
      expect(redirect.status).toBe(303);
      const data = await rawRequest(redirect.headers.location!);
      expect([name, data.status, data.body.toString()]).toEqual([name, 200, 'the result\n']);
    }
    expect((await rawRequest(`${root}/_webview/api/tasks/${taskId}/runs/0/artifacts/missing`)).status).toBe(404);
    const badRun = await rawRequest(`${root}/_webview/api/tasks/${taskId}/runs/x/artifacts/public%2Flatest`);
    expect([badRun.status, json(badRun.body).message]).toEqual([400, expect.stringContaining('runId')]);
  });
});

describe('cancel and rerun', () => {
  it('cancel and rerun from the page: the token header, the same origin', async () => {
    // Its own queue: the pending rerun must not be what the next test claims.
    const { taskId } = await createAndClaim(h, { taskQueueId: 'local-prov/rerun-test' });
    const token = await pageToken();
    const origin = root;
    const cancel = await rawRequest(`${root}/_webview/api/tasks/${taskId}/cancel`, { method: 'POST', headers: { 'x-webview-token': token, origin } });
    expect(cancel.status).toBe(200);
    expect(json(cancel.body)).toMatchObject({ status: { state: 'exception', runs: [{ reasonResolved: 'canceled' }] } });
    const rerun = await rawRequest(`${root}/_webview/api/tasks/${taskId}/rerun`, { method: 'POST', headers: { 'x-webview-token': token, origin } });
    expect(rerun.status).toBe(200);
    expect(json(rerun.body)).toMatchObject({ status: { state: 'pending', runs: [{ state: 'exception' }, { state: 'pending', reasonCreated: 'rerun' }] } });
    expect(h.lq.taskState(taskId).runs).toHaveLength(2);
  });

  it('refuses what a foreign site could send: no token, a wrong one, another origin, a CORS preflight, a GET', async () => {
    const { taskId } = await createAndClaim(h);
    const token = await pageToken();
    const url = `${root}/_webview/api/tasks/${taskId}/cancel`;
    const refusals: Array<[string, Record<string, string>, string, string]> = [
      // A cross-site form post or fetch without custom headers: no token.
      ['no token', { origin: 'https://attacker.example', 'content-type': 'application/x-www-form-urlencoded' }, 'POST', 'another origin'],
      ['no token, no origin', {}, 'POST', 'x-webview-token is missing'],
      ['wrong token', { 'x-webview-token': 'x'.repeat(32) }, 'POST', 'x-webview-token is wrong'],
      ['right token, other origin', { 'x-webview-token': token, origin: 'http://attacker.example' }, 'POST', 'another origin'],
      ['preflight', { origin: 'http://attacker.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-webview-token' }, 'OPTIONS', 'CORS preflight refused'],
    ];
    for (const [what, headers, method, message] of refusals) {
      const res = await rawRequest(url, { method, headers });
      expect([what, res.status, json(res.body).message]).toEqual([what, 403, expect.stringContaining(message)]);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-headers']).toBeUndefined();
    }
    expect((await rawRequest(url)).status).toBe(405);
    expect(h.lq.taskState(taskId)).toMatchObject({ state: 'running' });
  });

  it('rerun of a pending task leaves it be; a bad taskId is refused naming the field, an unknown one is 404', async () => {
    const taskId = await createTask(h, { taskQueueId: UNCLAIMED_QUEUE });
    const token = await pageToken();
    const headers = { 'x-webview-token': token };
    const rerunPending = await rawRequest(`${root}/_webview/api/tasks/${taskId}/rerun`, { method: 'POST', headers });
    expect(rerunPending.status).toBe(200);
    const bad = await rawRequest(`${root}/_webview/api/tasks/!!/cancel`, { method: 'POST', headers });
    expect([bad.status, json(bad.body).message]).toEqual([400, expect.stringContaining("Invalid URL parameter taskId: '!!'")]);
    expect((await rawRequest(`${root}/_webview/api/tasks/${tc.slugid()}/cancel`, { method: 'POST', headers })).status).toBe(404);
  });
});
