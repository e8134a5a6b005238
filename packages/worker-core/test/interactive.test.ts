import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DockerExecClient } from 'docker-exec-websocket-client';
import { Harness, TEST_IMAGE } from './harness.js';

const run = promisify(execFile);
const FEATURE_SCOPE = 'docker-worker:feature:interactive';
const SHELL_ARTIFACT = 'private/docker-worker/shell.html';
// Small, so the tests see the container kept and then let go.
const MIN_TIME = 4;
const EXPIRATION_AFTER_SESSION = 3;

function interactiveTask(command: string[], extra: Record<string, unknown> = {}) {
  return { image: TEST_IMAGE, command, maxRunTime: 60, features: { interactive: true }, ...extra };
}

/** A session as the UI opens one, its output collected. */
interface Session {
  client: DockerExecClient;
  stdout: () => Buffer;
  stderr: () => string;
  /** The exit code the server sent, or `shutdown` when it ended the session itself. */
  ended: Promise<number | 'shutdown'>;
}

/** Opens a session; a refused one rejects with the ws error (from another realm than jest's, so tests match its message). */
async function openSession(url: string, command: string[], options: { tty?: boolean; wsopts?: Record<string, unknown> } = {}): Promise<Session> {
  const client = new DockerExecClient({ url, command, tty: options.tty ?? false, ...(options.wsopts && { wsopts: options.wsopts }) });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const ended = new Promise<number | 'shutdown'>((resolve) => {
    client.once('exit', (code: number) => resolve(code));
    client.once('shutdown', () => resolve('shutdown'));
  });
  client.on('error', () => {});
  await client.execute();
  client.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  client.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  return { client, stdout: () => Buffer.concat(out), stderr: () => Buffer.concat(err).toString('utf8'), ended };
}

