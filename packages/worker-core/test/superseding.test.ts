import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Harness, TEST_IMAGE } from './harness.js';

/**
 * A superseder service as task authors run them: GET ?taskId=X answers the list registered for
 * X (or 404), and remembers what it was asked.
 */
class Superseder {
  lists = new Map<string, string[]>();
  asked: string[] = [];
  #server: Server = createServer((req, res) => {
    const taskId = new URL(req.url ?? '/', 'http://x').searchParams.get('taskId') ?? '';
    this.asked.push(taskId);
    const list = this.lists.get(taskId);
    res.writeHead(list ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(list ? { supersedes: list } : { message: 'unknown task' }));
  });

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/supersedes`;
  }

  async start(): Promise<void> {
    await new Promise<void>((ready) => this.#server.listen(0, '127.0.0.1', ready));
  }

  async stop(): Promise<void> {
    await new Promise((done) => this.#server.close(done));
  }
}

async function artifactJson(h: Harness, taskId: string, name: string): Promise<unknown> {
  const response = await fetch(h.client.artifactUrl(taskId, 0, name));
  if (!response.ok) throw new Error(`GET ${name} of ${taskId}: HTTP ${response.status}`);
  return response.json();
}

describe('superseding (payload.supersederUrl, embedded queue serving the claims, real engine)', () => {
  const h = new Harness();
  const superseder = new Superseder();
  beforeAll(async () => {
    await superseder.start();
    await h.start({ claimTimeout: 4 });
  });
  afterAll(async () => {
    await h.stop();
    await superseder.stop();
  });

  /** Three pending tasks on a queue of their own, all pointing at the superseder. */
  async function threeTasks(workerType: string, command: string[], extra: Record<string, unknown> = {}): Promise<[string, string, string]> {
    const payload = { image: TEST_IMAGE, command, maxRunTime: 60, supersederUrl: superseder.url };
    const a = await h.createTask(payload, { workerType, ...extra });
    const b = await h.createTask(payload, { workerType, ...extra });
    const c = await h.createTask(payload, { workerType, ...extra });
    return [a, b, c];
  }

  it('runs the first listed task and resolves the others superseded, each with its artifact', async () => {
    const [a, b, c] = await threeTasks('supersede-ok', ['sh', '-c', 'echo "running $TASK_ID"']);
    // The worker claims A (created first); the superseder puts B first, so B is what runs.
    superseder.lists.set(a, [b, a, c]);
    const { worker } = await h.startWorker({ capacity: 1, workerType: 'supersede-ok' }, { maxTasks: 1 });
    await worker.finished();

    expect((await h.client.status(b)).runs[0]).toMatchObject({ state: 'completed' });
    for (const other of [a, c]) {
      const status = await h.client.status(other);
      expect(status.runs).toHaveLength(1);
      expect(status.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'superseded' });
      expect(await artifactJson(h, other, 'public/superseded-by.json')).toEqual({ taskId: b, runId: 0 });
    }
    expect(await artifactJson(h, b, 'public/supersedes.json')).toEqual([
      { taskId: a, runId: 0 },
      { taskId: c, runId: 0 },
    ]);
    const log = await h.backingLog(b);
    expect(log).toContain(`running ${b}`);
    expect(log).toContain(`Superseding: this run of ${b} stands in for ${a} (run 0), ${c} (run 0).`);
    expect(superseder.asked).toContain(a);
    // Only the executed task had a container.
    expect(await h.containers()).toEqual([]);
  });

  it('a failed executed run still supersedes: the others would fail the same way', async () => {
    const [a, b, c] = await threeTasks('supersede-failed', ['sh', '-c', 'exit 3']);
    superseder.lists.set(a, [a, b, c]);
    const { worker } = await h.startWorker({ capacity: 1, workerType: 'supersede-failed' }, { maxTasks: 1 });
    await worker.finished();
    expect((await h.client.status(a)).runs[0]).toMatchObject({ state: 'failed' });
    for (const other of [b, c]) expect((await h.client.status(other)).runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'superseded' });
  });

  it('a listed task that cannot be claimed is left out; the rest go ahead', async () => {
    const [a, b] = await threeTasks('supersede-partial', ['true']);
    // C is unknown to the queue (404 on claimTask), B is claimed by another worker first.
    await h.client.claimTask(b, 0, { workerGroup: 'elsewhere', workerId: 'other' });
    superseder.lists.set(a, [a, 'fG5ckhkoQ7qqf9yGCXQEEA', b]);
    const { worker } = await h.startWorker({ capacity: 1, workerType: 'supersede-partial' }, { maxTasks: 1 });
    await worker.finished();
    expect((await h.client.status(a)).runs[0]).toMatchObject({ state: 'completed' });
    expect((await h.client.status(b)).runs[0]).toMatchObject({ state: 'running', workerId: 'other' });
    expect(await h.backingLog(a)).toContain('none of the other tasks the superseder listed could be claimed');
  });

  it('the superseder failing, or not naming the claimed task, never fails the task', async () => {
    const [a, b, c] = await threeTasks('supersede-ignored', ['true']);
    superseder.lists.set(b, [c]); // B's list does not name B; A and C get 404
    const { worker } = await h.startWorker({ capacity: 1, workerType: 'supersede-ignored' }, { maxTasks: 3 });
    await worker.finished();
    for (const id of [a, b, c]) expect((await h.client.status(id)).runs[0]).toMatchObject({ state: 'completed' });
    expect(await h.backingLog(a)).toContain('Superseding skipped: the superseder answered HTTP 404.');
    expect(await h.backingLog(b)).toContain(`Superseding skipped: the superseder's list does not name the claimed task ${b}.`);
  });

  it('a superseder that is unreachable, answers nonsense, or is not an http(s) URL: each task runs alone', async () => {
    const nonsense = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>not json</html>');
    });
    await new Promise<void>((ready) => nonsense.listen(0, '127.0.0.1', ready));
    // A port that was listening and is closed now: connection refused.
    const closed = createServer();
    await new Promise<void>((ready) => closed.listen(0, '127.0.0.1', ready));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/supersedes`;
    await new Promise((done) => closed.close(done));
    try {
      const urls = [closedUrl, `http://127.0.0.1:${(nonsense.address() as AddressInfo).port}/supersedes`, 'ftp://example.com/supersedes'];
      const ids: string[] = [];
      for (const supersederUrl of urls) ids.push(await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60, supersederUrl }, { workerType: 'supersede-broken' }));
      const { worker } = await h.startWorker({ capacity: 1, workerType: 'supersede-broken' }, { maxTasks: 3 });
      await worker.finished();
      for (const id of ids) expect((await h.client.status(id)).runs[0]).toMatchObject({ state: 'completed' });
      expect(await h.backingLog(ids[0]!)).toContain('Superseding skipped: the superseder could not be asked');
      expect(await h.backingLog(ids[1]!)).toContain('Superseding skipped: the superseder could not be asked');
      expect(await h.backingLog(ids[2]!)).toContain('Superseding skipped: supersederUrl is not an http(s) URL.');
    } finally {
      await new Promise((done) => nonsense.close(done));
    }
  });

  it('held claims are reclaimed while the executed task runs, and a canceled one is dropped', async () => {
    // claimTimeout 4 s: reclaims every ~2 s; the executed task outlives the first claims.
    const [a, b, c] = await threeTasks('supersede-long', ['sleep', '7']);
    superseder.lists.set(a, [a, b, c]);
    const { worker } = await h.startWorker({ capacity: 1, workerType: 'supersede-long' }, { maxTasks: 1 });
    await h.until('superseded claims held', async () => (await h.client.status(c)).state === 'running');
    await h.client.cancelTask(c);
    await worker.finished();
    expect((await h.client.status(a)).runs[0]).toMatchObject({ state: 'completed' });
    expect((await h.client.status(b)).runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'superseded' });
    // C stays as the cancel left it: no resolution, no artifact from us.
    expect((await h.client.status(c)).runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'canceled' });
    expect(await h.client.listArtifacts(c, 0)).toEqual([]);
    const reclaimsOfB = h.requests.filter((r) => r.name === 'reclaimTask' && r.path.includes(`/task/${b}/`));
    expect(reclaimsOfB.length).toBeGreaterThanOrEqual(2);
  });

  it('when the executed run is aborted (worker shutdown), the held claims go back as worker-shutdown', async () => {
    const [a, b, c] = await threeTasks('supersede-abort', ['sleep', '600'], { retries: 1 });
    superseder.lists.set(a, [a, b, c]);
    const { worker } = await h.startWorker({ capacity: 1, workerType: 'supersede-abort' }, { maxTasks: 1 });
    await h.until('container started', async () => (await h.containers()).length > 0);
    await worker.stop({ finishTasks: false });
    for (const id of [a, b, c]) {
      const status = await h.client.status(id);
      expect(status.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'worker-shutdown' });
      expect(status.runs[1]).toMatchObject({ state: 'pending', reasonCreated: 'retry' });
    }
    for (const id of [b, c]) expect((await h.client.listArtifacts(id, 0)).map((x) => x.name)).not.toContain('public/superseded-by.json');
  });
});
