import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, TEST_IMAGE } from './harness.js';

const run = promisify(execFile);

// The local registry scripts/setup-machine.sh starts, with htpasswd auth.
const REGISTRY = '127.0.0.1:5000';
const USER = process.env.DW_REGISTRY_USER ?? 'dwtest';
const PASSWORD = process.env.DW_REGISTRY_PASSWORD ?? 'dwtest-password';

describe('pulling from a registry with configured credentials (real registry with htpasswd)', () => {
  const h = new Harness();
  let dockerConfig: string;
  const images: string[] = [];

  /** Push the test image under a fresh name, then drop it locally so the worker must pull it. */
  async function pushed(): Promise<string> {
    const name = `${REGISTRY}/${USER}/busybox-${Math.random().toString(36).slice(2, 10)}:v1`;
    const env = { ...process.env, DOCKER_CONFIG: dockerConfig };
    await run('docker', ['tag', TEST_IMAGE, name]);
    await run('docker', ['push', name], { env });
    await run('docker', ['rmi', name]);
    images.push(name);
    return name;
  }

  beforeAll(async () => {
    await h.start();
    // A private docker CLI config, so the test's login touches nothing of the machine's.
    dockerConfig = await mkdtemp(join(tmpdir(), 'dw-docker-config-'));
    const login = execFile('docker', ['login', REGISTRY, '-u', USER, '--password-stdin'], { env: { ...process.env, DOCKER_CONFIG: dockerConfig } });
    login.stdin!.end(PASSWORD);
    await new Promise<void>((resolve, reject) => login.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker login exited ${code}`)))));
  });
  afterAll(async () => {
    await h.stop();
    for (const image of images) await run('docker', ['rmi', image]).catch(() => {});
    await rm(dockerConfig, { recursive: true, force: true });
  });

  it('right credentials and the image scope: pulled and run, with a short summary in the log', async () => {
    const image = await pushed();
    await h.startWorker({ workerType: 'reg-good', registries: { [REGISTRY]: { username: USER, password: PASSWORD } } });
    const taskId = await h.createTask(
      { image, command: ['echo', 'pulled fine'], maxRunTime: 60 },
      { workerType: 'reg-good', scopes: [`docker-worker:image:${REGISTRY}/${USER}/*`] },
    );
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    const text = await h.backingLog(taskId);
    expect(text).toContain(`Pulling image ${image} from ${REGISTRY} as ${USER}`);
    expect(text).toMatch(/Pulled image .*: \d+ layers, [\d.]+ MB in [\d.]+ s/);
    expect(text).toContain('pulled fine');
  });

  it('five tasks on the same new image at capacity 5: one pull from the registry', async () => {
    const image = await pushed();
    await h.startWorker({ workerType: 'reg-five', capacity: 5, registries: { [REGISTRY]: { username: USER, password: PASSWORD } } });
    const since = Math.floor(Date.now() / 1000) - 1;
    const taskIds = await Promise.all(
      Array.from({ length: 5 }, () =>
        h.createTask({ image, command: ['true'], maxRunTime: 60 }, { workerType: 'reg-five', scopes: [`docker-worker:image:${REGISTRY}/*`] }),
      ),
    );
    for (const taskId of taskIds) expect((await h.waitResolved(taskId)).state).toBe('completed');
    // The engine records one `pull` event per pull it was asked for.
    const { stdout } = await run('docker', ['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'type=image', '--filter', 'event=pull', '--format', '{{.Actor.ID}}']);
    expect(stdout.split('\n').filter((line) => line === image)).toHaveLength(1);
  });

  it('wrong credentials: failed, the message names the registry and never the password', async () => {
    const image = await pushed();
    const wrong = 'not-the-password-4711';
    await h.startWorker({ workerType: 'reg-bad', registries: { [REGISTRY]: { username: USER, password: wrong } } });
    const taskId = await h.createTask({ image, command: ['true'], maxRunTime: 60 }, { workerType: 'reg-bad', scopes: [`docker-worker:image:${REGISTRY}/*`] });
    expect((await h.waitResolved(taskId)).state).toBe('failed');
    const text = await h.backingLog(taskId);
    expect(text).toContain(`[taskcluster:error] Image "${image}" could not be pulled (from ${REGISTRY} as ${USER})`);
    expect(text).not.toContain(wrong);
  });

  it('missing scope: malformed-payload before anything starts, naming the scope and why', async () => {
    const image = await pushed();
    await h.startWorker({ workerType: 'reg-scope', registries: { [REGISTRY]: { username: USER, password: PASSWORD } } });
    const taskId = await h.createTask({ image, command: ['true'], maxRunTime: 60 }, { workerType: 'reg-scope', scopes: [] });
    const status = await h.waitResolved(taskId);
    expect(status.state).toBe('exception');
    expect(status.runs[0]!.reasonResolved).toBe('malformed-payload');
    const text = await h.backingLog(taskId);
    expect(text).toContain(
      `payload.image "${image}" needs the task scope docker-worker:image:${image}: pulls from ${REGISTRY} use the worker's registry credentials`,
    );
    expect(text).toContain('The task payload is invalid, so nothing was started');
    expect(text).not.toContain('Pulling image');
    expect(text).not.toContain('=== Task Starting ===');
  });
});