describe('interactive: shells into running tasks with docker-exec-websocket-client (real engine, embedded queue)', () => {
  const h = new Harness();
  beforeAll(async () => {
    // Reclaims every ~2 s: the 409 after cancelTask comes quickly.
    await h.start({ claimTimeout: 4 });
    await h.startWorker({ capacity: 3, features: { interactive: { minTime: MIN_TIME, expirationAfterSession: EXPIRATION_AFTER_SESSION } } });
  });
  afterAll(async () => {
    await h.stop();
  });

  /** The socket URL in the run's shell.html reference (the UI page's `socketUrl`). */
  async function socketUrl(taskId: string): Promise<string> {
    await h.until('the shell artifact', async () => (await h.client.listArtifacts(taskId, 0).catch(() => [])).some((a) => a.name === SHELL_ARTIFACT));
    const response = await fetch(h.client.artifactUrl(taskId, 0, SHELL_ARTIFACT), { redirect: 'manual' });
    expect(response.status).toBe(303);
    const page = new URL(response.headers.get('location')!);
    expect(page.origin + page.pathname).toBe(`${h.queue.rootUrl}/shell/`);
    expect(page.searchParams.get('taskId')).toBe(taskId);
    expect(page.searchParams.get('runId')).toBe('0');
    return page.searchParams.get('socketUrl')!;
  }

  it('round-trips FA FF 0A and 1 MiB exactly through cat, returns exit codes, and keeps an `echo hello` task past minTime while a session is open', async () => {
    const taskId = await h.createTask(interactiveTask(['sh', '-c', 'echo hello']), { scopes: [FEATURE_SCOPE] });
    const url = await socketUrl(taskId);
    expect(url).toMatch(/^ws:\/\/[^/]+\/[0-9a-f]{64}\/shell\.sock$/);
    const artifact = (await h.client.listArtifacts(taskId, 0)).find((a) => a.name === SHELL_ARTIFACT)!;
    expect(artifact.storageType).toBe('reference');
    // Expires with maxRunTime (60 s), not at once and not with the task.
    expect(Date.parse(artifact.expires) - Date.now()).toBeGreaterThan(30_000);
    expect(Date.parse(artifact.expires) - Date.now()).toBeLessThanOrEqual(60_000);

    for (const bytes of [Buffer.from([0xfa, 0xff, 0x0a]), randomBytes(1024 * 1024)]) {
      const cat = await openSession(url, ['cat']);
      cat.client.stdin.end(bytes);
      expect(await cat.ended).toBe(0);
      expect(cat.stdout().equals(bytes)).toBe(true);
    }
    const failing = await openSession(url, ['sh', '-c', 'echo to-stderr >&2; exit 7']);
    expect(await failing.ended).toBe(7);
    expect(failing.stderr()).toBe('to-stderr\n');

    // A session held open: the run is still running well past minTime.
    const held = await openSession(url, ['cat']);
    const started = Date.parse((await h.client.status(taskId)).runs[0]!.started!);
    await h.until('minTime to pass', () => Date.now() > started + (MIN_TIME + 2) * 1000, 20_000);
    expect((await h.client.status(taskId)).state).toBe('running');
    const closedAt = Date.now();
    held.client.close();
    const status = await h.waitResolved(taskId, 30_000);
    const after = Date.now() - closedAt;
    expect(status.state).toBe('completed');
    expect(after).toBeGreaterThanOrEqual(EXPIRATION_AFTER_SESSION * 1000 - 500);
    expect(after).toBeLessThan((EXPIRATION_AFTER_SESSION + 5) * 1000);
    expect(await h.backingLog(taskId)).toMatch(/^hello$/m);
  });

  it('refuses a wrong token before any exec; `pwd` works within minTime of a `sleep 1` task and is refused after it; the exit status is the command\'s', async () => {
    const taskId = await h.createTask(interactiveTask(['sh', '-c', 'sleep 1; exit 3']), { scopes: [FEATURE_SCOPE] });
    const url = await socketUrl(taskId);
    const wrong = url.replace(/\/[0-9a-f]{64}\//, `/${randomBytes(32).toString('hex')}/`);
    await expect(openSession(wrong, ['pwd'])).rejects.toMatchObject({ message: expect.stringMatching(/404/) });
    const [container] = await h.containers();
    const { stdout } = await run('docker', ['inspect', '-f', '{{len .ExecIDs}}', container!]);
    expect(stdout.trim()).toBe('0');

    // Past the command's end (it slept 1 s) but within minTime.
    // (The init's own command line names sleep too: look at the process names only.)
    await h.until('the command to end', async () => !(await run('docker', ['top', container!, '-eo', 'pid,comm'])).stdout.split('\n').some((line) => line.trim().split(/\s+/)[1] === 'sleep'));
    const pwd = await openSession(url, ['pwd']);
    expect(await pwd.ended).toBe(0);
    expect(pwd.stdout().toString()).toBe('/\n');

    const status = await h.waitResolved(taskId, 30_000);
    expect(status.state).toBe('failed');
    expect(Date.parse(status.runs[0]!.resolved!) - Date.parse(status.runs[0]!.started!)).toBeGreaterThanOrEqual(MIN_TIME * 1000 - 500);
    await expect(openSession(url, ['pwd'])).rejects.toMatchObject({ message: expect.stringMatching(/404/) });
    expect(await h.backingLog(taskId)).toMatch(/Unsuccessful task run with exit code: 3 /);
  });

  it('keeps two tasks\' sessions apart', async () => {
    const a = await h.createTask(interactiveTask(['true'], { env: { MARK: 'task-a' } }), { scopes: [FEATURE_SCOPE] });
    const b = await h.createTask(interactiveTask(['true'], { env: { MARK: 'task-b' } }), { scopes: [FEATURE_SCOPE] });
    const [urlA, urlB] = await Promise.all([socketUrl(a), socketUrl(b)]);
    expect(urlA).not.toBe(urlB);
    const [sa, sb] = await Promise.all([openSession(urlA, ['sh', '-c', 'echo "$MARK $TASK_ID"']), openSession(urlB, ['sh', '-c', 'echo "$MARK $TASK_ID"'])]);
    expect(await Promise.all([sa.ended, sb.ended])).toEqual([0, 0]);
    expect(sa.stdout().toString()).toBe(`task-a ${a}\n`);
    expect(sb.stdout().toString()).toBe(`task-b ${b}\n`);
    expect((await h.waitResolved(a, 30_000)).state).toBe('completed');
    expect((await h.waitResolved(b, 30_000)).state).toBe('completed');
  });

  it('closes the session with a message when the task is canceled', async () => {
    const taskId = await h.createTask(interactiveTask(['sleep', '60']), { scopes: [FEATURE_SCOPE] });
    const session = await openSession(await socketUrl(taskId), ['cat']);
    await h.client.cancelTask(taskId);
    expect(await session.ended).toBe('shutdown');
    expect(session.stderr()).toMatch(/canceled/);
    expect((await h.waitResolved(taskId)).state).toBe('exception');
    await h.until('the container to go', async () => (await h.containers()).length === 0);
  });

  it('never outlives maxRunTime: a task whose command is done ends with its own exit status before it', async () => {
    const taskId = await h.createTask(interactiveTask(['true'], { maxRunTime: 5 }), { scopes: [FEATURE_SCOPE] });
    const session = await openSession(await socketUrl(taskId), ['cat']);
    expect(await session.ended).toBe('shutdown');
    expect(session.stderr()).toMatch(/maxRunTime/);
    const status = await h.waitResolved(taskId, 30_000);
    // Completed, not failed: the container was let go before the maxRunTime kill (which fails the run).
    expect(status.state).toBe('completed');
  });

  it('gives a tty session the size the client asks for', async () => {
    const taskId = await h.createTask(interactiveTask(['true']), { scopes: [FEATURE_SCOPE] });
    const session = await openSession(await socketUrl(taskId), ['sh', '-c', 'read line; stty size'], { tty: true });
    session.client.resize(37, 101);
    session.client.stdin.write('go\n');
    expect(await session.ended).toBe(0);
    expect(session.stdout().toString()).toMatch(/37 101\r?\n$/);
    expect((await h.waitResolved(taskId, 30_000)).state).toBe('completed');
  });

  it('is refused without the feature scope', async () => {
    const taskId = await h.createTask(interactiveTask(['true']), { scopes: [] });
    const status = await h.waitResolved(taskId);
    expect(status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(await h.backingLog(taskId)).toMatch(/docker-worker:feature:interactive/);
  });
});

describe('interactive over TLS', () => {
  const h = new Harness();
  let ca: Buffer;
  beforeAll(async () => {
    await h.start();
    const certificate = join(h.dir, 'interactive.crt');
    const key = join(h.dir, 'interactive.key');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', certificate,
    ], { stdio: 'ignore' });
    ca = readFileSync(certificate);
    await h.startWorker({ features: { interactive: { minTime: 2, expirationAfterSession: 1, tls: { certificate, key } } } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('serves wss with the configured certificate; a client not trusting it is refused', async () => {
    const taskId = await h.createTask(interactiveTask(['true']), { scopes: [FEATURE_SCOPE] });
    await h.until('the shell artifact', async () => (await h.client.listArtifacts(taskId, 0).catch(() => [])).some((a) => a.name === SHELL_ARTIFACT));
    const response = await fetch(h.client.artifactUrl(taskId, 0, SHELL_ARTIFACT), { redirect: 'manual' });
    const url = new URL(response.headers.get('location')!).searchParams.get('socketUrl')!;
    expect(url).toMatch(/^wss:\/\/localhost:\d+\//);
    await expect(openSession(url, ['true'])).rejects.toMatchObject({ message: expect.stringMatching(/self[- ]signed|certificate/i) });
    const cat = await openSession(url, ['cat'], { wsopts: { ca } });
    cat.client.stdin.end(Buffer.from([0xfa, 0xff, 0x0a]));
    expect(await cat.ended).toBe(0);
    expect(cat.stdout().equals(Buffer.from([0xfa, 0xff, 0x0a]))).toBe(true);
    expect((await h.waitResolved(taskId, 30_000)).state).toBe('completed');
  });
});

describe('interactive when the worker shuts down', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('closes the session with a message and resolves the run worker-shutdown', async () => {
    const { worker } = await h.startWorker({ features: { interactive: { minTime: 60 } } });
    const taskId = await h.createTask(interactiveTask(['sleep', '60']), { scopes: [FEATURE_SCOPE] });
    await h.until('the shell artifact', async () => (await h.client.listArtifacts(taskId, 0).catch(() => [])).some((a) => a.name === SHELL_ARTIFACT));
    const response = await fetch(h.client.artifactUrl(taskId, 0, SHELL_ARTIFACT), { redirect: 'manual' });
    const session = await openSession(new URL(response.headers.get('location')!).searchParams.get('socketUrl')!, ['cat']);
    await worker.stop({ finishTasks: false });
    expect(await session.ended).toBe('shutdown');
    expect(session.stderr()).toMatch(/shutting down|canceled/);
    const status = await h.client.status(taskId);
    expect(status.runs[0]!.reasonResolved).toBe('worker-shutdown');
    expect(await h.containers()).toEqual([]);
  });
});
