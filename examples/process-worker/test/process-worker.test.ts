// The example worker against the embedded queue over real HTTP: tasks created with the
// queue's API, claimed and resolved by the worker with its own client and each claim's
// temporary credentials, the live log followed over HTTP while the task runs, artifacts read
// back through the queue as any Taskcluster client would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LocalQueue, type RequestEvent } from '@docker-worker/local-queue';
import { testTaskDefinition, until } from '@docker-worker/worker-contract/testing';
import tc, { type Client } from 'taskcluster-client';
import { ProcessWorker } from '../src/worker.js';

const PROVISIONER = 'example-prov';
/** A claim lasts this long, so the first task outlives one and must be reclaimed. */
const CLAIM_SECONDS = 4;
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../src/main.js');

describe('process worker', () => {
  let queue: LocalQueue;
  let root: Client;
  let dir: string;
  let worker: ProcessWorker;
  let running: Promise<unknown>;
  const stop = new AbortController();
  const requests: RequestEvent[] = [];
  const workerLog: string[] = [];
  const workerType = `process-${tc.slugid().slice(0, 8).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'process-worker-test-'));
    queue = new LocalQueue({ longPollSeconds: 1, claimTimeout: CLAIM_SECONDS });
    queue.events.on('request', (event: RequestEvent) => requests.push(event));
    await queue.start();
    root = new tc.Queue({ rootUrl: queue.rootUrl, credentials: queue.credentials });
    const identity = { provisionerId: PROVISIONER, workerType, workerGroup: 'example', workerId: 'w1' };
    // The scopes a deployment gives a worker's client, no more.
    const credentials = queue.createWorkerClient(identity);
    worker = await ProcessWorker.start({ rootUrl: queue.rootUrl, credentials, ...identity, log: (line) => workerLog.push(line) });
    running = worker.run({ signal: stop.signal });
  });

  after(async () => {
    stop.abort();
    // Stopping the queue answers the worker's long poll at once.
    await queue.stop();
    await running;
    await worker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function createTask(payload: Record<string, unknown>, type = workerType): Promise<string> {
    const taskId = tc.slugid();
    // The contract's test kit makes a complete task definition; only what matters here is set.
    await root.createTask(taskId, testTaskDefinition({ provisionerId: PROVISIONER, workerType: type, schedulerId: '-', taskGroupId: taskId, payload }));
    return taskId;
  }

  async function state(taskId: string): Promise<string> {
    return ((await root.status(taskId)) as { status: { state: string } }).status.state;
  }

  async function resolved(taskId: string, timeoutMs = 30_000): Promise<{ state: string; reasonResolved?: string }> {
    await until(`task ${taskId} resolved`, async () => !['pending', 'running'].includes(await state(taskId)), timeoutMs);
    const { status } = (await root.status(taskId)) as { status: { runs: Array<{ state: string; reasonResolved?: string }> } };
    return status.runs[0]!;
  }

  /** An artifact as a client reads it: through the queue, following its redirect (fetch decodes gzip). */
  function artifact(taskId: string, name: string, init: RequestInit = {}): Promise<Response> {
    return fetch(root.buildSignedUrl(root.getArtifact, taskId, 0, name), init);
  }

  async function text(taskId: string, name: string): Promise<string> {
    const response = await artifact(taskId, name);
    assert.equal(response.status, 200, `GET ${name}`);
    return response.text();
  }

  /** Reads a streaming response until `needle` shows up; bounded, then the connection is dropped. */
  async function readUntil(response: Response, needle: string, timeoutMs: number): Promise<string> {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const deadline = Date.now() + timeoutMs;
    let seen = '';
    try {
      while (!seen.includes(needle)) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`"${needle}" not in the live log after ${timeoutMs} ms; got ${JSON.stringify(seen)}`);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`"${needle}" not in the live log after ${timeoutMs} ms; got ${JSON.stringify(seen)}`)), left)));
        const chunk = await Promise.race([reader.read(), timeout]).finally(() => clearTimeout(timer));
        if (chunk.done) throw new Error(`the live log ended without "${needle}": ${JSON.stringify(seen)}`);
        seen += decoder.decode(chunk.value, { stream: true });
      }
      return seen;
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  it('serves the live log while the task runs, uploads its artifacts and log, and resolves completed', async () => {
    const release = join(dir, 'release');
    const script = [
      'echo "first line"',
      'mkdir -p out/dir/sub',
      'printf "file content" > out/file.txt',
      'printf "A" > out/dir/a.txt',
      'printf "B" > out/dir/sub/b.txt',
      'ln -s ../file.txt out/dir/link',
      // Held until the test lets it go (bounded, so a broken test cannot leave it running).
      'n=0; while [ ! -e "$RELEASE" ]; do n=$((n+1)); [ "$n" -gt 600 ] && exit 9; sleep 0.05; done',
      'echo "second line" >&2',
    ].join('\n');
    const taskId = await createTask({
      command: ['/bin/sh', '-c', script],
      env: { RELEASE: release },
      maxRunTime: 60,
      artifacts: {
        'public/file.txt': { type: 'file', path: 'out/file.txt' },
        'public/dir': { type: 'directory', path: 'out/dir' },
        'public/missing.txt': { type: 'file', path: 'out/missing.txt' },
      },
    });

    // The live log: a reference artifact the queue redirects to the worker's live log server.
    await until('the live log artifact', async () => (await artifact(taskId, 'public/logs/live.log', { redirect: 'manual' })).status === 303, 20_000);
    const live = await artifact(taskId, 'public/logs/live.log');
    assert.equal(live.status, 200);
    assert.match(live.url, /^http:\/\/127\.0\.0\.1:\d+\/log\/[0-9a-f]{64}$/);
    const seen = await readUntil(live, 'first line', 20_000);
    assert.doesNotMatch(seen, /second line/);
    assert.equal(await state(taskId), 'running');

    // Held past half its claim, the run is reclaimed before it would have expired.
    await until('a reclaim', () => requests.some((r) => r.name === 'reclaimTask' && r.status === 200), 20_000);
    await writeFile(release, '');

    const run = await resolved(taskId);
    assert.deepEqual(run, { ...run, state: 'completed', reasonResolved: 'completed' });

    // Stored gzip-encoded (s3 keeps the encoding), read decoded.
    assert.equal((await artifact(taskId, 'public/logs/live_backing.log')).headers.get('content-encoding'), 'gzip');
    const backing = await text(taskId, 'public/logs/live_backing.log');
    assert.match(backing, /first line\n[\s\S]*second line\n/);
    assert.match(backing, /=== Task Finished === \(exit code 0\)/);
    // Once the run is over the live log name is a link to the backing log.
    assert.equal(await text(taskId, 'public/logs/live.log'), backing);

    const file = await artifact(taskId, 'public/file.txt');
    assert.match(file.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await file.text(), 'file content');
    assert.equal(await text(taskId, 'public/dir/a.txt'), 'A');
    assert.equal(await text(taskId, 'public/dir/sub/b.txt'), 'B');

    const { artifacts } = (await root.listArtifacts(taskId, 0)) as { artifacts: Array<{ name: string; storageType: string }> };
    assert.deepEqual(
      artifacts.map((a) => `${a.name} ${a.storageType}`).sort(),
      [
        'public/dir/a.txt s3',
        'public/dir/sub/b.txt s3',
        // The directory's symlink is not uploaded: a link never leads an upload elsewhere.
        'public/file.txt s3',
        'public/logs/live.log link',
        'public/logs/live_backing.log s3',
        'public/missing.txt error',
      ],
    );
    const missing = (await root.artifact(taskId, 0, 'public/missing.txt')) as { storageType: string; reason: string; message: string };
    assert.equal(missing.reason, 'file-missing-on-worker');
    assert.match(missing.message, /out\/missing\.txt/);

    // The run's calls went with its temporary credentials, the reclaimed ones once they came.
    const mine = requests.filter((r) => r.clientId?.startsWith(`task-client/${taskId}/0/`));
    const first = mine.find((r) => r.name === 'createArtifact')!.clientId;
    const resolution = mine.find((r) => r.name === 'reportCompleted')!.clientId;
    assert.ok(first && resolution && first !== resolution, `the resolution used the claim's first credentials (${first})`);
  });

  it('resolves failed when the command exits non-zero, with the output in the backing log', async () => {
    const taskId = await createTask({ command: ['/bin/sh', '-c', 'echo "about to fail"; exit 3'], maxRunTime: 30 });
    const run = await resolved(taskId);
    assert.equal(run.state, 'failed');
    const backing = await text(taskId, 'public/logs/live_backing.log');
    assert.match(backing, /about to fail\n/);
    assert.match(backing, /exit code 3/);
  });

  it('resolves failed when the command cannot be run, saying why', async () => {
    const taskId = await createTask({ command: ['./no-such-program'], maxRunTime: 30 });
    assert.equal((await resolved(taskId)).state, 'failed');
    assert.match(await text(taskId, 'public/logs/live_backing.log'), /Could not run "\.\/no-such-program": spawn \.\/no-such-program ENOENT/);
  });

  it('kills the task after maxRunTime and resolves failed', async () => {
    const started = Date.now();
    const taskId = await createTask({ command: ['/bin/sh', '-c', 'echo sleeping; sleep 60'], maxRunTime: 1 });
    assert.equal((await resolved(taskId)).state, 'failed');
    assert.ok(Date.now() - started < 20_000, 'the task was not killed at its maxRunTime');
    assert.match(await text(taskId, 'public/logs/live_backing.log'), /sleeping\n[\s\S]*Task timeout after 1 seconds/);
  });

  it('stops a canceled run at its next reclaim: the process is killed, nothing is uploaded or resolved', async () => {
    const taskId = await createTask({ command: ['/bin/sh', '-c', 'echo waiting; sleep 60'], maxRunTime: 120 });
    await until('the task to run', async () => (await state(taskId)) === 'running', 20_000);
    await root.cancelTask(taskId);
    // The queue refuses the next reclaim (half a claim later), and the run ends long before the sleep would.
    await until('the worker to give the run up', () => workerLog.includes(`task ${taskId}/0: canceled`), 20_000);
    const run = await resolved(taskId);
    assert.deepEqual(run, { ...run, state: 'exception', reasonResolved: 'canceled' });
    const { artifacts } = (await root.listArtifacts(taskId, 0)) as { artifacts: Array<{ name: string }> };
    assert.deepEqual(artifacts.map((a) => a.name), ['public/logs/live.log']);
    assert.ok(!requests.some((r) => r.clientId?.startsWith(`task-client/${taskId}/`) && /^report/.test(r.name ?? '')), 'the canceled run was resolved');
  });

  it('refuses a malformed payload as malformed-payload, naming every field in the log', async () => {
    const taskId = await createTask({ command: 'echo hi', maxRunTime: 0, artifacts: { 'public/logs/live.log': { type: 'file', path: 'x' }, 'public/v': { type: 'volume', path: 'v' } } });
    const run = await resolved(taskId);
    assert.deepEqual(run, { ...run, state: 'exception', reasonResolved: 'malformed-payload' });
    const backing = await text(taskId, 'public/logs/live_backing.log');
    for (const field of ['payload.command', 'payload.maxRunTime', 'payload.artifacts["public/logs/live.log"]', 'payload.artifacts["public/v"].type']) {
      assert.ok(backing.includes(field), `the log does not name ${field}:\n${backing}`);
    }
  });

  it('runs as the process-worker bin, configured from the environment, until MAX_TASKS', async () => {
    const binType = `${workerType}-bin`;
    const identity = { provisionerId: PROVISIONER, workerType: binType, workerGroup: 'example', workerId: 'bin1' };
    const credentials = queue.createWorkerClient(identity);
    const taskId = await createTask({ command: ['/bin/sh', '-c', 'echo "from the bin"; exit 1'], maxRunTime: 30 }, binType);
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        TASKCLUSTER_ROOT_URL: queue.rootUrl,
        TASKCLUSTER_CLIENT_ID: credentials.clientId,
        TASKCLUSTER_ACCESS_TOKEN: credentials.accessToken,
        PROVISIONER_ID: PROVISIONER,
        WORKER_TYPE: binType,
        WORKER_GROUP: identity.workerGroup,
        WORKER_ID: identity.workerId,
        MAX_TASKS: '1',
      },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit', { signal: AbortSignal.timeout(20_000) });
    try {
      assert.equal((await resolved(taskId)).state, 'failed');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, stderr);
      assert.match(await text(taskId, 'public/logs/live_backing.log'), /from the bin\n/);
      assert.match(stderr, new RegExp(`task ${taskId}/0: failed`));
    } finally {
      child.kill();
    }
  });
});
